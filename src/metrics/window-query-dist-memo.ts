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
  /** The list of the last update, in its order. */
  private list: Pairs[] = [];
  /** Summed counts of `list`: bucket indexes increasing, counts positive. */
  private index: Float64Array = new Float64Array(0);
  private count: Float64Array = new Float64Array(0);
  private total_ = 0;

  /** Makes the memo's counts those of `list` (the caller's array is copied); false when they cannot be kept exactly (the memo is emptied). */
  update(list: readonly Pairs[]): boolean {
    const prev = this.list;
    if (sameList(prev, list)) return true;
    const ok = this.apply(prev, list);
    if (!ok) {
      this.list = [];
      this.index = new Float64Array(0);
      this.count = new Float64Array(0);
      this.total_ = 0;
      return false;
    }
    this.list = list.slice();
    return true;
  }

  /** Adds the kept counts to `merged`. */
  addTo(merged: MergedBuckets): void {
    const index = this.index;
    const count = this.count;
    for (let i = 0; i < index.length; i++) merged.add(index[i]!, count[i]!);
  }

  /** Sum of the kept counts (below 2^53 - 1). */
  get total(): number {
    return this.total_;
  }

  /** Bucket counts kept (for tests). */
  get buckets(): number {
    return this.index.length;
  }

  /** Sums the kept counts, less the arrays that went, plus those that came; false on a count that cannot be kept. */
  private apply(prev: readonly Pairs[], list: readonly Pairs[]): boolean {
    const went = wentList;
    const came = cameList;
    align(prev, list, went, came);
    const s = scratch;
    const index = this.index;
    const count = this.count;
    for (let i = 0; i < index.length; i++) s.add(index[i]!, count[i]!);
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
    [this.index, this.count] = s.take();
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
function align(a: readonly Pairs[], b: readonly Pairs[], went: Pairs[], came: Pairs[]): void {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      i++;
      j++;
      continue;
    }
    // a[i] further on in b: what comes before it in b came.
    let k = j + 1;
    const bEnd = Math.min(b.length, j + LOOKAHEAD);
    while (k < bEnd && b[k] !== a[i]) k++;
    if (k < bEnd) {
      while (j < k) came.push(b[j++]!);
      continue;
    }
    // b[j] further on in a: what comes before it in a went; else a[i] went.
    k = i + 1;
    const aEnd = Math.min(a.length, i + LOOKAHEAD);
    while (k < aEnd && a[k] !== b[j]) k++;
    if (k < aEnd) while (i < k) went.push(a[i++]!);
    else went.push(a[i++]!);
  }
  while (i < a.length) went.push(a[i++]!);
  while (j < b.length) came.push(b[j++]!);
}

const wentList: Pairs[] = [];
const cameList: Pairs[] = [];

/** True when both lists hold the same arrays in the same order (a tick where nothing closed). */
function sameList(a: readonly Pairs[], b: readonly Pairs[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Counts by bucket index while a memo is updated (one at a time: nothing in an update reads another memo). */
class Scratch {
  private counts = new Float64Array(1_024);
  private readonly touched: number[] = [];
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
      this.touched.push(at);
    }
    this.counts[at]! += c;
  }

  /** The nonzero counts by increasing index, the scratch emptied. */
  take(): [Float64Array, Float64Array] {
    const touched = this.touched;
    let n = 0;
    for (let i = 0; i < touched.length; i++) if (this.counts[touched[i]!] !== 0) n++;
    const index = new Float64Array(n);
    const count = new Float64Array(n);
    let w = 0;
    for (let i = 0; i < touched.length; i++) if (this.counts[touched[i]!] !== 0) index[w++] = touched[i]!;
    // A typed array's sort is numeric and native.
    index.sort();
    for (let i = 0; i < n; i++) count[i] = this.counts[index[i]!]!;
    this.clear();
    return [index, count];
  }

  clear(): void {
    for (let i = 0; i < this.touched.length; i++) {
      this.counts[this.touched[i]!] = 0;
      this.mark[this.touched[i]!] = 0;
    }
    this.touched.length = 0;
  }
}

const scratch = new Scratch();
