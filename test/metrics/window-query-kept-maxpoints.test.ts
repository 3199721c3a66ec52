// MemoryStorage's maxPointsPerSeries drops a series' oldest points (and a late rollup that lands
// oldest at once): the change log cannot list removals, so cursors taken before read that name as
// incomplete and the rule engine's kept series read the range again.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NAME = 'p2_points_total';

function rollup(start: number, instance: string, name = NAME): Rollup {
  return { name, kind: 'counter', labels: { r: '/a' }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, last: 1, instance };
}

function rows(series: readonly StoredSeries[]): string[] {
  return series.flatMap((s) => s.parts.map((p) => `${s.labels.r} ${p.start} ${p.instance ?? '-'}`)).sort();
}

describe('MemoryStorage maxPointsPerSeries and the change log', () => {
  it('the kept series equal a fresh read after the store trimmed a series', async () => {
    let now = T0 + 20 * SLOT;
    const store = new MemoryStorage({ now: () => now, maxPointsPerSeries: 4 });
    const kept = new KeptRollups({ refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 1000 });
    const fresh = (from: number) => store.queryRollups({ name: NAME, from });
    const tick = async () => {
      const from = now - 5 * 60_000;
      const series = await kept.series({ name: NAME, from, now, read: fresh, changes: (c) => store.readRollupChanges(NAME, c), waitingEnd: Infinity });
      return { kept: rows(series), fresh: rows(groupRollups(await fresh(from))) };
    };
    await store.writeRollups([rollup(now - 2 * SLOT, 'b'), rollup(now - 2 * SLOT, 'c'), rollup(now - SLOT, 'b'), rollup(now - SLOT, 'c')]);
    expect((await tick()).kept).toHaveLength(4);
    now += 15_000;
    await store.writeRollups([rollup(now - 6 * SLOT, 'd')]); // late: oldest, dropped at once
    await store.writeRollups([rollup(now - SLOT / 2, 'e')]); // drops the oldest point
    let r = await tick();
    expect(r.fresh).toHaveLength(4);
    expect(r.kept).toEqual(r.fresh);
    now += 15_000;
    await store.writeRollups([rollup(now - SLOT / 2, 'f')]);
    r = await tick();
    expect(r.kept).toEqual(r.fresh);
  });

  it('a cursor from before a trim reads the trimmed name as incomplete, other names as complete', async () => {
    const now = T0 + 20 * SLOT;
    const store = new MemoryStorage({ now: () => now, maxPointsPerSeries: 2 });
    await store.writeRollups([rollup(T0, 'a'), rollup(T0 + SLOT, 'a'), rollup(T0, 'a', 'p2_other_total')]);
    const { cursor } = await store.readRollupChanges(NAME, (await store.readRollupChanges(NAME, undefined)).cursor);
    await store.writeRollups([rollup(T0 + 2 * SLOT, 'a')]);
    expect((await store.readRollupChanges(NAME, cursor)).complete).toBe(false);
    const other = await store.readRollupChanges('p2_other_total', cursor);
    expect(other.complete).toBe(true);
    // Read on from the cursor it answered: complete again.
    const after = await store.readRollupChanges(NAME, (await store.readRollupChanges(NAME, cursor)).cursor);
    expect(after).toEqual({ rollups: [], cursor: expect.any(String), complete: true });
  });
});
