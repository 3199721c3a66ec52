import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { BucketLayout, SparseCounts } from '../../src/metrics/log-buckets.js';

function reference(digits: number): JsHistogram {
  return hdr.build({ bitBucketSize: 32, numberOfSignificantValueDigits: digits as 2, autoResize: true, highestTrackableValue: 2 }) as unknown as JsHistogram;
}

describe('BucketLayout', () => {
  it.each([1, 2, 3])('maps every value to the same bucket as hdr-histogram-js with %i digits', (digits) => {
    const layout = new BucketLayout(digits);
    const h = reference(digits);
    const values = [0, 1, 2, 127, 128, 255, 256, 257, 511, 512, 1000, 2047, 2048, 65_535, 1_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 9e12];
    for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.exp(Math.random() * 30)));
    for (const v of values) {
      // hdr's own lowest equivalent value identifies its bucket.
      expect(layout.lowestAt(layout.index(v)), `value ${v}`).toBe(h.lowestEquivalentValue(v));
      expect(layout.widthAt(layout.index(v)), `width of ${v}`).toBe(h.sizeOfEquivalentValueRange(v));
    }
  });

  it('keeps the relative width of a bucket within 1% for two significant digits', () => {
    const layout = new BucketLayout(2);
    for (const v of [300, 5_000, 123_456, 9_999_999]) {
      expect(layout.widthAt(layout.index(v)) / v).toBeLessThan(0.01);
    }
  });
});

describe('SparseCounts', () => {
  it('allocates chunks only where values land', () => {
    const counts = new SparseCounts(new BucketLayout(2));
    counts.record(100_000);
    counts.record(100_100);
    expect(counts.total).toBe(2);
    expect(counts.byteLength).toBe(128 * 4);
  });

  it('iterates buckets in increasing order and merges', () => {
    const layout = new BucketLayout(2);
    const a = new SparseCounts(layout);
    const b = new SparseCounts(layout);
    a.record(5_000_000);
    a.record(10);
    b.record(10, 3);
    a.merge(b);
    const seen: [number, number][] = [];
    a.forEach((index, count) => seen.push([layout.lowestAt(index), count]));
    expect(seen[0]).toEqual([10, 4]);
    expect(seen[1]![1]).toBe(1);
    expect(a.total).toBe(5);
  });

  it('keeps chunks but zeroes counts on clear', () => {
    const counts = new SparseCounts(new BucketLayout(2));
    counts.record(1000);
    counts.clear();
    expect(counts.total).toBe(0);
    let any = false;
    counts.forEach(() => (any = true));
    expect(any).toBe(false);
    expect(counts.byteLength).toBeGreaterThan(0);
  });
});
