import type { MetricKind, Rollup } from '../storage/contract.js';
import { writerOf } from '../storage/instance.js';
import { Distribution } from './distribution.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';
import type { DecodedHistograms } from './window-query-decode.js';
import { COUNT, DECODED, END, F, isKept, MAX, MIN, R, START, SUM, type KeptSeries } from './window-query-columns.js';

/**
 * One slot of one series from one writer: a rollup as read (stored, or waiting in the recorder;
 * not copied), or the open slot of a counter or gauge in this process's memory in the same
 * shape. For counters `sum` is the amount added in the slot and `last` the total at its end; for
 * gauges `last` is the value at its end; `hdr` and `resolution` hold a histogram's distribution.
 * Histogram slots in memory are not parts: {@link WindowSeries.slots} holds them as they are.
 */
export type WindowPart = Readonly<Pick<Rollup, 'kind' | 'start' | 'end' | 'count' | 'sum' | 'min' | 'max' | 'last' | 'instance' | 'hdr' | 'resolution'>>;

/** Decoded bucket counts of a part, with the layout digits and resolution they were decoded to. */
export interface DecodedMemo {
  readonly digits: number;
  readonly resolution: number;
  readonly pairs: Float64Array | null;
}

/**
 * A part as {@link part} makes it: its decoded histogram kept on it (a WeakMap by part cost a
 * rule tick more than summing the counts: a lookup per part of every percentile rule's series).
 */
export type MemoPart = WindowPart & { decoded: DecodedMemo | undefined };

/** One series of a window: its labels and every part of it the window holds, from every writer. */
export interface WindowSeries {
  /** `seriesKey(labels)`: the same for the same label set whoever wrote it. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The counter total or gauge value this process holds now, when it holds the series. */
  readonly current: number | undefined;
  /**
   * This process's histogram slots of the series: its ring, as it is (empty slots included; each
   * slot spans [start, start + slot length)). Shared, not copied: a window is read at once.
   */
  readonly slots: readonly HistogramSlot[];
  /** Every other part: rollups of any writer, and a counter's or gauge's open slot. Shared, not copied. */
  readonly parts: readonly WindowPart[];
}

/** Totals of some series over a range; `dist` only when a distribution was asked for. */
export interface RangeStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Mean of the newest non-empty part: a histogram's `last`. */
  lastMean: number;
  dist: Distribution | undefined;
}

/** How a window merges histogram data: the layout and resolution of its distributions. */
export interface WindowScale {
  readonly layout: BucketLayout;
  readonly resolution: number;
  /** Length (ms) of the slots in memory. */
  readonly slotLength: number;
}


/**
 * A decoded rollup's bucket counts seen as a bucketed slot, so a distribution takes them
 * directly (`Distribution.addSlot`): one add per bucket the rollup holds. Summing them into a
 * set of counts first and merging that cost a scan and a clear of every bucket of its chunks
 * per rule and tick. Reused: `stats` points it at one part at a time.
 */
class PairsSlot implements HistogramSlot {
  start = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  pairs: Float64Array = EMPTY_PAIRS;
  get exact(): boolean {
    return false;
  }
  forEachValue(): void {}
  forEachBucket(_layout: BucketLayout, _scale: number, fn: (index: number, count: number) => void): void {
    const pairs = this.pairs;
    for (let i = 0; i < pairs.length; i += 2) fn(pairs[i]!, pairs[i + 1]!);
  }
}

const EMPTY_PAIRS = new Float64Array(0);
/** The memory slots a `stats` call with a distribution adds last (emptied before it returns; `stats` calls nothing that reads a window). */
const held: HistogramSlot[] = [];
const pairsSlot = new PairsSlot();

/**
 * The data of one metric over [from, to), de-duplicated (see window-query-build.ts): every
 * series any writer holds data of, with its parts. A range ending at `now` or later also holds
 * the slot being recorded into. Read-only once built. Histogram rollups are decoded on first use
 * through the monitor's {@link DecodedHistograms}, which keeps them between reads: an `hdr` is
 * decoded once however many rules, ticks and snapshots read it (while it stays in the cache).
 */
export class MetricWindow {
  private readonly writers = new Map<string | undefined, string>();

  constructor(
    readonly name: string,
    /** From this process's definition, else from the newest rollup; undefined without any data. */
    readonly kind: MetricKind | undefined,
    /** From this process's definition; undefined when it has none (rollups carry no unit). */
    readonly unit: string | undefined,
    readonly from: number,
    readonly to: number,
    readonly now: number,
    readonly series: readonly WindowSeries[],
    /** This process's instance id: the writer of its parts (see `writerOf`). */
    readonly self: string,
    private readonly scale: WindowScale,
    private readonly decoded: DecodedHistograms,
  ) {}

