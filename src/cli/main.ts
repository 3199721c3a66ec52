#!/usr/bin/env node
/**
 * The `pulsewatch` bin. Exit codes: 0 ok, 1 warning, 2 failing, 3 unreachable or invalid input
 * (docs/cli.md). `process.exitCode` (not `process.exit`) lets stdout drain before the end; no
 * top-level await, so the entry builds for CommonJS too.
 */
import { processIo } from './io.js';
import { runCli } from './program.js';

void runCli(process.argv, processIo()).then((code) => {
  process.exitCode = code;
});
