// StoredRollupCache groups and merges a large read in pieces, letting the event loop turn between
// them (a snapshot after a slot closed merged 5,000 rollups over 5,000 series in one stretch):
// the result must be the one of doing it in one go, part for part and in the same order, and a
// read that comes while another is between two pieces must get a right answer and leave the
// cache right.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import { groupInPieces, Pacer, PIECE, PIECE_MS } from '../../src/metrics/window-query-cache-pieces.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const WINDOW = 10 * SLOT;
const T0 = 1_800_000_000_000;
const NAME = 'x_total';

/** Series as rows in their order, parts in theirs: what `toEqual` on the arrays would say, readable in a diff. */
function rows(series: readonly StoredSeries[]): string[] {
  return series.map((s) => `${JSON.stringify(s.labels)} ${s.hash} ${s.parts.map((p) => `${p.start - T0}/${p.instance ?? '-'}/${p.sum}/${p.count}`).join(' ')}`);
}

/** Rollups of many series in a random order, with repeated (series, start, instance), rewrites and instance-less rollups. */
function rollups(seed: number, n: number): Rollup[] {
  const rand = random(seed);
  const out: Rollup[] = [];
  for (let i = 0; i < n; i++) {
    const again = out.length > 0 && rand() < 0.1 ? out[Math.floor(rand() * out.length)]! : undefined;
    if (again !== undefined) {
      // The same write again, or the same slot rewritten with other numbers; labels in another key order.
      const sum = rand() < 0.5 ? again.sum : again.sum + 1;
      out.push({ ...again, labels: Object.fromEntries(Object.entries(again.labels).reverse()), sum, max: sum });
      continue;
    }
    const sum = Math.floor(rand() * 100);
    const start = T0 + Math.floor(rand() * 10) * SLOT;
    const labels = { route: `/r/${Math.floor(rand() * 700)}`, ...(rand() < 0.3 ? { status: '500' } : {}) };
    out.push({ name: NAME, kind: 'counter', labels, start, end: start + SLOT, count: 1, sum, min: 0, max: sum, last: sum, instance: rand() < 0.1 ? undefined : `i${Math.floor(rand() * 3)}` });
  }
  return out;
}

describe('groupInPieces', () => {
  it.each([1, 2, 3, 4])('groups as groupRollups does in one go, series, parts and their order, from a range read and from a change log (seed %i)', async (seed) => {
    const input = rollups(seed, 5 * PIECE + 123);
    for (const later of [false, true]) {
      let turns = 0;
      const pacer = new Pacer(async () => {
        turns++;
        await new Promise<void>((resolve) => setImmediate(resolve));
      });
      const pieces = await groupInPieces(input, later, pacer);
      const whole = groupRollups(input, later);
      expect(rows(pieces)).toEqual(rows(whole));
      expect(pieces).toEqual(whole);
      // Sorting the rollups out by series, then grouping them: about two turns per piece.
      expect(turns).toBeGreaterThanOrEqual(9);
    }
  });

  it('groups in one go without a pause function', async () => {
    const input = rollups(9, 3 * PIECE);
    const pacer = new Pacer(undefined);
    expect(await groupInPieces(input, false, pacer)).toEqual(groupRollups(input));
    expect(pacer.pauses).toBe(0);
  });
});

/** Real time that moves `step` ms at each reading. */
function ticking(step: number): { read: () => number; readings: () => number } {
  let t = 0;
  let n = 0;
  return {
    read: () => {
      n++;
      return (t += step);
    },
    readings: () => n,
  };
}

describe('Pacer', () => {
  it('ends a piece once it ran its real time, however few units were charged, reading the time every 32 units', async () => {
    const time = ticking(1);
    const pacer = new Pacer(async () => {}, PIECE, 5, time.read);
    const due: number[] = [];
    for (let i = 0; i < 400; i++) {
      if (pacer.charge()) {
        due.push(i);
        await pacer.pause();
      }
    }
    // A reading at the construction and after each pause; each moves 1 ms: a piece is due at its
    // fifth reading after it began (the first charge, then every 32 units).
    expect(due).toEqual([128, 257, 386]);
    expect(pacer.pauses).toBe(3);
    // Readings: one at the construction, five per piece and one after each pause, one in the last piece.
    expect(time.readings()).toBe(1 + 3 * (5 + 1) + 1);
  });

  it('by default bounds a piece by both (PIECE, PIECE_MS); with a budget of its own and no time, by units alone', async () => {
    const timed = new Pacer(async () => {});
    expect([timed.budget, timed.pieceMs]).toEqual([PIECE, PIECE_MS]);
    const time = ticking(1_000);
    const counted = new Pacer(async () => {}, 10, undefined, time.read);
    expect(counted.pieceMs).toBe(Number.POSITIVE_INFINITY);
    const due: number[] = [];
    for (let i = 0; i < 35; i++) {
      if (counted.charge()) {
        due.push(i);
        await counted.pause();
      }
    }
    expect(due).toEqual([9, 19, 29]);
    expect(time.readings()).toBe(0);
  });

  it('without a pause function never ends a piece, whatever the time', () => {
    const time = ticking(1_000);
    const pacer = new Pacer(undefined, PIECE, 5, time.read);
    for (let i = 0; i < 3 * PIECE; i++) expect(pacer.charge()).toBe(false);
    expect(time.readings()).toBe(0);
  });

  it('groups as in one go when pieces end on time, many more of them than the units alone would make', async () => {
    const input = rollups(5, 3 * PIECE + 7);
    let turns = 0;
    const pacer = new Pacer(
      async () => {
        turns++;
      },
      PIECE,
      5,
      ticking(1).read,
    );
    const pieces = await groupInPieces(input, true, pacer);
    expect(rows(pieces)).toEqual(rows(groupRollups(input, true)));
    // Sorting out by series: about 128 rollups a piece on this clock, 23 turns; grouping (charged
    // 200 rollups at a time) about 3: over 20 in all, against 6 in units alone.
    expect(turns).toBeGreaterThanOrEqual(20);
  });
});

