#!/usr/bin/env node
// The published declarations (after `tsup`): no member marked @internal left in them (tsup's
// dts build strips those, `stripInternal`), and they compile on their own with `skipLibCheck`
// off, so no public type refers to a declaration that was stripped or never emitted.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = resolve('dist');
const files = readdirSync(dist).filter((f) => f.endsWith('.d.ts') || f.endsWith('.d.cts'));
if (files.length === 0) {
  console.error('no declarations in dist/: run the build (npx tsup) first');
  process.exit(1);
}
const leaks = files.filter((f) => readFileSync(join(dist, f), 'utf8').includes('@internal'));
if (leaks.length > 0) {
  console.error(`@internal declarations published in: ${leaks.join(', ')}`);
  process.exit(1);
}
// A tsconfig of its own, so the project's paths (pulsewatch -> src) do not resolve the imports.
const dir = resolve('node_modules/.cache/pulsewatch-check-dts');
mkdirSync(dir, { recursive: true });
const config = {
  compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false },
  files: files.map((f) => join(dist, f)),
};
writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
const result = spawnSync('npx', ['tsc', '-p', join(dir, 'tsconfig.json')], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error('the published declarations do not compile on their own (above)');
  process.exit(1);
}
console.log(`${files.length} declaration files: no @internal member, and they compile on their own`);
