import { ClosedSlot } from './histogram-closed-slot.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';

/**
 * Window totals kept between reads. A rule engine tick (and each snapshot) asks for the totals
 * and distribution of every series over a window that moved by a few seconds since the last
 * read: re-merging every slot of every series (about 110,000 parts for 10,000 series) was most of
 * a tick. Here each series keeps the totals of its closed pieces (closed memory slots and
 * rollups, which never change once made) and their merged bucket counts; a read compares the
 * pieces in range with the kept ones by identity and adds the new ones' counts and subtracts
 * those that left (a late or rewritten rollup is a new part object that replaces the old one:
 * subtracted and added). Only the slot being recorded into is read afresh. Totals are summed
 * again from the kept pieces' numbers (a dozen additions), so they equal a full recompute
 * exactly; bucket counts are integers, so adding and subtracting them is exact too.
 */

/** The numbers of one closed piece of a window (a closed memory slot or a rollup part), computed once. */
export interface Piece {
  readonly start: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** A memory slot that keeps its values exactly (a rollup never does). */
  readonly exact: boolean;
  /** A rollup part (its distribution is its decoded `hdr`, if any). */
  readonly isPart: boolean;
  /** What it was made from (a `ClosedSlot` or a part), read for its counts on first use. */
  readonly source: object;
  /** The layout digits and scale its counts are read at. */
  readonly digits: number;
  readonly scale: number;
  /** Scratch mark for telling kept pieces from new ones (see {@link SeriesTotals.update}). */
  mark: number;
}

/** Reads what pieces hold: a window's scale and decoded rollups. */
export interface PieceReader {
  readonly layout: BucketLayout;
  /** 1 / resolution. */
  readonly scale: number;
  /** Decoded counts of a rollup part (null: none). */
  partPairs(part: object): Float64Array | null;
}

// A closed slot's piece is kept beside it, not on it: a field on every slot of every series
// would cost memory whether or not anything reads windows (docs/architecture.md's 4 KiB budget).
const slotPieces = new WeakMap<object, Piece>();

function fits(piece: Piece | undefined, reader: PieceReader): piece is Piece {
  return piece !== undefined && piece.digits === reader.layout.digits && piece.scale === reader.scale;
}

/** The piece of a closed memory slot (kept while the slot lives: it never changes). */
export function slotPiece(slot: ClosedSlot, reader: PieceReader): Piece {
  const kept = slotPieces.get(slot);
  if (fits(kept, reader)) return kept;
  const piece: Piece = { start: slot.start, count: slot.count, sum: slot.sum, min: slot.min, max: slot.max, exact: slot.exact, isPart: false, source: slot, digits: reader.layout.digits, scale: reader.scale, mark: 0 };
  slotPieces.set(slot, piece);
  return piece;
}

/** The piece of a rollup part, kept on the part (read-only otherwise; see `WindowPart.piece`). */
export function partPiece(part: { readonly start: number; readonly count: number; readonly sum: number; readonly min: number; readonly max: number; piece?: Piece | undefined }, reader: PieceReader): Piece {
  const kept = part.piece;
  if (fits(kept, reader)) return kept;
  const piece: Piece = { start: part.start, count: part.count, sum: part.sum, min: part.min, max: part.max, exact: false, isPart: true, source: part, digits: reader.layout.digits, scale: reader.scale, mark: 0 };
  part.piece = piece;
  return piece;
}

/** True when `slot` never changes (a closed slot): its piece can be kept. */
export function isClosed(slot: HistogramSlot): slot is HistogramSlot & ClosedSlot {
  return slot instanceof ClosedSlot;
}

/**
 * The bucket counts of a piece, read from its source each time: kept on every piece they cost
 * more memory than the slots themselves (a rollup's decoded counts stay in the monitor's
 * bounded decode cache; a closed slot's few values are re-read in microseconds).
 */
export function pairsOf(piece: Piece, reader: PieceReader): Float64Array | null {
  if (piece.isPart) return reader.partPairs(piece.source);
  const out: number[] = [];
  (piece.source as HistogramSlot).forEachBucket(reader.layout, reader.scale, (index, count) => out.push(index, count));
  return compact(out);
}

/** The values of an exact memory slot, read from it (unsorted). */
export function forEachValue(piece: Piece, reader: PieceReader, fn: (value: number) => void): void {
  (piece.source as HistogramSlot).forEachValue(reader.scale, fn);
}

/** `[index, count, ...]` pairs (any order, repeats allowed) as increasing, merged pairs. */
export function compact(pairs: number[]): Float64Array {
  const n = pairs.length / 2;
  let sorted = true;
  for (let i = 2; i < pairs.length; i += 2) if (pairs[i]! <= pairs[i - 2]!) sorted = false;
  if (sorted) return Float64Array.from(pairs);
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);
  const out: number[] = [];
  for (const i of order) {
    const index = pairs[2 * i]!;
    if (out.length > 0 && out[out.length - 2] === index) out[out.length - 1]! += pairs[2 * i + 1]!;
    else out.push(index, pairs[2 * i + 1]!);
  }
  return Float64Array.from(out);
}