/**
 * A store written slot after slot for `series` series (with late and rewritten rollups), read
 * through two caches at every tick: one in one go, one in pieces whose pauses make other reads of
 * the same metric (`nested` of them per tick at most) while it is between two pieces.
 */
async function history(seed: number, withLog: boolean) {
  const rand = random(seed);
  let now = T0 + 12 * SLOT;
  const store = new MemoryStorage({ now: () => now });
  const options = { lateness: 2 * SLOT + 60_000, refreshEvery: 5 * 60_000, maxMetrics: 10 };
  const whole = new StoredRollupCache(options);
  const pieces = new StoredRollupCache(options);
  let rangeReads = 0;
  const read = (from: number) => {
    rangeReads++;
    return store.queryRollups({ name: NAME, from });
  };
  const changes = withLog ? (cursor: string | undefined) => store.readRollupChanges(NAME, cursor) : undefined;
  const fresh = async () => rows(groupRollups(await store.queryRollups({ name: NAME, from: now - WINDOW })));
  let nestedChecks = 0;
  let nestedRangeReads = 0;
  let pauses = 0;
  let nesting = false;
  /** Range reads before this tick's read in pieces: more at a pause, and that read is a full one. */
  let rangeReadsBefore = 0;
  const pause = async (): Promise<void> => {
    pauses++;
    if (nesting || rand() > 0.3) return;
    // Another read of the metric, at the same instant, while this one is between two pieces.
    nesting = true;
    const before = rangeReads;
    const outerFull = rangeReads > rangeReadsBefore;
    const nested = await pieces.series({ name: NAME, from: now - WINDOW, now, read, changes, waitingEnd: Infinity, pause });
    // Between pieces of a full read, the nested read finds no entry it may continue from either.
    if (!outerFull) nestedRangeReads += rangeReads - before;
    nesting = false;
    expect(rows(nested).sort()).toEqual((await fresh()).sort());
    nestedChecks++;
  };
  const series = 1_200;
  for (let tick = 0; tick < 14; tick++) {
    const slot = Math.floor((now - T0) / SLOT) * SLOT + T0 - SLOT;
    const batch: Rollup[] = [];
    for (let i = 0; i < series; i++) {
      if (rand() < 0.1) continue;
      const sum = Math.floor(rand() * 50);
      // Mostly the slot that just closed; now and then a late one (with a change log) or the one
      // before. Rollups without an instance are written once per slot and series (a store keeps
      // a repeated one per write where the change log keeps it once: see docs/fleet.md).
      const start = withLog && rand() < 0.02 ? slot - Math.floor(rand() * 8) * SLOT : rand() < 0.05 ? slot - SLOT : slot;
      batch.push({ name: NAME, kind: 'counter', labels: { route: `/r/${i}` }, start, end: start + SLOT, count: 1, sum, min: 0, max: sum, last: sum, instance: start === slot && rand() < 0.05 ? undefined : 'a' });
    }
    await store.writeRollups(batch);
    now += SLOT;
    const req = { name: NAME, from: now - WINDOW, now, read, changes, waitingEnd: Infinity };
    const one = await whole.series(req);
    rangeReadsBefore = rangeReads;
    const inPieces = await pieces.series({ ...req, pause });
    // The same answer as in one go, series and parts in the same order.
    expect(rows(inPieces)).toEqual(rows(one));
    expect(rows(one).sort()).toEqual((await fresh()).sort());
  }
  return { nestedChecks, nestedRangeReads, pauses };
}

describe('StoredRollupCache in pieces', () => {
  it.each([1, 2, 3])('holds what it holds in one go after every tick, with reads made between its pieces, with a change log (seed %i)', async (seed) => {
    const { nestedChecks, nestedRangeReads, pauses } = await history(seed, true);
    expect(pauses).toBeGreaterThan(14);
    expect(nestedChecks).toBeGreaterThan(3);
    // A read between two pieces of another reads the change log from the entry the other began
    // with (it is replaced only once the other is done), not the whole range.
    expect(nestedRangeReads).toBe(0);
  }, 60_000);

  it.each([1, 2])('holds what it holds in one go after every tick, with reads made between its pieces, without a change log (seed %i)', async (seed) => {
    const { nestedChecks, pauses } = await history(seed, false);
    expect(pauses).toBeGreaterThan(14);
    expect(nestedChecks).toBeGreaterThan(3);
  }, 60_000);
});
