// MemoryStorage reads a large range in pieces, letting the event loop turn between them (the
// first snapshot of 5,000 series read 50,000 rollups in one stretch): the answer is the one of a
// read in one go (ordered by start, series in the order first written within a start), and a
// write that comes between two pieces never leaves a series half old, half new in it.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { READ_PIECE } from '../../src/storage/memory/memory-rollups.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function rollup(route: number, slot: number, instance: string, sum: number): Rollup {
  const start = T0 + slot * SLOT;
  return { name: 'req_total', kind: 'counter', labels: { route: `/r/${route}` }, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

const key = (r: Rollup) => `${r.labels.route} ${r.start - T0} ${r.instance} ${r.sum}`;

describe('MemoryStorage: a large range read', () => {
  it('answers as a read in one go: by start, series in the order first written, while the event loop turns between pieces', async () => {
    const store = new MemoryStorage({ now: () => T0 + 20 * SLOT });
    const series = READ_PIECE;
    // Slots written out of order, two instances, series first written in a shuffled order.
    const written: Rollup[] = [];
    for (const slot of [3, 1, 2, 0]) for (let i = 0; i < series; i++) for (const instance of ['b', 'a']) written.push(rollup((i * 7919) % series, slot, instance, slot * 10 + i));
    await store.writeRollups(written);
    const firstWritten = new Map<string, number>();
    for (const r of written) if (!firstWritten.has(r.labels.route!)) firstWritten.set(r.labels.route!, firstWritten.size);
    // Within a series the store keeps a slot's rollups in the order they were written.
    const expected = written
      .map((r, i) => ({ r, i }))
      .sort((x, y) => x.r.start - y.r.start || firstWritten.get(x.r.labels.route!)! - firstWritten.get(y.r.labels.route!)! || x.i - y.i)
      .map(({ r }) => key(r));
    let turns = 0;
    let reading = true;
    const count = (): void => {
      turns++;
      if (reading) setImmediate(count);
    };
    setImmediate(count);
    const read = await store.queryRollups({ name: 'req_total', from: T0 });
    reading = false;
    expect(read.map(key)).toEqual(expected);
    // 8 rollups a series: a turn about every READ_PIECE / 8 series.
    expect(turns).toBeGreaterThanOrEqual(6);
  });

  it('copies each series as it is at its turn: a write between two pieces leaves none half old, half new, and a series created meanwhile out', async () => {
    const store = new MemoryStorage({ now: () => T0 + 20 * SLOT });
    const series = 2 * READ_PIECE;
    const first: Rollup[] = [];
    for (let i = 0; i < series; i++) for (const slot of [0, 1]) first.push(rollup(i, slot, 'a', 1));
    await store.writeRollups(first);
    let writes = 0;
    const rewrite = (): void => {
      // Rewrites both slots of every series (sum 1 -> 2), a new series too, between two pieces.
      const again: Rollup[] = [];
      for (let i = 0; i < series; i++) for (const slot of [0, 1]) again.push(rollup(i, slot, 'a', 2));
      again.push(rollup(series, 0, 'a', 2));
      void store.writeRollups(again);
      writes++;
    };
    setImmediate(rewrite);
    const read = await store.queryRollups({ name: 'req_total', from: T0 });
    expect(writes).toBe(1);
    expect(read).toHaveLength(2 * series);
    const sums = new Map<string, Set<number>>();
    for (const r of read) sums.set(r.labels.route!, (sums.get(r.labels.route!) ?? new Set()).add(r.sum));
    expect([...sums.values()].every((s) => s.size === 1)).toBe(true);
    // The read began before the write: its first series are old, its last new.
    expect(sums.get('/r/0')).toEqual(new Set([1]));
    expect(sums.get(`/r/${series - 1}`)).toEqual(new Set([2]));
    // Read again: every series new.
    expect(new Set((await store.queryRollups({ name: 'req_total', from: T0 })).map((r) => r.sum))).toEqual(new Set([2]));
  });
});

describe('MemoryStorage: a large change log read', () => {
  it('copies in pieces, the event loop turning between them: the writes made before the call, as copies, a write meanwhile left for the next read', async () => {
    const store = new MemoryStorage({ now: () => T0 + 20 * SLOT });
    const start = await store.readRollupChanges('req_total', undefined);
    const series = 3 * READ_PIECE;
    const written: Rollup[] = [];
    for (let i = 0; i < series; i++) written.push(rollup((i * 7919) % series, 0, 'a', i));
    await store.writeRollups(written);
    let turns = 0;
    let reading = true;
    const count = (): void => {
      turns++;
      if (turns === 1) void store.writeRollups([rollup(0, 1, 'a', -1)]);
      if (reading) setImmediate(count);
    };
    setImmediate(count);
    const changes = await store.readRollupChanges('req_total', start.cursor);
    reading = false;
    expect(changes.complete).toBe(true);
    expect(changes.rollups.map(key)).toEqual(written.map(key));
    // A turn between every two pieces: the write made in the first one is not in this answer.
    expect(turns).toBeGreaterThanOrEqual(2);
    // Copies: changing one changes neither the store nor the next read.
    (changes.rollups[0]!.labels as Record<string, string>).route = 'changed';
    changes.rollups[0]!.sum = 1e9;
    const next = await store.readRollupChanges('req_total', changes.cursor);
    expect(next.rollups.map(key)).toEqual([key(rollup(0, 1, 'a', -1))]);
    const again = await store.readRollupChanges('req_total', start.cursor);
    expect(again.rollups.slice(0, series).map(key)).toEqual(written.map(key));
  });
});
