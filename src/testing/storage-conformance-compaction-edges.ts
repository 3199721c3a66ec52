import { COMPACTED_INSTANCE, type CompactionRequest, type CompactionResult } from '../storage/compaction.js';
import type { Rollup } from '../storage/contract.js';
import { hasRole } from '../storage/roles.js';
import { type Harness, METRIC } from './storage-conformance-fixtures.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A one-minute counter rollup at `start`. */
function minuteAt(start: number, instance: string, extra: Partial<Rollup> = {}): Rollup {
  return { name: METRIC, kind: 'counter', labels: { route: '/e' }, start, end: start + MINUTE, count: 1, sum: 1, min: 1, max: 1, instance, ...extra };
}

const count = (rollups: readonly Rollup[]): number => rollups.reduce((a, r) => a + r.count, 0);

/**
 * Edge cases of the optional `compaction` role (registered with the other compaction cases):
 * tiers of two span lengths over the same data, and requests whose `before` is not on a span
 * boundary.
 */
export function registerCompactionEdgeCases(h: Harness): void {
  const { describe, it, expect } = h.t;
  const compact = (request: CompactionRequest): Promise<CompactionResult> => {
    const storage = h.storage();
    if (!hasRole(storage, 'compaction')) throw new Error('compaction: true was declared, but the adapter has no compactRollups');
    return storage.compactRollups(request);
  };
  /** The start of a two-hour span that ended 4 to 6 hours ago. */
  const coarseStart = (): number => Math.floor((h.now() - 6 * HOUR) / (2 * HOUR)) * 2 * HOUR;
  const read = (from: number): Promise<Rollup[]> => h.storage().queryRollups({ name: METRIC, from: from - HOUR, to: from + 3 * HOUR });

  describe('compactRollups with `before` inside a span', () => {
    it('leaves the span that has not ended by `before` whole, however much of it has been written', async () => {
      const k = coarseStart();
      await h.storage().writeRollups([minuteAt(k, 'i1'), minuteAt(k, 'i2'), minuteAt(k + 10 * MINUTE, 'i1')]);
      expect(await compact({ span: HOUR, before: k + 25 * MINUTE })).toEqual({ merged: 0, written: 0, done: true });
      expect((await read(k)).map((r) => r.instance).sort()).toEqual(['i1', 'i1', 'i2']);
      expect(await compact({ span: HOUR, before: k + HOUR + 25 * MINUTE })).toEqual({ merged: 3, written: 1, done: true });
    });
  });

  describe('compactRollups over hostile label values', () => {
    it('merges each series of odd label values into its own compacted rollup, labels kept byte for byte', async () => {
      const k = coarseStart();
      // Quotes, backslashes, control characters, a Lua pattern, SQL, astral and combining characters.
      const odd = ['"q"\\', 'a\nb\tc\u0001', '%d+[x]', "'; drop table x; --", '\u{1F600}e\u0301', ''];
      const rollups = odd.flatMap((route) => [minuteAt(k, 'i1', { labels: { route } }), minuteAt(k + MINUTE, 'i2', { labels: { route }, sum: 2, max: 2 })]);
      await h.storage().writeRollups(rollups);
      expect(await compact({ span: HOUR, before: k + HOUR })).toEqual({ merged: 12, written: 6, done: true });
      const merged = (await read(k)).filter((r) => r.start === k);
      expect(merged.map((r) => r.labels['route']).sort()).toEqual([...odd].sort());
      for (const r of merged) expect([r.instance, r.end, r.count, r.sum, r.min, r.max]).toEqual([COMPACTED_INSTANCE, k + HOUR, 2, 3, 1, 2]);
    });
  });

  describe('compactRollups over tiers', () => {
    it("leaves a span whose series holds a coarser span's compacted rollup of the same start for the coarser tier", async () => {
      const k = coarseStart();
      await h.storage().writeRollups([minuteAt(k, 'i1'), minuteAt(k + MINUTE, 'i1'), minuteAt(k + HOUR, 'i1'), minuteAt(k + HOUR, 'i2')]);
      expect(await compact({ span: 2 * HOUR, before: k + 2 * HOUR })).toEqual({ merged: 4, written: 1, done: true });
      // Two late rollups in the first hour of the compacted span, then the finer tier runs.
      await h.storage().writeRollups([minuteAt(k, 'late1'), minuteAt(k + MINUTE, 'late2')]);
      expect(await compact({ span: HOUR, before: k + 2 * HOUR })).toEqual({ merged: 0, written: 0, done: true });
      const between = await read(k);
      expect(count(between)).toBe(6);
      expect(between.filter((r) => r.instance === COMPACTED_INSTANCE).map((r) => [r.start, r.end, r.count])).toEqual([[k, k + 2 * HOUR, 4]]);
      // The coarser tier takes them in.
      expect(await compact({ span: 2 * HOUR, before: k + 2 * HOUR })).toEqual({ merged: 3, written: 1, done: true });
      expect((await read(k)).map((r) => [r.start, r.end, r.count, r.instance])).toEqual([[k, k + 2 * HOUR, 6, COMPACTED_INSTANCE]]);
    });
  });
}
