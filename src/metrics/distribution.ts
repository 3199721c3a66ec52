import { type BucketLayout, SparseCounts } from './log-buckets.js';
import type { HistogramSlot } from './histogram-slot.js';

/** Summary statistics of a set of observations. Percentiles are NaN when there are none. */
export interface DistributionSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
}

/** Raw values merged before falling back to buckets; beyond this, sorting costs more than it gains. */
const MAX_EXACT = 65_536;

/**
 * Merges slots (and decoded rollups) into one distribution and reads percentiles from it:
 * exact when every part still holds raw values, otherwise from the HDR buckets (error bounded
 * by the significant digits), reported at the middle of the bucket and clamped to [min, max].
 */
export class Distribution {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private raw: number[] = [];
  private counts: SparseCounts | null = null;
  private readonly layout: BucketLayout;
  private readonly scale: number;

  constructor(layout: BucketLayout, resolution: number) {
    this.layout = layout;
    this.scale = 1 / resolution;
  }

  /** Adds one slot's data. */
  addSlot(slot: HistogramSlot): void {
    if (slot.count === 0) return;
    this.addTotals(slot.count, slot.sum, slot.min, slot.max);
    if (!slot.exact || this.counts !== null || this.raw.length + slot.count > MAX_EXACT) {
      const counts = this.bucketCounts();
      slot.forEachBucket(this.layout, this.scale, (index, count) => counts.add(index, count));
    } else {
      const raw = this.raw;
      slot.forEachValue(this.scale, (value) => raw.push(value));
    }
  }

  /** Adds bucket counts (same layout and resolution) with their totals. */
  addCounts(counts: SparseCounts, sum: number, min: number, max: number): void {
    if (counts.total === 0) return;
    this.addTotals(counts.total, sum, min, max);
    this.bucketCounts().merge(counts);
  }

  /** Adds totals for a part without a distribution (e.g. a rollup without a histogram). */
  addTotals(count: number, sum: number, min: number, max: number): void {
    this.count += count;
    this.sum += sum;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
  }

  /** The value at percentile `p` (0..100); NaN when empty. */
  percentile(p: number): number {
    if (this.count === 0) return Number.NaN;
    if (this.counts === null) {
      const sorted = this.sortedRaw();
      if (sorted.length === 0) return Number.NaN;
      return sorted[rankOf(p, sorted.length) - 1]!;
    }
    return this.fromBuckets([p])[0]!;
  }

  /**
   * Fraction (0..1) of the values at or under `limit`; NaN when empty. From buckets, a bucket
   * counts as under the limit when its middle is (how percentiles are reported too).
   */
  fractionAtOrBelow(limit: number): number {
    if (this.count === 0) return Number.NaN;
    if (limit >= this.max) return 1;
    if (limit < this.min) return 0;
    let under = 0;
    if (this.counts === null) {
      for (const v of this.raw) if (v <= limit) under++;
      return this.raw.length === 0 ? Number.NaN : under / this.raw.length;
    }
    const scaled = limit * this.scale;
    this.counts.forEach((index, count) => {
      if (this.layout.lowestAt(index) + this.layout.widthAt(index) / 2 <= scaled) under += count;
    });
    return under / this.counts.total;
  }

  /** Count, sum, min, max, mean and the standard percentiles. */
  summary(): DistributionSummary {
    const ps = [50, 90, 95, 99, 99.9];
    let values: number[];
    if (this.count === 0) values = ps.map(() => Number.NaN);
    else if (this.counts === null) {
      const sorted = this.sortedRaw();
      values = ps.map((p) => (sorted.length === 0 ? Number.NaN : sorted[rankOf(p, sorted.length) - 1]!));
    } else values = this.fromBuckets(ps);
    const empty = this.count === 0;
    return {
      count: this.count,
      sum: this.sum,
      min: empty ? Number.NaN : this.min,
      max: empty ? Number.NaN : this.max,
      mean: empty ? Number.NaN : this.sum / this.count,
      p50: values[0]!,
      p90: values[1]!,
      p95: values[2]!,
      p99: values[3]!,
      p999: values[4]!,
    };
  }

  private sortedRaw(): Float64Array {
    return Float64Array.from(this.raw).sort();
  }

  private bucketCounts(): SparseCounts {
    if (this.counts === null) {
      this.counts = new SparseCounts(this.layout);
      for (const value of this.raw) this.counts.record(Math.floor(value * this.scale));
      this.raw = [];
    }
    return this.counts;
  }

  private fromBuckets(percentiles: number[]): number[] {
    const counts = this.counts as SparseCounts;
    const ranks = percentiles.map((p) => rankOf(p, counts.total));
    const out = percentiles.map(() => Number.NaN);
    let seen = 0;
    let next = 0;
    counts.forEach((index, count) => {
      seen += count;
      while (next < ranks.length && seen >= ranks[next]!) {
        const mid = this.layout.lowestAt(index) + this.layout.widthAt(index) / 2;
        out[next] = Math.min(this.max, Math.max(this.min, mid / this.scale));
        next++;
      }
    });
    return out;
  }
}

/** Nearest-rank: the 1-based rank of percentile p among n values. */
function rankOf(p: number, n: number): number {
  // toPrecision: 0.999 * 1000 is 999.0000000000001 in floating point, and ceil would skip a rank.
  return Math.min(n, Math.max(1, Math.ceil(Number(((p / 100) * n).toPrecision(12)))));
}