  /** Length (ms) of the slots in memory: the grid `rate` counts covered time on. */
  get slotLength(): number {
    return this.scale.slotLength;
  }

  /** True when `part` overlaps [from, to); a range ending at `now` or later takes every later slot too. */
  covers(part: WindowPart, from: number, to: number): boolean {
    return part.end > from && part.start < (to >= this.now ? Infinity : to);
  }

  /** An empty distribution in the window's layout and resolution. */
  private distribution(): Distribution {
    return new Distribution(this.scale.layout, this.scale.resolution);
  }

  /** True when the memory slot `slot` holds data and overlaps [from, to) (see {@link covers}). */
  holds(slot: HistogramSlot, from: number, to: number): boolean {
    return slot.count > 0 && slot.start + this.scale.slotLength > from && slot.start < (to >= this.now ? Infinity : to);
  }

  /** Calls `fn` with the start, count and sum of every slot of `series` with data in [from, to), memory and parts alike. */
  forEachSlot(series: Iterable<WindowSeries>, from: number, to: number, fn: (start: number, count: number, sum: number) => void): void {
    for (const s of series) {
      for (const slot of s.slots) if (this.holds(slot, from, to)) fn(slot.start, slot.count, slot.sum);
      for (const p of s.parts) if (p.count > 0 && this.covers(p, from, to)) fn(p.start, p.count, p.sum);
    }
  }