/** `a` plus `sign` times `b` (both increasing pairs); buckets that reach 0 are dropped. */
export function mergePairs(a: Float64Array, b: Float64Array, sign: 1 | -1): Float64Array {
  if (b.length === 0) return a;
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    let index: number;
    let count: number;
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) {
      index = a[i]!;
      count = a[i + 1]!;
      i += 2;
    } else if (i >= a.length || b[j]! < a[i]!) {
      index = b[j]!;
      count = sign * b[j + 1]!;
      j += 2;
    } else {
      index = a[i]!;
      count = a[i + 1]! + sign * b[j + 1]!;
      i += 2;
      j += 2;
    }
    if (count === 0) continue;
    out[n++] = index;
    out[n++] = count;
  }
  return n === out.length ? out : out.slice(0, n);
}

const EMPTY: Float64Array = new Float64Array(0);
let epoch = 0;

/**
 * One series' closed pieces over one range, with their totals and (once asked for) merged
 * bucket counts, kept between reads and brought up to date by {@link SeriesTotals.update}.
 */
export class SeriesTotals {
  pieces: Piece[] = [];
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Start of the newest piece with data, and its mean. */
  newest = -Infinity;
  lastMean = Number.NaN;
  /** Values of the exact slots among the pieces. */
  exactCount = 0;
  /** A piece holds bucket counts only (an inexact slot, a rollup with a distribution); undefined: not known yet. */
  private isBucketed: boolean | undefined = undefined;
  /** Merged bucket counts of every piece, once asked for (then kept up to date). */
  private merged: Float64Array | null = null;
  /** Merged sorted values of the exact pieces, once asked for (dropped at each change). */
  private values: Float64Array | null = null;
  /** The read (`WindowTotals.reads`) that last used these totals. */
  usedAt = 0;
  /**
   * What the pieces were last collected from: a copy of the series' slots (a ring changes in
   * place), its parts array (read-only once a window is built) and the range start. While these
   * are the same and no kept piece ends by the new start, the pieces are the same: a read checks
   * a dozen references instead of collecting them again.
   */
  srcSlots: readonly object[] = [];
  srcParts: readonly object[] = [];
  from = Number.NaN;
  /** Earliest end (ms) among the kept pieces. */
  firstEnd = -Infinity;
  /** Where in `srcSlots` the slots that are still recorded into sit (read afresh each time). */
  liveAt: number[] = [];
  /** The piece of each slot of `srcSlots` in range (by position). */
  slotPieces: (Piece | undefined)[] = [];

  /** True when `slots` and `parts` hold what they held at the last collection. */
  sameSources(slots: readonly object[], parts: readonly object[]): boolean {
    return sameItems(this.srcSlots, slots) && sameItems(this.srcParts, parts);
  }

  /** Brings the totals to `pieces` (the closed pieces in range now); true when they changed. */
  update(pieces: Piece[], reader: PieceReader): boolean {
    const old = this.pieces;
    if (old.length === pieces.length) {
      let same = true;
      for (let i = 0; i < old.length; i++) {
        if (old[i] !== pieces[i]) {
          same = false;
          break;
        }
      }
      if (same) return false;
    }
    if (this.merged !== null) {
      // Marks instead of sets: old pieces get `left`; those still here are re-marked `kept`.
      epoch += 2;
      const left = epoch;
      const kept = epoch + 1;
      for (const p of old) p.mark = left;
      let merged = this.merged;
      for (const p of pieces) {
        if (p.mark !== left) merged = mergePairs(merged, pairsOf(p, reader) ?? EMPTY, 1);
        p.mark = kept;
      }
      for (const p of old) if (p.mark === left) merged = mergePairs(merged, pairsOf(p, reader) ?? EMPTY, -1);
      this.merged = merged;
    }
    this.values = null;
    this.isBucketed = undefined;
    // `pieces` may be the reader's scratch array: keep a copy.
    this.pieces = pieces.slice();
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    let newest = -Infinity;
    let lastMean = Number.NaN;
    let exactCount = 0;
    for (const p of pieces) {
      count += p.count;
      sum += p.sum;
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
      if (p.start > newest) {
        newest = p.start;
        lastMean = p.sum / p.count;
      }
      if (p.exact) exactCount += p.count;
    }
    this.count = count;
    this.sum = sum;
    this.min = min;
    this.max = max;
    this.newest = newest;
    this.lastMean = lastMean;
    this.exactCount = exactCount;
    return true;
  }

  /**
   * True when a piece holds bucket counts only: an inexact slot, or a rollup whose `hdr` decodes
   * (one without a readable `hdr` adds totals only and leaves the others' values exact).
   */
  bucketed(reader: PieceReader): boolean {
    if (this.isBucketed === undefined) this.isBucketed = this.pieces.some((p) => !p.exact && (!p.isPart || pairsOf(p, reader) !== null));
    return this.isBucketed;
  }

