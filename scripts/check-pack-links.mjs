#!/usr/bin/env node
// The markdown files in the npm tarball (README.md, CHANGELOG.md, ...) are read on the npm page,
// where a relative link only works if the tarball holds its target. This lists the packed files
// (`npm pack --dry-run --json`) and fails on a relative link to anything else: link to GitHub
// (https://github.com/pulsewatch/pulsewatch/blob/main/...) instead.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' }));
const packed = new Set(pack.files.map((f) => f.path));
const problems = [];
for (const file of packed) {
  if (!file.endsWith('.md')) continue;
  const text = readFileSync(file, 'utf8');
  for (const [, target] of text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
    const path = posix.normalize(posix.join(posix.dirname(file), target.split('#')[0]));
    const inPack = packed.has(path) || [...packed].some((p) => p.startsWith(`${path.replace(/\/$/, '')}/`));
    if (!inPack) problems.push(`${file}: ${target} (not in the tarball)`);
  }
}
if (problems.length > 0) {
  console.error(`relative links that break on the npm page:\n- ${problems.join('\n- ')}`);
  process.exit(1);
}
console.log(`links in the packed markdown (${[...packed].filter((f) => f.endsWith('.md')).join(', ')}) resolve`);
