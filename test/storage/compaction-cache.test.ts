/**
 * The rule engine's caches of stored rollups (KeptRollups for a store with a change log,
 * StoredRollupCache with or without one) across a compaction: compaction
 * writes nothing to the change log and changes no total, so a cache that holds the original
 * rollups keeps counting them (right) until its next full read, which brings the compacted ones
 * instead (right too); never both, never neither. Checked with a change log (MemoryStorage, as
 * Redis) and without one (re-reading recent slots, as PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { StoredRollupCache } from '../../src/metrics/window-query-cache.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { COMPACTED_INSTANCE, type Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const T0 = Date.UTC(2026, 4, 1);
const NAME = 'jobs_total';

function rollups(from: number, to: number): Rollup[] {
  const out: Rollup[] = [];
  for (let start = from; start < to; start += 5 * MINUTE) {
    for (const instance of ['a', 'b']) out.push({ name: NAME, kind: 'counter', labels: { q: 'x' }, start, end: start + 5 * MINUTE, count: 2, sum: 3, min: 1, max: 2, instance });
  }
  return out;
}

const totals = (series: readonly { parts: readonly { count: number; sum: number; instance?: string | undefined }[] }[]) => {
  let count = 0;
  let sum = 0;
  let compacted = 0;
  for (const st of series) {
    for (const p of st.parts) {
      count += p.count;
      sum += p.sum;
      if (p.instance === COMPACTED_INSTANCE) compacted++;
    }
  }
  return { count, sum, compacted };
};

describe.each([
  ['StoredRollupCache with a change log', true, false],
  ['StoredRollupCache without a change log', false, false],
  ['KeptRollups (a change log)', true, true],
])('the rules cache across a compaction: %s', (_, withChanges, kept) => {
  it('counts every rollup once before, during and after the full read', async () => {
    const clock = new ManualClock(T0 + 2 * DAY);
    const storage = new MemoryStorage({ now: () => clock.now(), retention: '30d', maxPointsPerSeries: 100_000 });
    await storage.writeRollups(rollups(T0, T0 + 2 * DAY));
    const cache = new StoredRollupCache({ lateness: 2 * 5 * MINUTE + MINUTE, refreshEvery: 5 * MINUTE, maxMetrics: 10 });
    const keptRollups = new KeptRollups({ refreshEvery: 5 * MINUTE, maxMetrics: 10, maxSeries: 1_000 });
    const read = (now: number) => {
      const req = {
        name: NAME,
        from: T0 - 1,
        now,
        read: (from: number) => storage.queryRollups({ name: NAME, from }),
        changes: withChanges ? (cursor: string | undefined) => storage.readRollupChanges(NAME, cursor) : undefined,
        waitingEnd: Infinity,
      };
      return kept ? keptRollups.series({ ...req, changes: req.changes! }) : cache.series(req);
    };
    const expected = { count: 2 * 2 * 2 * 288, sum: 3 * 2 * 2 * 288 };
    expect(totals(await read(clock.now()))).toEqual({ ...expected, compacted: 0 });

    // The monitor's default tiers at this time: the first day by the hour.
    let done = false;
    while (!done) done = (await storage.compactRollups({ span: HOUR, before: clock.now() - DAY })).done;
    clock.advance(MINUTE);
    const during = totals(await read(clock.now()));
    expect(during).toEqual({ ...expected, compacted: 0 }); // the originals, kept: the change log holds no compaction

    // A late write of a real instance into a compacted hour is read once, beside what is kept.
    await storage.writeRollups([{ name: NAME, kind: 'counter', labels: { q: 'x' }, start: T0 + 5 * MINUTE, end: T0 + 10 * MINUTE, count: 1, sum: 1, min: 1, max: 1, instance: 'late' }]);
    clock.advance(MINUTE);
    const late = totals(await read(clock.now()));
    // With a change log the late write arrives at once; without one it waits for the full read (it is older than `lateness`).
    expect(late).toEqual(withChanges ? { count: expected.count + 1, sum: expected.sum + 1, compacted: 0 } : { ...expected, compacted: 0 });

    clock.advance(5 * MINUTE); // past refreshEvery: a full read
    expect(totals(await read(clock.now()))).toEqual({ count: expected.count + 1, sum: expected.sum + 1, compacted: 24 });
  });
});