  /** Merged bucket counts of every piece. */
  pairs(reader: PieceReader): Float64Array {
    if (this.merged === null) {
      const sum = new PairSum();
      for (const p of this.pieces) sum.add(pairsOf(p, reader) ?? EMPTY);
      this.merged = sum.result();
    }
    return this.merged;
  }

  /** Sorted values of the exact pieces. */
  exactValues(reader: PieceReader): Float64Array {
    if (this.values === null) {
      const out = new Float64Array(this.exactCount);
      let n = 0;
      for (const p of this.pieces) if (p.exact) forEachValue(p, reader, (v) => (out[n++] = v));
      this.values = out.sort();
    }
    return this.values;
  }
}

/** Reads of a metric after which totals no read used are let go. */
const KEEP_READS = 8;
/** Most range shapes kept per metric (the least recently used go first). */
const MAX_RANGES = 16;

/**
 * The kept {@link SeriesTotals} of one metric of one monitor, per range shape (its length and
 * distance from now, and the scale) and series. Totals no read used in the last few reads of the
 * metric are let go, so a series that left (evicted, expired) costs nothing for long.
 */
export class WindowTotals {
  /** Reads of the metric so far (one per window built). */
  reads = 0;
  private readonly ranges = new Map<string, Map<string, SeriesTotals>>();

  /** Counts a read and lets go of what the last reads did not use. */
  read(): void {
    this.reads++;
    if (this.reads % KEEP_READS !== 0) return;
    for (const [id, series] of this.ranges) {
      for (const [key, t] of series) if (this.reads - t.usedAt > KEEP_READS) series.delete(key);
      if (series.size === 0) this.ranges.delete(id);
    }
  }

  /** The kept totals, by series key, of the range shape `id`. */
  range(id: string): Map<string, SeriesTotals> {
    let series = this.ranges.get(id);
    if (series === undefined) {
      this.ranges.set(id, (series = new Map()));
      if (this.ranges.size > MAX_RANGES) this.ranges.delete(this.ranges.keys().next().value!);
    }
    return series;
  }

  /** Series totals held (all range shapes). */
  get size(): number {
    let n = 0;
    for (const series of this.ranges.values()) n += series.size;
    return n;
  }
}

const perOwner = new WeakMap<object, Map<string, WindowTotals>>();

/**
 * The kept totals of metric `name` for `owner` (one object per monitor: its decoded-histogram
 * cache), created on first use. Metrics past `maxMetrics` let the least recently read go.
 */
export function windowTotals(owner: object, name: string, maxMetrics = 1_000): WindowTotals {
  let byName = perOwner.get(owner);
  if (byName === undefined) perOwner.set(owner, (byName = new Map()));
  let totals = byName.get(name);
  if (totals !== undefined) byName.delete(name);
  else totals = new WindowTotals();
  byName.set(name, totals);
  if (byName.size > maxMetrics) byName.delete(byName.keys().next().value!);
  return totals;
}

function sameItems(a: readonly object[], b: readonly object[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Sums bucket counts given as pairs into one increasing pairs array, through a dense scratch
 * array shared by every sum: a group of ten series costs one pass over their pairs, not ten
 * merges of growing arrays. One sum at a time: nothing may start another before `result()`.
 */
export class PairSum {
  private touched = 0;

  /** Adds `[index, count, ...]` pairs (any order). */
  add(pairs: ArrayLike<number>): void {
    for (let i = 0; i < pairs.length; i += 2) this.one(pairs[i]!, pairs[i + 1]!);
  }

  /** Adds `count` at bucket `index`. */
  one(index: number, count: number): void {
    if (index >= dense.length) growDense(index + 1);
    if (dense[index] === 0) {
      if (this.touched === touchedAt.length) growTouched();
      touchedAt[this.touched++] = index;
    }
    dense[index]! += count;
  }

  /** The sum as increasing pairs; the scratch is cleared for the next sum. */
  result(): Float64Array {
    const indexes = touchedAt.subarray(0, this.touched).sort();
    const out = new Float64Array(2 * this.touched);
    let n = 0;
    for (const index of indexes) {
      const count = dense[index]!;
      dense[index] = 0;
      if (count === 0) continue;
      out[n++] = index;
      out[n++] = count;
    }
    this.touched = 0;
    return n === out.length ? out : out.slice(0, n);
  }
}

let dense = new Float64Array(4096);
let touchedAt = new Uint32Array(1024);

function growDense(min: number): void {
  const next = new Float64Array(Math.max(min, dense.length * 2));
  next.set(dense);
  dense = next;
}

function growTouched(): void {
  const next = new Uint32Array(touchedAt.length * 2);
  next.set(touchedAt);
  touchedAt = next;
}
