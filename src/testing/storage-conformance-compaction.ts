import * as hdr from 'hdr-histogram-js';
import { COMPACTED_INSTANCE, type CompactionRequest, type CompactionResult } from '../storage/compaction.js';
import type { Rollup } from '../storage/contract.js';
import { hasRole } from '../storage/roles.js';
import { expectStorageError, type Harness, METRIC, rejection } from './storage-conformance-fixtures.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const HIST = 'pw_conformance_compaction_seconds';

/** The first whole hour after the suite's base time (about 2.8 h before now): a span that has ended. */
function hourStart(h: Harness): number {
  return Math.floor((h.now() - 10_000_000) / HOUR) * HOUR + HOUR;
}

/** A one-minute counter rollup `minute` minutes into the hour at `hour`. */
function minuteRollup(hour: number, minute: number, extra: Partial<Rollup> = {}): Rollup {
  const start = hour + minute * MINUTE;
  return { name: METRIC, kind: 'counter', labels: { route: '/a' }, start, end: start + MINUTE, count: 2, sum: minute, min: minute, max: minute + 1, last: 100 + minute, service: 'api', instance: 'i1', ...extra };
}

/** An encoded HDR histogram of `values` (integer units), as a recorder writes it. */
function encoded(values: readonly number[]): string {
  const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

/** The non-zero counts of an encoded histogram, by value. */
function countsOf(encodedHdr: string): Record<number, number> {
  const h = hdr.decodeFromCompressedBase64(encodedHdr, 32) as unknown as { countsArrayLength: number; getCountAtIndex(i: number): number; valueFromIndex(i: number): number };
  const out: Record<number, number> = {};
  for (let i = 0; i < h.countsArrayLength; i++) if (h.getCountAtIndex(i) > 0) out[h.valueFromIndex(i)] = h.getCountAtIndex(i);
  return out;
}

const total = (rollups: readonly Rollup[]): { count: number; sum: number } => ({
  count: rollups.reduce((a, r) => a + r.count, 0),
  sum: rollups.reduce((a, r) => a + r.sum, 0),
});

/**
 * Cases of the optional `compaction` role, registered when the adapter declares it plays it
 * (`compaction: true`): what a span's compacted rollup holds, what is left alone, atomicity
 * against readers, the limit, late writes, and the change log.
 */
export function registerCompactionCases(h: Harness, changes: boolean): void {
  const { describe, it, expect } = h.t;
  const compact = (request: CompactionRequest): Promise<CompactionResult> => {
    const storage = h.storage();
    if (!hasRole(storage, 'compaction')) throw new Error('compaction: true was declared, but the adapter has no compactRollups');
    return storage.compactRollups(request);
  };
  const read = (name = METRIC): Promise<Rollup[]> => h.storage().queryRollups({ name, from: hourStart(h) - 2 * HOUR });

  describe('compactRollups', () => {
    it("merges every instance's rollups of a span into one over the span, under the reserved instance", async () => {
      const hour = hourStart(h);
      const written = [
        minuteRollup(hour, 0),
        minuteRollup(hour, 0, { instance: 'i2', sum: 7, min: -3, last: 5 }),
        minuteRollup(hour, 30),
        minuteRollup(hour, 59, { instance: 'i2', max: 99, last: 42 }),
        minuteRollup(hour, 10, { instance: undefined }),
      ];
      await h.storage().writeRollups(written);
      const result = await compact({ span: HOUR, before: hour + HOUR });
      expect(result).toEqual({ merged: 5, written: 1, done: true });
      const after = await read();
      expect(after).toEqual([
        { name: METRIC, kind: 'counter', labels: { route: '/a' }, start: hour, end: hour + HOUR, ...total(written), min: -3, max: 99, last: 42, service: 'api', instance: COMPACTED_INSTANCE },
      ]);
    });

    it('leaves alone spans not ended by `before`, rollups crossing a span boundary, and lone rollups', async () => {
      const hour = hourStart(h);
      const kept = [
        minuteRollup(hour + HOUR, 0),
        minuteRollup(hour + HOUR, 1), // the next hour: not ended by `before`
        minuteRollup(hour, 59, { end: hour + HOUR + MINUTE }), // crosses the boundary
        minuteRollup(hour - HOUR, 3), // alone in its span
      ];
      await h.storage().writeRollups([...kept, minuteRollup(hour, 1), minuteRollup(hour, 2)]);
      const result = await compact({ span: HOUR, before: hour + HOUR });
      expect(result).toEqual({ merged: 2, written: 1, done: true });
      const after = await read();
      expect(after.filter((r) => r.instance !== COMPACTED_INSTANCE).sort((a, b) => a.start - b.start || a.end - b.end)).toEqual([...kept].sort((a, b) => a.start - b.start || a.end - b.end));
      expect(after.filter((r) => r.instance === COMPACTED_INSTANCE).map((r) => [r.start, r.end, r.count])).toEqual([[hour, hour + HOUR, 4]]);
    });

    it('keeps series apart, merges services (the latest one kept) and leaves a span written with two kinds', async () => {
      const hour = hourStart(h);
      await h.storage().writeRollups([
        minuteRollup(hour, 0),
        minuteRollup(hour, 1),
        minuteRollup(hour, 0, { labels: { route: '/b' } }),
        minuteRollup(hour, 1, { labels: { route: '/b' } }),
        minuteRollup(hour, 2, { service: 'worker' }),
        minuteRollup(hour, 3, { service: 'worker', instance: 'w1' }),
        minuteRollup(hour - HOUR, 0, { labels: { route: '/c' } }),
        minuteRollup(hour - HOUR, 1, { labels: { route: '/c' }, kind: 'gauge' }),
      ]);
      expect(await compact({ span: HOUR, before: hour + HOUR })).toEqual({ merged: 6, written: 2, done: true });
      const after = await read();
      expect(after.map((r) => `${r.labels.route} ${r.service} ${r.sum} ${r.instance}`).sort()).toEqual([
        `/a worker 6 ${COMPACTED_INSTANCE}`,
        `/b api 1 ${COMPACTED_INSTANCE}`,
        '/c api 0 i1',
        '/c api 1 i1',
      ]);
    });

    it('merges histograms bucket by bucket at one resolution', async () => {
      const hour = hourStart(h);
      const a = [1000, 2000, 2000, 50_000];
      const b = [3, 7_000, 900_000];
      const hist = (minute: number, values: number[], instance: string): Rollup => ({
        name: HIST, kind: 'histogram', labels: {}, start: hour + minute * MINUTE, end: hour + (minute + 1) * MINUTE,
        count: values.length, sum: values.reduce((x, y) => x + y, 0) / 1e6, min: Math.min(...values) / 1e6, max: Math.max(...values) / 1e6,
        hdr: encoded(values), resolution: 1e-6, instance,
      });
      await h.storage().writeRollups([hist(5, a, 'i1'), hist(5, b, 'i2'), hist(6, [2000], 'i1')]);
      await compact({ span: HOUR, before: hour + HOUR });
      const after = await read(HIST);
      expect(after).toHaveLength(1);
      expect(after[0]!.count).toBe(8);
      expect(after[0]!.resolution).toBe(1e-6);
      expect(countsOf(after[0]!.hdr!)).toEqual(countsOf(encoded([...a, ...b, 2000])));
    });

    it('merges a late write of a real instance beside a compacted span at the next call, counting it once', async () => {
      const hour = hourStart(h);
      await h.storage().writeRollups([minuteRollup(hour, 0), minuteRollup(hour, 1)]);
      await compact({ span: HOUR, before: hour + HOUR });
      expect(await compact({ span: HOUR, before: hour + HOUR })).toEqual({ merged: 0, written: 0, done: true });
      await h.storage().writeRollups([minuteRollup(hour, 2, { instance: 'late' })]);
      expect((await read()).map((r) => r.instance).sort()).toEqual(['late', COMPACTED_INSTANCE]);
      expect(await compact({ span: HOUR, before: hour + HOUR })).toEqual({ merged: 2, written: 1, done: true });
      const after = await read();
      expect(after.map((r) => [r.instance, r.count, r.sum])).toEqual([[COMPACTED_INSTANCE, 6, 3]]);
    });

    it('merges at most `limit` rollups a call, never splitting a span, and finishes over later calls', async () => {
      const hour = hourStart(h);
      const written: Rollup[] = [];
      for (let s = 0; s < 5; s++) for (let m = 0; m < 3; m++) written.push(minuteRollup(hour, m, { labels: { route: `/s${s}` } }));
      await h.storage().writeRollups(written);
      const first = await compact({ span: HOUR, before: hour + HOUR, limit: 7 });
      expect(first).toEqual({ merged: 6, written: 2, done: false });
      let result = first;
      let calls = 1;
      while (!result.done && calls < 10) {
        result = await compact({ span: HOUR, before: hour + HOUR, limit: 7 });
        calls++;
      }
      expect(result.done).toBe(true);
      const after = await read();
      expect(after).toHaveLength(5);
      expect(after.every((r) => r.instance === COMPACTED_INSTANCE && r.count === 6)).toBe(true);
    });

    it('replaces each span atomically: concurrent reads see the same totals throughout', async () => {
      const hour = hourStart(h);
      const written: Rollup[] = [];
      for (let s = 0; s < 20; s++) for (let m = 0; m < 6; m++) written.push(minuteRollup(hour, m * 10, { labels: { route: `/s${s}` } }));
      await h.storage().writeRollups(written);
      const expected = total(written);
      const reads: Promise<Rollup[]>[] = [];
      let result: CompactionResult = { merged: 0, written: 0, done: false };
      while (!result.done) {
        const run = compact({ span: HOUR, before: hour + HOUR, limit: 12 });
        for (let i = 0; i < 3; i++) reads.push(read());
        result = await run;
      }
      for (const r of await Promise.all(reads)) expect(total(r)).toEqual(expected);
      expect(await read()).toHaveLength(20);
    });

    it('rejects an invalid request with a permanent StorageError', async () => {
      for (const request of [{ span: 1_000, before: 0 }, { span: HOUR, before: Number.NaN }, { span: HOUR + 0.5, before: 0 }, { span: HOUR, before: 0, limit: 0 }]) {
        const error = await rejection(h, `compactRollups(${JSON.stringify(request)})`, () => compact(request));
        expectStorageError(h, 'compactRollups', error);
        expect((error as { permanent?: boolean }).permanent).toBe(true);
      }
    });

    if (changes) {
      it('writes nothing to the change log: a reader keeping what it read stays right', async () => {
        const hour = hourStart(h);
        await h.storage().writeRollups([minuteRollup(hour, 0), minuteRollup(hour, 1)]);
        const cursor = (await h.storage().readRollupChanges!(METRIC, undefined)).cursor;
        await compact({ span: HOUR, before: hour + HOUR });
        const since = await h.storage().readRollupChanges!(METRIC, cursor);
        expect(since.rollups).toEqual([]);
      });
    }
  });
}
