import { spawn, type ChildProcess } from 'node:child_process';
import { beforeAll } from 'vitest';
import { builtCli } from './built-cli.js';

/**
 * The built bin (helpers/built-cli.ts: dist/cli.js under `npm test`, else a build of the same
 * config), known before any test of a file that imports this helper starts a child.
 */
let bin: string | undefined;
beforeAll(async () => {
  bin = await builtCli();
}, 120_000);

/** The path of the built bin, once the file's `beforeAll` has found or built it. */
export function cliPath(): string {
  if (bin === undefined) throw new Error('the built CLI is not known yet: spawn it from a test, not at import time');
  return bin;
}

/** What one CLI run printed and how it ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child: this one's, minus every PULSEWATCH_* variable, plus `env`. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PULSEWATCH_')) clean[k] = v;
  return { ...clean, ...env };
}

/**
 * Starts the built `pulsewatch <args>` as a child process, as a shell runs a bin: the file itself
 * (its `#!/usr/bin/env node` line and execute bit), so SIGINT reaches the CLI and nothing else.
 */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(cliPath(), [...args], { env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs `pulsewatch <args>` to its end. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawnCli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Resolves with everything printed so far once `stream` has printed text matching `pattern`. */
export function waitForOutput(stream: NodeJS.ReadableStream, pattern: RegExp, what: string, exited: Promise<unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (c: Buffer): void => {
      seen += c.toString();
      if (pattern.test(seen)) {
        stream.off('data', onData);
        resolve(seen);
      }
    };
    stream.on('data', onData);
    void exited.then(() => reject(new Error(`the CLI exited before printing ${what}; it printed:\n${seen}`)));
  });
}

/**
 * Test timeout of the suites that start the CLI: each run is a node process loading a 0.5 MB
 * bundle, on a machine shared with other suites. A bound, not a wait.
 */
export const CHILD_TIMEOUT = 90_000;
