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
   * `dist.addSlot(this)` adds, without chunked counts), with this slot's totals. The arrays it
   * keeps are plain ones: a typed array that large has its store outside the heap, two of them a
   * percentile rule and tick cost more than the rest of the hand-over.
   */
  addTo(dist: Distribution): void {
    const n = this.nTouched;
    const sorted = sortedTouched(this.touched, n);
    const index: number[] = new Array(n);
    const count: number[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const at = sorted[i]!;
      index[i] = at;
      count[i] = this.counts[at]!;
    }
    dist.addSortedBuckets(index, count, n, this.count, this.min, this.max);
  }

  /**
   * {@link addTo} with `m` more buckets of increasing `index` summed in (a DistMemo's, kept sorted):
   * the two walked side by side, not the memo's buckets added here one by one and sorted again.
   * Only for whole counts whose grand total is below 2^53 (the memo's promise, checked by the
   * caller): each bucket's sum is then exact whichever order its terms are added in.
   */
  addWithSortedTo(dist: Distribution, mIndex: ArrayLike<number>, mCount: ArrayLike<number>, m: number): void {
    const t = this.nTouched;
    const sorted = sortedTouched(this.touched, t);
    let size = 0;
    for (let i = 0, j = 0; i < m || j < t; size++) {
      if (j === t || (i < m && mIndex[i]! < sorted[j]!)) i++;
      else if (i === m || sorted[j]! < mIndex[i]!) j++;
      else {
        i++;
        j++;
      }
    }
    const index: number[] = new Array(size);
    const count: number[] = new Array(size);
    const counts = this.counts;
    for (let i = 0, j = 0, w = 0; w < size; w++) {
      if (j === t || (i < m && mIndex[i]! < sorted[j]!)) {
        index[w] = mIndex[i]!;
        count[w] = mCount[i++]!;
      } else if (i === m || sorted[j]! < mIndex[i]!) {
        index[w] = sorted[j]!;
        count[w] = counts[sorted[j++]!]!;
      } else {
        index[w] = mIndex[i]!;
        count[w] = mCount[i++]! + counts[sorted[j++]!]!;
      }
    }
    dist.addSortedBuckets(index, count, size, this.count, this.min, this.max);
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

/** Where {@link sortedTouched} sorts (typed: a native numeric sort), kept between calls. */
let sortScratch = new Float64Array(INITIAL_LENGTH);

/** The first `n` of `touched` in increasing order, in a scratch array read before the next call. */
function sortedTouched(touched: readonly number[], n: number): Float64Array {
  if (sortScratch.length < n || sortScratch.length > KEPT_LENGTH) sortScratch = new Float64Array(Math.max(n, INITIAL_LENGTH));
  const s = sortScratch;
  if (n <= 16) {
    // A few buckets (a memory slot or two beside a memo): an insertion sort, no view object.
    for (let i = 0; i < n; i++) {
      const v = touched[i]!;
      let k = i;
      while (k > 0 && s[k - 1]! > v) {
        s[k] = s[k - 1]!;
        k--;
      }
      s[k] = v;
    }
    return s;
  }
  for (let i = 0; i < n; i++) s[i] = touched[i]!;
  s.subarray(0, n).sort();
  return s;
}

/** The one merge every `rangeStats` call uses (it calls nothing that reads a window meanwhile). */
export const merged = new MergedBuckets();

/** @internal Entries of the shared bucket array (for tests: it goes back down after a large read). */
export function mergedBucketsLength(): number {
  return merged.length;
}
