import type { Distribution } from './distribution.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';

// The bucket counts a window's range stats sum across parts (window-query-stats.ts), apart from
// the loop that reads the parts.

/** Entries of the bucket array at first, and the most kept between calls (64K: 512 KiB). */
const INITIAL_LENGTH = 1024;
const KEPT_LENGTH = 65_536;

/**
 * Bucket counts summed across the parts of one `rangeStats` call, then handed to the
 * distribution as one bucketed slot: one add per bucket that holds any, not one per part and
 * bucket (each through a closure made per call). Counts are kept by index in one array, and
 * only the indexes touched are visited and zeroed again (a scan and clear of whole chunks per
 * rule and tick cost more than the adds). Reused: `rangeStats` calls nothing that reads a window.
 */
export class MergedBuckets implements HistogramSlot {
  start = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private counts = new Float64Array(INITIAL_LENGTH);
  /** Indexes touched: the first `nTouched` (setting an array's length to 0 frees its store, and each rule's adds grew it again). */
  private touched: number[] = [];
  private nTouched = 0;

  get exact(): boolean {
    return false;
  }

  /** Entries of the count array. */
  get length(): number {
    return this.counts.length;
  }

  /** Adds `count` at bucket `index` (a zero count changes nothing: a distribution skips empty buckets). */
  add(index: number, count: number): void {
    if (count === 0) return;
    if (index >= this.counts.length) {
      const grown = new Float64Array(Math.max(index + 1, this.counts.length * 2));
      grown.set(this.counts);
      this.counts = grown;
    }
    if (this.counts[index] === 0) this.touched[this.nTouched++] = index;
    this.counts[index]! += count;
  }

  forEachValue(): void {}

  forEachBucket(_layout: BucketLayout, _scale: number, fn: (index: number, count: number) => void): void {
    const touched = this.touched;
    const counts = this.counts;
    for (let i = 0; i < this.nTouched; i++) fn(touched[i]!, counts[touched[i]!]!);
  }

  /**
   * Hands the buckets touched to `dist` in increasing index order (`addSortedBuckets`: what
   * `dist.addSlot(this)` adds, without chunked counts), with this slot's totals.
   */
  addTo(dist: Distribution): void {
    const touched = this.touched;
    const n = this.nTouched;
    const index = new Float64Array(n);
    for (let i = 0; i < n; i++) index[i] = touched[i]!;
    index.sort();
    const count = new Float64Array(n);
    for (let i = 0; i < n; i++) count[i] = this.counts[index[i]!]!;
    dist.addSortedBuckets(index, count, n, this.count, this.min, this.max);
  }

  /** Zeroes the buckets touched; an array grown past {@link KEPT_LENGTH} entries is let go. */
  reset(): void {
    const touched = this.touched;
    // One stored rollup with a huge bucket index (a 56-character hostile hdr) grew it to 37 MiB,
    // then kept for the process's life: a normal layout's indexes fit far below the bound.
    if (this.counts.length > KEPT_LENGTH) this.counts = new Float64Array(INITIAL_LENGTH);
    else for (let i = 0; i < this.nTouched; i++) this.counts[touched[i]!] = 0;
    this.nTouched = 0;
    if (touched.length > KEPT_LENGTH) this.touched = [];
    this.count = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }
}

/** The one merge every `rangeStats` call uses (it calls nothing that reads a window meanwhile). */
export const merged = new MergedBuckets();

/** @internal Entries of the shared bucket array (for tests: it goes back down after a large read). */
export function mergedBucketsLength(): number {
  return merged.length;
}
