import type { Distribution } from './distribution.js';
import type { MergedBuckets } from './window-query-merged.js';

// The bucket counts of a rule group's closed data (decoded rollups, closed ring slots), kept
// between ticks: range stats with a distribution (window-query-stats.ts) summed every decoded
// rollup's and closed slot's buckets of the group's ~10 series at every tick (~110 slots, ~660
// adds and the loop around them: ~70 % of the fleet bench's range-stats time), though from one
// tick to the next at most the newest closed slot arrives and the oldest leaves the range.

/** Largest bucket index kept here (the shared merge keeps 64K entries; a larger one is a hostile hdr). */
const MAX_INDEX = 65_536;

/** Bucket counts of one pairs array: (index, count) pairs, as decoded rollups and closed slots give them. */
export type Pairs = ArrayLike<number>;

/**
 * The summed bucket counts of a list of pairs arrays, updated from the list of the previous
 * call by what came and went. A pairs array is never written once made (decoded rollups' and
 * closed slots' arrays are kept as they are), so the same array holds the same counts.
 *
 * Exact: only whole counts from 1 to 2^53 - 1 are kept, their total under 2^53, so every
 * bucket's sum is the exact sum in any order, the one the fresh merge makes (which then sorts
 * the buckets by index). A list with any other count (no real rollup gives one) is not kept:
 * {@link update} returns false and the caller merges the list itself.
 */
export class DistMemo {
  /** The list of the last update, in its order: its first `listLength` entries (copied in place, no array an update). */
  private list: Pairs[] = [];
  private listLength = 0;
  /** Summed counts of `list`: the first `n` entries, bucket indexes increasing, counts positive (arrays reused while large enough). */
  private index: Float64Array = new Float64Array(0);
  private count: Float64Array = new Float64Array(0);
  private n = 0;
  private total_ = 0;

  /**
   * Makes the memo's counts those of the first `length` arrays of `list` (copied); false when
   * they cannot be kept exactly (the memo is emptied).
   */
  update(list: readonly Pairs[], length = list.length): boolean {
    const prev = this.list;
    if (sameList(prev, this.listLength, list, length)) return true;
    const ok = this.apply(prev, this.listLength, list, length);
    if (!ok) {
      this.list = [];
      this.listLength = 0;
      this.n = 0;
      this.total_ = 0;
      return false;
    }
    for (let i = 0; i < length; i++) prev[i] = list[i]!;
    // Entries past the length would keep arrays that went alive: cut (a list only shrinks when series go).
    if (prev.length > length) prev.length = length;
    this.listLength = length;
    return true;
  }

  /** Adds the kept counts to `merged`. */
  addTo(merged: MergedBuckets): void {
    const index = this.index;
    const count = this.count;
    const n = this.n;
    for (let i = 0; i < n; i++) merged.add(index[i]!, count[i]!);
  }

  /** Hands the kept counts (bucket indexes increasing) with `merged`'s own to `dist` (see `MergedBuckets.addWithSortedTo`). */
  addWithTo(merged: MergedBuckets, dist: Distribution): void {
    merged.addWithSortedTo(dist, this.index, this.count, this.n);
  }

  /** Sum of the kept counts (below 2^53 - 1). */
  get total(): number {
    return this.total_;
  }

  /** Bucket counts kept (for tests). */
  get buckets(): number {
    return this.n;
  }

  /** Sums the kept counts, less the arrays that went, plus those that came; false on a count that cannot be kept. */
  private apply(prev: readonly Pairs[], prevLength: number, list: readonly Pairs[], length: number): boolean {
    const went = wentList;
    const came = cameList;
    align(prev, prevLength, list, length, went, came);
    // What went and came is summed apart (a few buckets), then merged with the kept counts, which
    // are sorted already: not every kept bucket added again and sorted. Whole counts under 2^53
    // (checked below): each bucket's sum is exact whichever order its terms are added in.
    const s = scratch;
    let total = this.total_;
    for (let i = 0; i < went.length; i++) {
      const pairs = went[i]!;
      for (let q = 0; q < pairs.length; q += 2) {
        const c = pairs[q + 1]!;
        if (c === 0) continue;
        s.add(pairs[q]!, -c);
        total -= c;
      }
    }
    for (let i = 0; i < came.length; i++) {
      const pairs = came[i]!;
      for (let q = 0; q < pairs.length; q += 2) {
        const at = pairs[q]!;
        const c = pairs[q + 1]!;
        if (c === 0) continue;
        if (!(c >= 1 && Number.isSafeInteger(c) && at >= 0 && at < MAX_INDEX && Number.isInteger(at))) {
          s.clear();
          went.length = 0;
          came.length = 0;
          return false;
        }
        s.add(at, c);
        total += c;
      }
    }
    went.length = 0;
    came.length = 0;
    if (!(total < Number.MAX_SAFE_INTEGER)) {
      s.clear();
      return false;
    }
    this.total_ = total;
    const n = s.mergeWith(this.index, this.count, this.n);
    if (this.index.length < n || this.index.length > 4 * n + 64) {
      // Room for some growth: a group's buckets change by a few at a slot close.
      const size = n + (n >> 2) + 8;
      this.index = new Float64Array(size);
      this.count = new Float64Array(size);
    }
    this.index.set(mergedIndex.subarray(0, n));
    this.count.set(mergedCount.subarray(0, n));
    this.n = n;
    releaseLarge();
    return true;
  }
}

