// KeptRollups' bounds and its series' columns: what the rule engine keeps per series between ticks.
import { describe, expect, it } from 'vitest';
import { MemoryStorage, type Rollup } from '../../src/index.js';
import { KeptRollups, KeptSeries } from '../../src/metrics/window-query-kept.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function rollup(route: string, slot: number, sum: number, writer: string | null = 'b'): Rollup {
  const instance = writer ?? undefined;
  const start = T0 + slot * SLOT;
  return { name: 'x_total', kind: 'counter', labels: { route }, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

function reader(store: MemoryStorage) {
  return {
    read: (from: number) => store.queryRollups({ name: 'x_total', from }),
    changes: (cursor: string | undefined) => store.readRollupChanges('x_total', cursor),
  };
}

describe('KeptRollups', () => {
  it('keeps the same series object from tick to tick and writes the change log into it in place', async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 10 * 60_000, maxMetrics: 10, maxSeries: 100 });
    await store.writeRollups([rollup('/a', 8, 1), rollup('/a', 9, 2)]);
    const first = await kept.series({ name: 'x_total', from: now - 5 * 60_000, now, waitingEnd: Infinity, ...reader(store) });
    await store.writeRollups([rollup('/a', 10, 3), rollup('/a', 9, 5)]);
    now += 15_000;
    const second = await kept.series({ name: 'x_total', from: now - 5 * 60_000, now, waitingEnd: Infinity, ...reader(store) });
    expect(second[0]).toBe(first[0]);
    // Slot 9 from 'b' written again: replaced, not added.
    expect(second[0]!.parts.map((p) => p.sum)).toEqual([1, 5, 3]);
  });

  it('lets a series go once every part left the range, and keeps nothing past maxSeries (counted)', async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 60 * 60_000, maxMetrics: 10, maxSeries: 2 });
    await store.writeRollups([rollup('/a', 9, 1), rollup('/b', 3, 1)]);
    await kept.series({ name: 'x_total', from: now - 7 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    now += 4 * SLOT;
    const later = await kept.series({ name: 'x_total', from: now - 7 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    expect(later.map((s) => s.labels.route)).toEqual(['/a']);
    expect(kept.size).toBe(1);
    // Three series over a bound of two: read, not kept.
    await store.writeRollups([rollup('/c', 13, 1), rollup('/d', 13, 1)]);
    const over = await kept.series({ name: 'x_total', from: now - 30 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    expect(over).toHaveLength(4);
    expect(kept.dropped).toBe(1);
    expect(kept.size).toBe(0);
  });

  it("makes a series let go anew when the store's same frozen labels come back (no rollup goes to the series it let go)", async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 60 * 60_000, maxMetrics: 10, maxSeries: 100 });
    // The store's own objects: one frozen labels object a series, found by identity.
    const own = {
      read: (from: number) => store.readStoredRollups({ name: 'x_total', from }),
      changes: (cursor: string | undefined) => store.readStoredChanges('x_total', cursor),
    };
    await store.writeRollups([rollup('/a', 9, 1), rollup('/b', 9, 1)]);
    const first = await kept.series({ name: 'x_total', from: now - 2 * SLOT, now, waitingEnd: Infinity, ...own });
    expect(Object.isFrozen(first[0]!.labels)).toBe(true);
    now += 2 * SLOT;
    await store.writeRollups([rollup('/b', 11, 2)]);
    // Slot 9 ended at the range start: /a has no part left and is let go.
    const second = await kept.series({ name: 'x_total', from: now - 2 * SLOT, now, waitingEnd: Infinity, ...own });
    expect(second.map((s) => s.labels.route)).toEqual(['/b']);
    now += 15_000;
    await store.writeRollups([rollup('/a', 12, 3)]);
    const third = await kept.series({ name: 'x_total', from: now - 2 * SLOT, now, waitingEnd: Infinity, ...own });
    expect(third.map((s) => `${s.labels.route}:${s.parts.map((p) => p.sum).join(',')}`).sort()).toEqual(['/a:3', '/b:2']);
  });

  it('drops a late part that ends before the others at the tick its end passes, though no rollup reached its series then', async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 60 * 60_000, maxMetrics: 10, maxSeries: 100 });
    await store.writeRollups([rollup('/a', 9, 1), rollup('/b', 9, 1)]);
    await kept.series({ name: 'x_total', from: now - 5 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    now += 15_000;
    // Slot 6 of /b, late: it ends three slots before every part read so far.
    await store.writeRollups([rollup('/b', 6, 2)]);
    const late = await kept.series({ name: 'x_total', from: now - 5 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    expect(late.find((s) => s.labels.route === '/b')!.parts.map((p) => p.sum)).toEqual([2, 1]);
    now += 2 * SLOT;
    const later = await kept.series({ name: 'x_total', from: now - 5 * SLOT, now, waitingEnd: Infinity, ...reader(store) });
    expect(later.map((s) => `${s.labels.route}:${s.parts.map((p) => p.sum).join(',')}`)).toEqual(['/a:1', '/b:1']);
  });

  it('forgets the metrics no rule read (retain) and every metric (clear)', async () => {
    const now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    const kept = new KeptRollups({ refreshEvery: 60 * 60_000, maxMetrics: 10, maxSeries: 10 });
    await store.writeRollups([rollup('/a', 9, 1)]);
    await kept.series({ name: 'x_total', from: now - 5 * 60_000, now, waitingEnd: Infinity, ...reader(store) });
    expect(kept.size).toBe(1);
    kept.retain(new Set(['other']));
    expect(kept.size).toBe(0);
    await kept.series({ name: 'x_total', from: now - 5 * 60_000, now, waitingEnd: Infinity, ...reader(store) });
    kept.clear();
    expect(kept.size).toBe(0);
  });
});

describe('KeptSeries columns', () => {
  it('keeps parts sorted by start, one per (start, instance), instance-less ones once per content', () => {
    const s = new KeptSeries({ route: '/a' }, 0, 'k', 1);
    for (const r of [rollup('/a', 3, 1), rollup('/a', 1, 2, 'c'), rollup('/a', 1, 4), rollup('/a', 2, 7, null), rollup('/a', 2, 7, null), rollup('/a', 1, 6, 'c')]) s.upsert(r);
    expect(s.parts.map((p) => `${(p.start - T0) / SLOT}:${p.instance ?? '-'}:${p.sum}`)).toEqual(['1:b:4', '1:c:6', '2:-:7', '3:b:1']);
    expect(s.n).toBe(4);
    // Grows by half again (at least 4 parts): a steady series keeps about its window's parts.
    expect(s.cols.length).toBeLessThanOrEqual(9 * 8);
    expect(s.prune(T0 + 2 * SLOT)).toBe(true);
    expect(s.parts.map((p) => (p.start - T0) / SLOT)).toEqual([2, 3]);
    expect(s.prune(T0 + 2 * SLOT)).toBe(false);
  });
});
