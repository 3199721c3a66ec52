#!/usr/bin/env node
// Prints the size of the main entry as an edge worker ships it: dist/index.js with every module
// it imports (its chunks, zod, eventemitter3) bundled by esbuild for a platform without Node,
// minified and gzipped (level 9). Every export of the entry is kept (an ESM bundle of it), so
// this is the most a worker ships; one that imports less may ship less. docs/performance.md
// "Bundle size" reports it.
//
// Two figures, since the entry loads the dashboard's assets with a dynamic import() at the first
// /dashboard request:
//   - split: what a bundler that splits dynamic imports into chunks (esbuild with splitting,
//     webpack and so Next.js, Vite, Rollup, wrangler) loads at start: the entry and the chunks it
//     imports statically; the lazily loaded chunks are given apart;
//   - inlined: what a bundler that does not split ships, everything in one file.
// Usage: node scripts/bundle-size.mjs [distDir] [--max-gzip-kib N]   (after `npm run build`)
// With --max-gzip-kib it fails when the split figure (what every worker loads at start) passes
// N KiB: npm test keeps the main entry within a budget (a dependency pulled in whole shows here first).
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const args = process.argv.slice(2);
const budgetAt = args.indexOf('--max-gzip-kib');
const budget = budgetAt >= 0 ? Number(args.splice(budgetAt, 2)[1]) : undefined;
const entry = resolve(args[0] ?? 'dist', 'index.js');
const outdir = resolve('node_modules/.cache/bundle-size');

function options(splitting) {
  return {
    entryPoints: [entry],
    bundle: true,
    platform: 'neutral',
    mainFields: ['module', 'main'],
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
    splitting,
    outdir,
    metafile: true,
    // dist/ may be built elsewhere (a before/after comparison): resolve zod and eventemitter3 here.
    nodePaths: [resolve('node_modules')],
  };
}

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;

// Inlined: one output file.
const inlined = await build(options(false));
const inlinedGz = gz(inlined.outputFiles[0].contents);

// Split: the entry's output and its static imports, transitively; every other chunk is lazy.
const split = await build(options(true));
const files = new Map(split.outputFiles.map((f) => [resolve(f.path), f.contents]));
const outputs = Object.entries(split.metafile.outputs).map(([path, out]) => [resolve(path), out]);
const entryOut = outputs.find(([path, out]) => out.entryPoint !== undefined && !path.endsWith('.map'));
if (entryOut === undefined) throw new Error('bundle-size: esbuild reported no entry output');
const byPath = new Map(outputs);
const eager = new Set();
const stack = [entryOut[0]];
while (stack.length > 0) {
  const path = stack.pop();
  if (eager.has(path)) continue;
  eager.add(path);
  for (const imp of byPath.get(path)?.imports ?? []) {
    if (imp.kind === 'import-statement' && !imp.external) stack.push(resolve(imp.path));
  }
}
let eagerGz = 0;
let lazyGz = 0;
for (const [path, contents] of files) {
  if (path.endsWith('.map')) continue;
  if (eager.has(path)) eagerGz += gz(contents);
  else lazyGz += gz(contents);
}
console.log(`| ${kib(eagerGz)} | ${kib(lazyGz)} | ${kib(inlinedGz)} |  (minified + gzipped: loaded at start when split | loaded lazily | all inlined, no splitting)`);
if (budget !== undefined && eagerGz > budget * 1024) {
  console.error(`the main entry loads ${kib(eagerGz)} minified and gzipped at start, over its budget of ${budget} KiB (docs/performance.md, Bundle size)`);
  process.exit(1);
}
