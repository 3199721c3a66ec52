#!/usr/bin/env node
// Prints the size of the main entry as an edge worker ships it: dist/index.js with every module
// it imports (its chunks, zod, eventemitter3) bundled by esbuild for a platform without Node,
// raw, minified, and minified + gzipped (level 9). Every export of the entry is kept (an ESM
// bundle of it), so this is the most a worker ships; one that imports less may ship less. docs/performance.md "Bundle size" reports it.
// Usage: node scripts/bundle-size.mjs [distDir] [--max-gzip-kib N]   (after `npm run build`)
// With --max-gzip-kib it fails when the minified, gzipped size passes N KiB: npm test keeps the
// main entry within a budget (a dependency pulled in whole shows here first).
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const budgetAt = args.indexOf('--max-gzip-kib');
const budget = budgetAt >= 0 ? Number(args.splice(budgetAt, 2)[1]) : undefined;
const entry = resolve(args[0] ?? 'dist', 'index.js');

async function bundle(minify) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'es2022',
    minify,
    write: false,
    logLevel: 'silent',
    // dist/ may be built elsewhere (a before/after comparison): resolve zod and eventemitter3 here.
    nodePaths: [resolve('node_modules')],
  });
  return result.outputFiles[0].contents;
}

const raw = await bundle(false);
const minified = await bundle(true);
const gzipped = gzipSync(minified, { level: 9 });
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`| ${kib(raw.length)} | ${kib(minified.length)} | ${kib(gzipped.length)} |  (raw | minified | minified + gzipped)`);
if (budget !== undefined && gzipped.length > budget * 1024) {
  console.error(`the main entry is ${kib(gzipped.length)} minified and gzipped, over its budget of ${budget} KiB (docs/performance.md, Bundle size)`);
  process.exit(1);
}