/** How far ahead {@link align} looks for an array met out of step. */
const LOOKAHEAD = 32;

/**
 * Splits the difference between lists `a` (before) and `b` (now) into the arrays that `went`
 * (in `a`, not matched in `b`) and that `came`: `a` less `went` plus `came` is `b` as a multiset
 * whatever is matched, as each match pairs two equal arrays. Both lists are in pass order and
 * change little (at a slot close, the oldest slot of each series goes and the newest comes), so
 * they are walked side by side, an array out of step looked for a few places ahead: no map of
 * ~100 arrays a group at every such tick.
 */
function align(a: readonly Pairs[], aLength: number, b: readonly Pairs[], bLength: number, went: Pairs[], came: Pairs[]): void {
  let i = 0;
  let j = 0;
  while (i < aLength && j < bLength) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    // a[i] further on in b: what comes before it in b came.
    let k = j + 1;
    const bEnd = Math.min(bLength, j + LOOKAHEAD);
    while (k < bEnd && b[k] !== a[i]) k++;
    if (k < bEnd) {
      while (j < k) came.push(b[j++]!);
      continue;
    }
    // b[j] further on in a: what comes before it in a went; else a[i] went.
    k = i + 1;
    const aEnd = Math.min(aLength, i + LOOKAHEAD);
    while (k < aEnd && a[k] !== b[j]) k++;
    if (k < aEnd) while (i < k) went.push(a[i++]!);
    else went.push(a[i++]!);
  }
  while (i < aLength) went.push(a[i++]!);
  while (j < bLength) came.push(b[j++]!);
}

const wentList: Pairs[] = [];
const cameList: Pairs[] = [];

/** True when both lists hold the same arrays in the same order (a tick where nothing closed). */
function sameList(a: readonly Pairs[], aLength: number, b: readonly Pairs[], bLength: number): boolean {
  if (aLength !== bLength) return false;
  for (let i = 0; i < aLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Counts by bucket index while a memo is updated (one at a time: nothing in an update reads another memo). */
class Scratch {
  private counts = new Float64Array(1_024);
  /** Indexes touched: the first `nTouched` (an array's length set to 0 would free its store at each update). */
  private touched: number[] = [];
  private nTouched = 0;
  private mark = new Uint8Array(1_024);

  add(at: number, c: number): void {
    if (at >= this.counts.length) {
      const size = Math.max(at + 1, this.counts.length * 2);
      const counts = new Float64Array(size);
      counts.set(this.counts);
      this.counts = counts;
      const mark = new Uint8Array(size);
      mark.set(this.mark);
      this.mark = mark;
    }
    if (this.mark[at] === 0) {
      this.mark[at] = 1;
      this.touched[this.nTouched++] = at;
    }
    this.counts[at]! += c;
  }

  /**
   * Adds the scratch's counts (changes) to the `n` counts of increasing `index`, writing the
   * nonzero sums by increasing index to {@link mergedIndex} and {@link mergedCount} (grown as
   * needed); the scratch emptied. Returns how many.
   */
  mergeWith(index: Float64Array, count: Float64Array, n: number): number {
    const t = this.nTouched;
    if (sortBuffer.length < t) sortBuffer = new Float64Array(t + (t >> 1));
    const d = sortBuffer;
    for (let i = 0; i < t; i++) d[i] = this.touched[i]!;
    // A typed array's sort is numeric and native.
    d.subarray(0, t).sort();
    if (mergedIndex.length < n + t) {
      mergedIndex = new Float64Array(n + t + ((n + t) >> 1));
      mergedCount = new Float64Array(mergedIndex.length);
    }
    const outIndex = mergedIndex;
    const outCount = mergedCount;
    const counts = this.counts;
    let w = 0;
    let i = 0;
    let j = 0;
    while (i < n || j < t) {
      let at: number;
      let c: number;
      if (j === t || (i < n && index[i]! < d[j]!)) {
        at = index[i]!;
        c = count[i++]!;
      } else if (i === n || d[j]! < index[i]!) {
        at = d[j]!;
        c = counts[d[j++]!]!;
      } else {
        at = index[i]!;
        c = count[i++]! + counts[d[j++]!]!;
      }
      if (c === 0) continue;
      outIndex[w] = at;
      outCount[w++] = c;
    }
    this.clear();
    return w;
  }

  clear(): void {
    for (let i = 0; i < this.nTouched; i++) {
      this.counts[this.touched[i]!] = 0;
      this.mark[this.touched[i]!] = 0;
    }
    this.nTouched = 0;
    if (this.touched.length > 65_536) this.touched = [];
  }
}

const scratch = new Scratch();
/** Where {@link Scratch.mergeWith} sorts the changed indexes and writes its sums (one update at a time). */
let sortBuffer = new Float64Array(256);
let mergedIndex = new Float64Array(1_024);
let mergedCount = new Float64Array(1_024);
/** Longest scratch kept between updates: one huge group's update does not hold its size for the process's life (review R2). */
const SCRATCH_KEPT = 65_536;

/** Lets go of scratch grown past {@link SCRATCH_KEPT} (after its sums were copied out). */
function releaseLarge(): void {
  if (sortBuffer.length > SCRATCH_KEPT) sortBuffer = new Float64Array(256);
  if (mergedIndex.length > SCRATCH_KEPT) {
    mergedIndex = new Float64Array(1_024);
    mergedCount = new Float64Array(1_024);
  }
}
