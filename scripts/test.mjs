#!/usr/bin/env node
// The one test command (README, .ci/run): prepares what the tests need, then typechecks,
// builds, runs vitest (the CLI tests run the built bin, dist/cli.js), runs the build on edge
// runtimes (test/edge), and checks the packed package with publint and attw. It ends by
// printing "N passed, N failed" from vitest's own counts (both runs added up), so a run that
// tested nothing shows.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const REPORTS = ['.vitest-report.json', 'node_modules/.cache/vitest-edge-report.json'];
const steps = [
  ['test prerequisites (promtool, alertmanager, redis, postgres)', 'bash', ['scripts/ensure-test-deps.sh']],
  ['typecheck', 'npx', ['tsc', '--noEmit', '-p', '.']],
  // Built before vitest rather than inside it: next build keeps both cores busy for ~30 s.
  ['build the Next.js example', 'npx', ['next', 'build', '--webpack', 'examples/next-app'], { NEXT_TELEMETRY_DISABLED: '1' }],
  // Before vitest: test/cli runs the bin the build writes (dist/cli.js) as a child process.
  // Nothing in the vitest run writes to dist/, so the steps after it read this same build.
  ['build', 'npx', ['tsup']],
  ['vitest', 'npx', ['vitest', 'run'], { PULSEWATCH_NEXT_APP_BUILT: '1', PULSEWATCH_CLI_BUILT: '1' }],
  ['published declarations', 'node', ['scripts/check-dts.mjs']],
  ['edge bundle of the build', 'node', ['scripts/check-edge-dist.mjs']],
  // 256.4 KiB on 2026-12-08 (docs/performance.md): the budget leaves room for growth, not for a new dependency pulled in whole.
  ['bundle size of the main entry', 'node', ['scripts/bundle-size.mjs', '--max-gzip-kib', '260']],
  // The built main entry on real edge runtimes: workerd (through miniflare) and edge-runtime.
  ['edge runtimes', 'npx', ['vitest', 'run', '--config', 'test/edge/vitest.config.ts']],
  ['links in the packed markdown', 'node', ['scripts/check-pack-links.mjs']],
  ['publint', 'npx', ['publint', '--strict']],
  ['are the types wrong', 'npx', ['attw', '--pack', '.', '--profile', 'node16']],
];

for (const report of REPORTS) rmSync(report, { force: true });
const failedSteps = [];
for (const [name, cmd, args, stepEnv = {}] of steps) {
  const buildFailed = failedSteps.includes('build');
  // vitest still runs after a failed build (its CLI tests then build the bin themselves, and
  // fail on the same error); the steps after it read dist/ and would only add noise.
  if (buildFailed && name !== 'vitest') break;
  const env = { ...stepEnv };
  if (buildFailed) delete env.PULSEWATCH_CLI_BUILT;
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  if (result.status !== 0) {
    failedSteps.push(name);
    // Without prerequisites or types the later steps only add noise.
    if (!['build', 'vitest', 'bundle size of the main entry', 'edge runtimes'].includes(name)) break;
  }
}

let passed = 0;
let failed = 0;
for (const file of REPORTS) {
  if (!existsSync(file)) continue;
  const report = JSON.parse(readFileSync(file, 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numFailedTestSuites ?? 0);
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failedSteps.length > 0 || failed > 0 || passed === 0 ? 1 : 0);
