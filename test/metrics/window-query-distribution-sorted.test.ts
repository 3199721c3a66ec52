// A window's range stats hand their merged bucket counts to the distribution at once, sorted
// (`Distribution.addSortedBuckets`), instead of as one bucketed slot (`addSlot`), which built
// chunked counts per percentile rule and tick. The two must read the same: percentiles,
// fractions and summaries bit for bit, on random counts, with more added after (exact slots,
// bucketed slots, counts) and with counts a chunk cannot hold as they are (fractions, 2^32).
import { describe, expect, it } from 'vitest';
import { Distribution } from '../../src/metrics/distribution.js';
import type { HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout, SparseCounts } from '../../src/metrics/log-buckets.js';
import { random } from '../helpers/random.js';

/** A bucketed slot giving `pairs` (index, count) in the order given. */
function bucketed(pairs: [number, number][], min: number, max: number): HistogramSlot {
  return {
    start: 0,
    count: 1,
    sum: 0,
    min,
    max,
    exact: false,
    forEachValue: () => undefined,
    forEachBucket: (_layout, _scale, fn) => {
      for (const [i, c] of pairs) fn(i, c);
    },
  };
}

function exact(values: number[]): HistogramSlot {
  return {
    start: 0,
    count: values.length,
    sum: values.reduce((a, b) => a + b, 0),
    min: Math.min(...values),
    max: Math.max(...values),
    exact: true,
    forEachValue: (_scale, fn) => values.forEach(fn),
    forEachBucket: () => undefined,
  };
}

function readings(d: Distribution): string {
  const ps = [0, 1, 25, 50, 90, 95, 99, 99.9, 100].map((p) => d.percentile(p));
  const fractions = [0, 0.001, 0.05, 0.2, 0.5, 1, 5].map((l) => d.fractionAtOrBelow(l));
  return JSON.stringify([ps, fractions, d.summary(), d.count, d.sum, d.min, d.max]);
}

describe('Distribution.addSortedBuckets', () => {
  it('reads as addSlot of the same buckets, alone and with more added after', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const digits = 1 + Math.floor(next() * 3);
      const layout = new BucketLayout(digits);
      const resolution = [1e-3, 1e-6, 1][Math.floor(next() * 3)]!;
      const n = Math.floor(next() * 40);
      const byIndex = new Map<number, number>();
      for (let i = 0; i < n; i++) {
        const index = Math.floor(next() * (next() < 0.2 ? 20_000 : 3_000));
        const odd = next();
        // Mostly small whole counts; some a chunk does not hold as they are.
        // 2^32 - 5: the largest counts a Uint32 chunk (addSlot's reference) holds as they are.
        const count = odd < 0.03 ? 2 ** 32 - 5 : odd < 0.06 ? 1.5 : odd < 0.08 ? 0 : 1 + Math.floor(next() * 50);
        byIndex.set(index, (byIndex.get(index) ?? 0) + count);
      }
      const shuffled = [...byIndex.entries()].filter(([, c]) => c !== 0).sort(() => next() - 0.5);
      const sorted = [...shuffled].sort((a, b) => a[0] - b[0]);
      const min = next();
      const max = min + next() * 10;
      const a = new Distribution(layout, resolution);
      a.addSlot(bucketed(shuffled, min, max));
      const b = new Distribution(layout, resolution);
      b.addSortedBuckets(Float64Array.from(sorted.map((p) => p[0])), Float64Array.from(sorted.map((p) => p[1])), sorted.length, 1, min, max);
      for (const d of [a, b]) {
        d.count = sorted.reduce((t, p) => t + p[1], 0);
        d.sum = 7;
      }
      expect(readings(b), `seed ${seed}`).toBe(readings(a));
      const more = next();
      const values = [next(), next() * 3];
      for (const d of [a, b]) {
        if (more < 0.3) d.addSlot(exact(values));
        else if (more < 0.6) d.addSlot(bucketed([[5, 2], [900, 1]], 0.001, 2));
        else if (more < 0.8) {
          const counts = new SparseCounts(layout);
          counts.add(17, 3);
          d.addCounts(counts, 1, 0.01, 0.5);
        }
      }
      expect(readings(b), `seed ${seed} after more`).toBe(readings(a));
    }
  });

  it('reads a merged bucket past 2^32 - 1 as it is (a Uint32 chunk wrapped it: percentiles NaN)', () => {
    const layout = new BucketLayout(2);
    const d = new Distribution(layout, 1e-3);
    const lo = layout.index(100);
    const hi = layout.index(2000);
    d.addSortedBuckets(Float64Array.of(lo, hi), Float64Array.of(6e9, 10), 2, 1, 0.1, 2);
    d.count = 6e9 + 10;
    for (const p of [0, 50, 99, 99.9]) expect(d.percentile(p)).toBeCloseTo(0.1, 2);
    expect(d.percentile(100)).toBeCloseTo(2, 1);
    expect(d.fractionAtOrBelow(0.5)).toBeCloseTo(6e9 / (6e9 + 10), 12);
  });

  it('after exact values, moves them and the buckets into counts as addSlot does', () => {
    const layout = new BucketLayout(2);
    const a = new Distribution(layout, 1e-3);
    const b = new Distribution(layout, 1e-3);
    for (const d of [a, b]) d.addSlot(exact([0.004, 0.25, 0.5]));
    a.addSlot(bucketed([[40, 2], [7, 1]], 0.001, 3));
    b.addSortedBuckets(Float64Array.of(7, 40), Float64Array.of(1, 2), 2, 1, 0.001, 3);
    expect(readings(b)).toBe(readings(a));
  });
});
