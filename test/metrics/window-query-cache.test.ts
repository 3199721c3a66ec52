// StoredRollupCache: the rule engine's stored rollups kept between ticks, refreshed from a
// store's change log or by re-reading recent slots, with a full read every `refreshEvery`.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import type { StoredSeries } from '../../src/metrics/window-query-series.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function rollup(start: number, instance: string, sum: number, route = '/a'): Rollup {
  return { name: 'x_total', kind: 'counter', labels: { route }, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

function sums(series: readonly StoredSeries[]): Record<string, [number, string | undefined, number][]> {
  const out: Record<string, [number, string | undefined, number][]> = {};
  for (const s of series) out[s.labels.route!] = s.parts.map((p) => [(p.start - T0) / SLOT, p.instance, p.sum]);
  return out;
}

function setup(withChanges: boolean) {
  let now = T0 + 10 * SLOT;
  const store = new MemoryStorage({ now: () => now });
  let reads = 0;
  let fullReads = 0;
  const cache = new StoredRollupCache({ lateness: 2 * SLOT, refreshEvery: 4 * SLOT, maxMetrics: 10 });
  const read = async (from: number) => {
    reads++;
    if (from <= now - 10 * SLOT) fullReads++;
    return store.queryRollups({ name: 'x_total', from });
  };
  const changes = withChanges ? (cursor: string | undefined) => store.readRollupChanges('x_total', cursor) : undefined;
  return {
    store,
    tick: (by = SLOT / 2) => (now += by),
    series: (waitingEnd = Infinity) => cache.series({ name: 'x_total', from: now - 10 * SLOT, now, read, changes, waitingEnd }),
    counts: () => ({ reads, fullReads }),
  };
}

describe('StoredRollupCache with a change log', () => {
  it('adds what other instances wrote since the last tick, a late rollup of an old slot included, without re-reading the range', async () => {
    const t = setup(true);
    await t.store.writeRollups([rollup(T0 + 2 * SLOT, 'b', 1), rollup(T0 + 3 * SLOT, 'c', 2, '/c')]);
    expect(sums(await t.series())).toEqual({ '/a': [[2, 'b', 1]], '/c': [[3, 'c', 2]] });
    const first = await t.series();
    t.tick();
    // A writer that was cut off writes a slot from minutes ago; another rewrites its slot.
    await t.store.writeRollups([rollup(T0 + SLOT, 'd', 4), rollup(T0 + 3 * SLOT, 'c', 5, '/c')]);
    const next = await t.series();
    expect(sums(next)).toEqual({ '/a': [[1, 'd', 4], [2, 'b', 1]], '/c': [[3, 'c', 5]] });
    expect(t.counts()).toEqual({ reads: 1, fullReads: 1 });
    // A series nothing was written to keeps its object (windows built from it are not copied).
    t.tick();
    const same = await t.series();
    expect(same.find((s) => s.labels.route === '/a')).toBe(next.find((s) => s.labels.route === '/a'));
    expect(first).not.toBe(next);
  });

  it('drops parts that left the range, and reads everything again every refreshEvery', async () => {
    const t = setup(true);
    await t.store.writeRollups([rollup(T0, 'b', 1), rollup(T0 + 5 * SLOT, 'b', 2)]);
    await t.series();
    t.tick(SLOT + 1);
    expect(sums(await t.series())).toEqual({ '/a': [[5, 'b', 2]] });
    t.tick(10 * SLOT);
    await t.series();
    expect(t.counts().fullReads).toBe(2);
  });

  it('forgets a metric whose read failed: the next read is a full one', async () => {
    const t = setup(true);
    await t.series();
    await t.store.close();
    // The change log fails: the range is read instead, and fails too.
    await expect(t.series()).rejects.toThrow();
    expect(t.counts().fullReads).toBe(2);
  });
});

describe('StoredRollupCache: writes the cache must not lose or count twice', () => {
  it('keeps the latest of a rollup its instance wrote twice with other numbers', async () => {
    const t = setup(true);
    await t.series();
    t.tick();
    await t.store.writeRollups([rollup(T0 + 5 * SLOT, 'b', 1)]);
    await t.store.writeRollups([rollup(T0 + 5 * SLOT, 'b', 9)]);
    expect(sums(await t.series())).toEqual({ '/a': [[5, 'b', 9]] });
  });

  it('keeps an instance-less rollup once when the change log and the range read both hold it', async () => {
    const t = setup(true);
    const legacy = { ...rollup(T0 + 5 * SLOT, 'x', 7), instance: undefined };
    await t.store.writeRollups([legacy]);
    await t.series();
    t.tick();
    // The same write again (a retried batch): the log answers it a second time.
    await t.store.writeRollups([legacy]);
    expect(sums(await t.series())).toEqual({ '/a': [[5, undefined, 7]] });
  });

  it('reads a change log that fails as a store without one, through the range', async () => {
    const t = setup(true);
    await t.store.writeRollups([rollup(T0 + 5 * SLOT, 'b', 1)]);
    const failing = new StoredRollupCache({ lateness: 2 * SLOT, refreshEvery: 4 * SLOT, maxMetrics: 10 });
    const read = (from: number) => t.store.queryRollups({ name: 'x_total', from });
    const changes = () => Promise.reject(new Error('NOPERM'));
    const series = await failing.series({ name: 'x_total', from: T0, now: T0 + 10 * SLOT, read, changes, waitingEnd: Infinity });
    expect(sums(series)).toEqual({ '/a': [[5, 'b', 1]] });
  });
});

describe('StoredRollupCache without a change log', () => {
  it('re-reads back to the oldest rollup of this process that was still waiting, however late it is written', async () => {
    const t = setup(false);
    await t.series(T0 + 3 * SLOT);
    t.tick();
    // The rollup waited (its store refused writes) and is written minutes after its slot.
    await t.store.writeRollups([rollup(T0 + 2 * SLOT, 'me', 10)]);
    expect(sums(await t.series())).toEqual({ '/a': [[2, 'me', 10]] });
    expect(t.counts().fullReads).toBe(1);
  });

  it('re-reads the slots that ended within `lateness` of the last read; a later write waits for the next full read', async () => {
    const t = setup(false);
    await t.store.writeRollups([rollup(T0 + 8 * SLOT, 'b', 1)]);
    await t.series();
    t.tick();
    await t.store.writeRollups([rollup(T0 + 9 * SLOT, 'b', 2), rollup(T0 + 6 * SLOT, 'late', 7)]);
    expect(sums(await t.series())).toEqual({ '/a': [[8, 'b', 1], [9, 'b', 2]] });
    expect(t.counts()).toEqual({ reads: 2, fullReads: 1 });
    t.tick(4 * SLOT);
    expect(sums(await t.series())).toEqual({ '/a': [[6, 'late', 7], [8, 'b', 1], [9, 'b', 2]] });
    expect(t.counts().fullReads).toBe(2);
  });
});
