import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { COMPACTED_INSTANCE, mergeRollups, spanStartOf } from '../../src/storage/compaction.js';
import type { Rollup } from '../../src/storage/contract.js';

const HOUR = 3_600_000;

function hist(values: number[], resolution: number, start: number, extra: Partial<Rollup> = {}): Rollup {
  const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(Math.floor(v / resolution));
  return { name: 'd_seconds', kind: 'histogram', labels: {}, start, end: start + 60_000, count: values.length, sum: values.reduce((a, b) => a + b, 0), min: Math.min(...values), max: Math.max(...values), hdr: hdr.encodeIntoCompressedBase64(h), resolution, ...extra };
}

function percentile(encoded: string, resolution: number, q: number): number {
  const h = hdr.decodeFromCompressedBase64(encoded, 32);
  return h.getValueAtPercentile(q) * resolution;
}

describe('mergeRollups', () => {
  it('merges histograms written at two resolutions at the latest one, within the histogram precision', () => {
    const a = Array.from({ length: 500 }, (_, i) => 0.01 + i * 0.001); // 10 ms .. 509 ms, at 1 us
    const b = Array.from({ length: 500 }, (_, i) => 0.2 + i * 0.002); // 200 ms .. 1.198 s, at 1 ms
    const merged = mergeRollups([hist(a, 1e-6, 0), hist(b, 1e-3, 60_000)], 0, HOUR);
    expect(merged.resolution).toBe(1e-3);
    expect(merged.count).toBe(1000);
    const all = [...a, ...b].sort((x, y) => x - y);
    for (const q of [50, 90, 99]) {
      const exact = all[Math.ceil((q / 100) * all.length) - 1]!;
      expect(Math.abs(percentile(merged.hdr!, merged.resolution!, q) - exact) / exact).toBeLessThan(0.01);
    }
    expect(merged.instance).toBe(COMPACTED_INSTANCE);
  });

  it('leaves an hdr readers refuse out of the percentiles, its count in', () => {
    const good = hist([0.1, 0.2], 1e-6, 0);
    const merged = mergeRollups([good, { ...hist([5], 1e-6, 60_000), hdr: 'not base64 hdr!' }], 0, HOUR);
    expect(merged.count).toBe(3);
    expect(hdr.decodeFromCompressedBase64(merged.hdr!, 32).totalCount).toBe(2);
    expect(merged.max).toBe(5);
  });

  it('keeps min, max and infinities as a reader of the originals would see them: a NaN is skipped', () => {
    const base = { name: 'g', kind: 'gauge' as const, labels: {}, count: 1, sum: 1, min: 1, max: 1 };
    const merged = mergeRollups([{ ...base, start: 0, end: 1, min: -Infinity, max: 4, last: 3 }, { ...base, start: 5, end: 9, max: Number.NaN, last: 7 }], 0, HOUR);
    expect(merged.min).toBe(-Infinity);
    expect(merged.max).toBe(4);
    expect(merged.last).toBe(7);
    const nanMin = mergeRollups([{ ...base, start: 0, end: 1, min: Number.NaN }, { ...base, start: 5, end: 9, min: 2 }], 0, HOUR);
    expect(nanMin.min).toBe(2);
  });

  it('places a rollup in the span it lies in, or none when it crosses a bound or ends after `before`', () => {
    expect(spanStartOf({ start: HOUR + 5, end: 2 * HOUR }, HOUR, 2 * HOUR)).toBe(HOUR);
    expect(spanStartOf({ start: HOUR, end: HOUR }, HOUR, 2 * HOUR)).toBe(HOUR); // zero-length, at a bound
    expect(spanStartOf({ start: HOUR - 1, end: HOUR + 1 }, HOUR, 2 * HOUR)).toBeUndefined();
    expect(spanStartOf({ start: HOUR, end: 2 * HOUR + 1 }, HOUR, 3 * HOUR)).toBeUndefined();
    expect(spanStartOf({ start: 2 * HOUR, end: 2 * HOUR + 10 }, HOUR, 2 * HOUR + 5)).toBeUndefined();
  });
});
