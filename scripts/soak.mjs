#!/usr/bin/env node
// The long soak: test/soak/scenario.ts (the scenario `npm test` runs for one simulated week)
// for more weeks and more traffic, in a process started with --expose-gc so heap figures are
// taken after full collections. Prints one line per simulated day, then the figures as JSON,
// then whether the soak's invariants held (exit 1 if not).
//
//   node scripts/soak.mjs [--days 28] [--routes 6] [--tenants 4] [--per-slot 2]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

if (process.env.PULSEWATCH_SOAK_CHILD !== '1') {
  // Re-run this file under --expose-gc with tsx's loader (the scenario is TypeScript).
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, PULSEWATCH_SOAK_CHILD: '1' },
  });
  process.exit(r.status ?? 1);
}

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i === -1 ? fallback : Number(process.argv[i + 1]);
};
const options = { days: arg('days', 28), routes: arg('routes', 6), tenantsPerHour: arg('tenants', 4), perSlot: arg('per-slot', 2) };
const { runSoak } = await import('../test/soak/scenario.ts');
const mib = (b) => `${(b / 2 ** 20).toFixed(1)} MiB`;

console.log(`soak: ${JSON.stringify(options)}`);
const f = await runSoak({ ...options, log: (line) => console.log(`  ${line}`) });
const dropped = Object.values(f.dropped).reduce((a, b) => a + b, 0);
console.log(JSON.stringify(f, null, 2));
console.log(`wall ${(f.wallMs / 1000).toFixed(1)} s for ${f.days} simulated days (${f.slots} slots)`);
console.log(`heap after GC (${f.heap.gc}): start ${mib(f.heap.start)}, day 1 ${mib(f.heap.daily[0])}, end ${mib(f.heap.end)}, peak ${mib(f.heap.peak)}, growth after day 1 ${mib(Math.max(...f.heap.daily) - f.heap.daily[0])}`);
console.log(`values: accepted ${f.accepted}, stored ${f.stored}, dropped ${dropped} ${JSON.stringify(f.dropped)}; observations ${f.observed}, stored ${f.observedStored}`);

const checks = [
  ['stored + dropped = accepted', f.stored + dropped === f.accepted],
  ['only poison values dropped', dropped === f.poisonAccepted && (f.dropped.rejected ?? 0) === f.poisonAccepted],
  ['every observation stored', f.observedStored === f.observed],
  ['dropped events = dropped counter', JSON.stringify(f.droppedEvents) === JSON.stringify(f.dropped)],
  ['heap within 2 MiB of day 1 per week', Math.max(...f.heap.daily) - f.heap.daily[0] <= (2 * 2 ** 20 * f.days) / 7],
  ['store alert records bounded', f.storeAlerts.at(-1) <= Math.ceil(1.25 * f.storeAlerts[1])],
];
for (const [name, ok] of checks) console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
