// Any mix of lookups, old handles, remove() and idle eviction over a few slots: every label set is
// written as at most one rollup per slot and instance (stores keep one per such key, a second
// would replace the first), and the stored counts and sums equal what was recorded.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { fcParams } from '../helpers/fast-check.js';

const SLOT = 30_000;
const KEYS = ['a', 'b'] as const;

type Op =
  | { op: 'lookup'; key: 0 | 1; amount: number }
  | { op: 'bind'; key: 0 | 1 }
  | { op: 'handle'; handle: number; amount: number }
  | { op: 'remove'; key: 0 | 1 }
  | { op: 'slot'; slots: number };

// Mostly one label set, so that handles, lookups and removals meet on it.
const key = fc.constantFrom<0 | 1>(0, 0, 0, 1);
const amount = fc.integer({ min: 1, max: 9 });
const ops = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('lookup' as const), key, amount }), weight: 3 },
    { arbitrary: fc.record({ op: fc.constant('bind' as const), key }), weight: 2 },
    { arbitrary: fc.record({ op: fc.constant('handle' as const), handle: fc.nat(7), amount }), weight: 4 },
    { arbitrary: fc.record({ op: fc.constant('remove' as const), key }), weight: 1 },
    // 1 to 4 slots: past the one-minute TTL, idle series are evicted at a boundary.
    { arbitrary: fc.record({ op: fc.constant('slot' as const), slots: fc.integer({ min: 1, max: 4 }) }), weight: 2 },
  ),
  { maxLength: 40 },
);

function duplicates(rollups: readonly Rollup[]): string[] {
  const seen = new Set<string>();
  const twice: string[] = [];
  for (const r of rollups) {
    const k = JSON.stringify([r.labels, r.start, r.instance]);
    if (seen.has(k)) twice.push(k);
    seen.add(k);
  }
  return twice;
}

describe('one rollup per series, slot and instance', () => {
  it('holds for counters and histograms under lookups, old handles, remove and idle eviction', async () => {
    await fc.assert(
      fc.asyncProperty(ops, async (script: Op[]) => {
        const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
        const storage = new MemoryStorage({ now: () => clock.now() });
        const monitor = createMonitor({ clock, storage, instanceId: 'm-prop', logger: false, limits: { seriesTtl: 60_000 } });
        const c = monitor.counter({ name: 'ops_total', labelNames: ['k'] });
        const h = monitor.histogram({ name: 'ops_milliseconds', unit: 'milliseconds', labelNames: ['k'] });
        // A first record starts the monitor (its slot timers, so idle series are evicted), as in an app.
        monitor.gauge({ name: 'started' }).set(1);
        const handles: { c: ReturnType<typeof c.labels>; h: ReturnType<typeof h.labels> }[] = [];
        let count = 0;
        let sum = 0;
        for (const step of script) {
          if (step.op === 'lookup') {
            c.inc(step.amount, { k: KEYS[step.key] });
            h.observe(step.amount, { k: KEYS[step.key] });
          } else if (step.op === 'bind') {
            handles.push({ c: c.labels({ k: KEYS[step.key] }), h: h.labels({ k: KEYS[step.key] }) });
            continue;
          } else if (step.op === 'handle') {
            const bound = handles[step.handle % Math.max(handles.length, 1)];
            if (bound === undefined) continue;
            bound.c.inc(step.amount);
            bound.h.observe(step.amount);
          } else if (step.op === 'remove') {
            c.remove({ k: KEYS[step.key] });
            h.remove({ k: KEYS[step.key] });
            continue;
          } else {
            for (let i = 0; i < step.slots; i++) await clock.advanceAsync(SLOT);
            continue;
          }
          count++;
          sum += step.amount;
        }
        await monitor.flush();
        for (const name of ['ops_total', 'ops_milliseconds']) {
          const rollups = await storage.queryRollups({ name });
          expect(duplicates(rollups)).toEqual([]);
          expect(rollups.reduce((n, r) => n + r.count, 0)).toBe(count);
          expect(rollups.reduce((n, r) => n + r.sum, 0)).toBe(sum);
        }
        // At most one live series per label set.
        expect(c.seriesCount).toBeLessThanOrEqual(2);
        expect(h.seriesCount).toBeLessThanOrEqual(2);
        await monitor.close();
      }),
      fcParams(60),
    );
  });
});