  /** Count, sum, min, max and newest mean of `series` over [from, to); with `withDist`, their distribution too. */
  stats(series: Iterable<WindowSeries>, from: number, to: number, withDist: boolean): RangeStats {
    const stats: RangeStats = { count: 0, sum: 0, min: Infinity, max: -Infinity, lastMean: Number.NaN, dist: withDist ? this.distribution() : undefined };
    // The loops below touch every slot and part of a window at every rule tick: each field is
    // read once (a closed slot decodes sum, min and max from its bytes at each read) and the
    // range's end is resolved once, not per part.
    const end = to >= this.now ? Infinity : to;
    const slotFrom = from - this.scale.slotLength;
    let newest = -Infinity;
    let decoded = false;
    let decodedMin = Infinity;
    let decodedMax = -Infinity;
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const s of series) {
      for (const slot of s.slots) {
        const c = slot.count;
        const start = slot.start;
        if (c === 0 || start <= slotFrom || start >= end) continue;
        const sl = slot.sum;
        count += c;
        sum += sl;
        const lo = slot.min;
        const hi = slot.max;
        if (lo < min) min = lo;
        if (hi > max) max = hi;
        if (start > newest) {
          newest = start;
          stats.lastMean = sl / c;
        }
        if (withDist) held.push(slot);
      }
      if (isKept(s)) {
        // A kept series' parts are columns (window-query-columns.ts): the same sums, read from one block.
        const cols = s.cols;
        for (let i = 0; i < s.n; i++) {
          const o = i * F;
          const c = cols[o + COUNT]!;
          const start = cols[o + START]!;
          if (c === 0 || cols[o + END]! <= from || start >= end) continue;
          const sl = cols[o + SUM]!;
          const lo = cols[o + MIN]!;
          const hi = cols[o + MAX]!;
          count += c;
          sum += sl;
          if (lo < min) min = lo;
          if (hi > max) max = hi;
          if (start > newest) {
            newest = start;
            stats.lastMean = sl / c;
          }
          if (stats.dist === undefined) continue;
          const pairs = this.pairsAt(s, i);
          if (pairs === null) stats.dist.addTotals(c, sl, lo, hi);
          else {
            if (lo < decodedMin) decodedMin = lo;
            if (hi > decodedMax) decodedMax = hi;
            if (pairs.length === 0) continue;
            decoded = true;
            pairsSlot.count = c;
            pairsSlot.sum = sl;
            pairsSlot.min = lo;
            pairsSlot.max = hi;
            pairsSlot.pairs = pairs;
            stats.dist.addSlot(pairsSlot);
            pairsSlot.pairs = EMPTY_PAIRS;
          }
        }
        continue;
      }
      for (const p of s.parts) {
        const c = p.count;
        if (c === 0 || p.end <= from || p.start >= end) continue;
        count += c;
        sum += p.sum;
        if (p.min < min) min = p.min;
        if (p.max > max) max = p.max;
        if (p.start > newest) {
          newest = p.start;
          stats.lastMean = p.sum / c;
        }
        if (stats.dist === undefined) continue;
        const pairs = this.pairsOf(p);
        if (pairs === null) stats.dist.addTotals(c, p.sum, p.min, p.max);
        else {
          // Each decoded rollup's counts go into the distribution as they are (see PairsSlot);
          // its min and max count once any rollup had counts, as when they were summed first.
          if (p.min < decodedMin) decodedMin = p.min;
          if (p.max > decodedMax) decodedMax = p.max;
          if (pairs.length === 0) continue;
          decoded = true;
          pairsSlot.count = c;
          pairsSlot.sum = p.sum;
          pairsSlot.min = p.min;
          pairsSlot.max = p.max;
          pairsSlot.pairs = pairs;
          stats.dist.addSlot(pairsSlot);
          pairsSlot.pairs = EMPTY_PAIRS;
        }
      }
    }
    stats.count = count;
    stats.sum = sum;
    stats.min = min;
    stats.max = max;
    if (decoded) stats.dist!.addTotals(0, 0, decodedMin, decodedMax);
    // Memory slots go in after the decoded rollups: a distribution that holds bucket counts takes
    // their values as buckets at once, instead of keeping them exactly and converting them when
    // the first rollup arrives (the same counts either way; exact only when no rollup has any).
    if (withDist) {
      for (let i = 0; i < held.length; i++) stats.dist!.addSlot(held[i]!);
      held.length = 0;
    }
    if (stats.dist !== undefined) {
      // Parts whose counts disagree with their totals (an hdr that failed to decode) leave the
      // distribution's totals off: the totals above are exact.
      stats.dist.count = stats.count;
      stats.dist.sum = stats.sum;
    }
    return stats;
  }

  /**
   * The fleet's value of counters and gauges over [from, to): for each series and each writer,
   * its latest `last` in the range, summed (a counter's total, a gauge's value, over the whole
   * fleet). This process's own value is the one it holds now when the range ends now. Undefined
   * when no series has one.
   */
  latest(series: Iterable<WindowSeries>, from: number, to: number): number | undefined {
    let total: number | undefined;
    const ownNow = to >= this.now;
    for (const s of series) {
      const newest = new Map<string, WindowPart>();
      for (const p of s.parts) {
        if (p.last === undefined || !this.covers(p, from, to)) continue;
        const writer = this.writerOf(p.instance);
        if (ownNow && s.current !== undefined && writer === this.self) continue;
        const seen = newest.get(writer);
        if (seen === undefined || p.start > seen.start || (p.start === seen.start && p.end >= seen.end)) newest.set(writer, p);
      }
      if (ownNow && s.current !== undefined) total = (total ?? 0) + s.current;
      for (const p of newest.values()) total = (total ?? 0) + p.last!;
    }
    return total;
  }

  /** Decoded bucket counts of a rollup part (null without an `hdr`, or when it cannot be decoded). */
  private pairsOf(part: WindowPart): Float64Array | null {
    if (part.hdr === undefined) return null;
    // Parts kept between reads (the rule engine's) find their counts on themselves.
    const memo = (part as Partial<MemoPart>).decoded;
    if (memo !== undefined && memo.digits === this.scale.layout.digits && memo.resolution === this.scale.resolution) return memo.pairs;
    const pairs = this.decoded.get(part.hdr, part.resolution ?? this.scale.resolution, this.scale.layout, this.scale.resolution);
    // Parts made by `part()` carry the field; any other part object is decoded at each read.
    if ('decoded' in part) (part as MemoPart).decoded = { digits: this.scale.layout.digits, resolution: this.scale.resolution, pairs };
    return pairs;
  }

  /** Decoded bucket counts of part `i` of a kept series (see {@link pairsOf}), kept beside its columns. */
  private pairsAt(s: KeptSeries, i: number): Float64Array | null {
    const hdr = s.hdrAt(i);
    if (hdr === undefined) return null;
    const digits = this.scale.layout.digits;
    const resolution = this.scale.resolution;
    if (s.memoDigits !== digits || s.memoResolution !== resolution) {
      // Counts decoded for another scale: dropped, one scale a series (no memo object a part).
      for (let k = DECODED; k < s.refs.length; k += R) s.refs[k] = undefined;
      s.memoDigits = digits;
      s.memoResolution = resolution;
    }
    const memo = s.refs[i * R + DECODED] as Float64Array | null | undefined;
    if (memo !== undefined) return memo;
    const pairs = this.decoded.get(hdr, s.resolutionAt(i) ?? resolution, this.scale.layout, resolution);
    s.refs[i * R + DECODED] = pairs;
    return pairs;
  }

  /** The instance that wrote a part, without its run suffix (`writerOf`), computed once per instance. */
  private writerOf(instance: string | undefined): string {
    let writer = this.writers.get(instance);
    if (writer === undefined) this.writers.set(instance, (writer = writerOf(instance)));
    return writer;
  }
}
