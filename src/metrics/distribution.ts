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
  /**
   * Bucket counts handed over at once by {@link addSortedBuckets} (a window's merge of every
   * part): indexes increasing, counts positive. Read as they are until anything else is added
   * (then moved into `counts`): a `SparseCounts` allocates a 4 KiB chunk per power of two the
   * values span and its walk visits every entry of them, which for the fleet bench's 400
   * percentile rules a tick was ~11 MB allocated and ~3 million entries walked.
   */
  private sorted: { readonly index: ArrayLike<number>; readonly count: ArrayLike<number>; readonly total: number } | null = null;
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
    if (!slot.exact || this.counts !== null || this.sorted !== null || this.raw.length + slot.count > MAX_EXACT) {
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

  /**
   * @internal Adds `n` bucket counts given by increasing `index` with their `count`, as one
   * bucketed slot of totals `count` (any: the caller sets the totals after), `min` and `max`
   * would: what `addSlot` of a slot giving these buckets in this order does, without building
   * chunked counts while nothing else was added. `index` and `count` are kept, not copied.
   */
  addSortedBuckets(index: Float64Array | number[], count: Float64Array | number[], n: number, totalCount: number, min: number, max: number): void {
    if (totalCount === 0) return;
    this.addTotals(totalCount, 0, min, max);
    let total = 0;
    // Whole counts (1 to 2^53 - 1) are kept aside as they are: a window merges many parts' counts,
    // and a bucket past 2^32 - 1 would wrap in a Uint32 chunk (percentiles NaN, fractions off).
    // Any other count (fractions, zero, negative, NaN: no real rollup gives them) takes the
    // chunked path as it always did.
    let plain = this.counts === null && this.raw.length === 0 && this.sorted === null;
    for (let i = 0; plain && i < n; i++) {
      const c = count[i]!;
      if (!(c >= 1 && c <= Number.MAX_SAFE_INTEGER && Math.floor(c) === c)) plain = false;
      total += c;
    }
    if (plain) {
      // Arrays of exactly n entries (a window's merge makes them so) are kept as they are.
      this.sorted = { index: index.length === n ? index : index.slice(0, n), count: count.length === n ? count : count.slice(0, n), total };
      return;
    }
    const counts = this.bucketCounts();
    for (let i = 0; i < n; i++) if (count[i] !== 0) counts.add(index[i]!, count[i]!);
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
    if (this.sorted !== null) return this.fromSorted([p])[0]!;
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
    const sorted = this.sorted;
    if (sorted !== null) {
      const scaled = limit * this.scale;
      for (let i = 0; i < sorted.index.length; i++) if (this.layout.lowestAt(sorted.index[i]!) + this.layout.widthAt(sorted.index[i]!) / 2 <= scaled) under += sorted.count[i]!;
      return under / sorted.total;
    }
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
    else if (this.sorted !== null) values = this.fromSorted(ps);
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
      const sorted = this.sorted;
      if (sorted !== null) for (let i = 0; i < sorted.index.length; i++) this.counts.add(sorted.index[i]!, sorted.count[i]!);
      this.sorted = null;
    }
    return this.counts;
  }

  /** {@link fromBuckets} over the counts {@link addSortedBuckets} kept aside: the same walk. */
  private fromSorted(percentiles: number[]): number[] {
    const sorted = this.sorted!;
    const ranks = percentiles.map((p) => rankOf(p, sorted.total));
    const out = percentiles.map(() => Number.NaN);
    let seen = 0;
    let next = 0;
    for (let i = 0; i < sorted.index.length && next < ranks.length; i++) {
      seen += sorted.count[i]!;
      const index = sorted.index[i]!;
      while (next < ranks.length && seen >= ranks[next]!) {
        const mid = this.layout.lowestAt(index) + this.layout.widthAt(index) / 2;
        out[next] = Math.min(this.max, Math.max(this.min, mid / this.scale));
        next++;
      }
    }
    return out;
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
