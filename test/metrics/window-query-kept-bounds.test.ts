// KeptRollups' bound on series per metric holds at every tick: series that arrive through the
// change log (churning label values) count as much as those a full read finds.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NAME = 'p2_churn_total';

function rollup(route: string, start: number): Rollup {
  return { name: NAME, kind: 'counter', labels: { route }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, last: 1, instance: 'b' };
}

const keys = (series: readonly { labels: Readonly<Record<string, string>> }[]) => series.map((s) => s.labels.route!).sort();

describe('KeptRollups maxSeries', () => {
  it('stops keeping a metric the change log grew past maxSeries (counted in dropped), and keeps it again once it fits', async () => {
    let now = T0 + 20 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 100 });
    let fullReads = 0;
    const fresh = (from: number) => store.queryRollups({ name: NAME, from });
    const read = (from: number) => {
      fullReads++;
      return fresh(from);
    };
    const tick = (from: number) => kept.series({ name: NAME, from, now, read, changes: (c) => store.readRollupChanges(NAME, c), waitingEnd: Infinity });
    await store.writeRollups([rollup('/seed', now - SLOT)]);
    await tick(now - 5 * 60_000);
    expect(fullReads).toBe(1);
    let n = 0;
    const churn = async (count: number) => store.writeRollups(Array.from({ length: count }, () => rollup(`/u${n++}`, now - SLOT)));

    now += 15_000;
    await churn(60);
    expect(await tick(now - 5 * 60_000)).toHaveLength(61);
    expect(fullReads).toBe(1);
    expect(kept.size).toBe(61);

    // Past the bound through the log: this tick's values are whole, the metric is let go.
    now += 15_000;
    await churn(60);
    const over = await tick(now - 5 * 60_000);
    expect(fullReads).toBe(1);
    expect(keys(over)).toEqual(keys(groupRollups(await fresh(now - 5 * 60_000))));
    expect(over).toHaveLength(121);
    expect(kept.dropped).toBe(1);
    expect(kept.size).toBe(0);

    // The next tick reads the range whole, still over: not kept.
    now += 15_000;
    expect(await tick(now - 5 * 60_000)).toHaveLength(121);
    expect(fullReads).toBe(2);
    expect(kept.dropped).toBe(2);
    expect(kept.size).toBe(0);

    // A range the churned series left: kept again, and read from the log after.
    now += 2 * SLOT;
    await store.writeRollups([rollup('/seed', now - SLOT)]);
    expect(await tick(now - SLOT)).toHaveLength(1);
    expect(fullReads).toBe(3);
    expect(kept.size).toBe(1);
    now += 15_000;
    expect(await tick(now - SLOT)).toHaveLength(1);
    expect(fullReads).toBe(3);
    expect(kept.dropped).toBe(2);
  });
});
