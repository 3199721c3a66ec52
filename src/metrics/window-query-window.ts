import type { MetricKind, Rollup } from '../storage/contract.js';
import { Distribution } from './distribution.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout, SparseCounts } from './log-buckets.js';
import { decodeRollupHdr } from './window-query-decode.js';

/**
 * One slot of one series from one writer: a slot in this process's memory, or a rollup (stored,
 * or waiting in the recorder). For counters `sum` is the amount added in the slot and `last` the
 * total at its end; for gauges `last` is the value at its end.
 */
export interface WindowPart {
  /** Slot start (ms, inclusive). */
  readonly start: number;
  /** Slot end (ms, exclusive); for a slot in memory, its start plus the slot length. */
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number | undefined;
  /** The instance that wrote it, without its run suffix (see `writerOf`); `''` for rollups stored without one. */
  readonly writer: string;
  /** A histogram slot in this process's memory. */
  readonly slot: HistogramSlot | undefined;
  /** A rollup (its `hdr` and `resolution` hold a histogram's distribution). */
  readonly rollup: Rollup | undefined;
}

/** One series of a window: its labels and every part of it the window holds, from every writer. */
export interface WindowSeries {
  /** `seriesKey(labels)`: the same for the same label set whoever wrote it. */
  readonly key: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The counter total or gauge value this process holds now, when it holds the series. */
  readonly current: number | undefined;
  readonly parts: WindowPart[];
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
}

/**
 * The data of one metric over [from, to), de-duplicated (see window-query-build.ts): every
 * series any writer holds data of, with its parts. A range ending at `now` or later also holds
 * the slot being recorded into. Read-only once built; histogram rollups are decoded on first use
 * and the decoded counts kept for the window's life (one evaluation tick, or one call), so an
 * `hdr` is decoded once however many rules read it.
 */
export class MetricWindow {
  private readonly decoded = new Map<WindowPart, SparseCounts | null>();

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
    /** The writer id of this process (its parts from memory carry it). */
    readonly self: string,
    private readonly scale: WindowScale,
  ) {}

  /** True when `part` overlaps [from, to); a range ending at `now` or later takes every later slot too. */
  covers(part: WindowPart, from: number, to: number): boolean {
    return part.end > from && part.start < (to >= this.now ? Infinity : to);
  }

  /** An empty distribution in the window's layout and resolution. */
  distribution(): Distribution {
    return new Distribution(this.scale.layout, this.scale.resolution);
  }

  /** Adds a part's values (its distribution when it has one, else its totals) to `dist`. */
  addPart(dist: Distribution, part: WindowPart): void {
    if (part.count === 0) return;
    if (part.slot !== undefined) {
      dist.addSlot(part.slot);
      return;
    }
    const counts = this.countsOf(part);
    if (counts !== null && counts.total > 0) dist.addCounts(counts, part.sum, part.min, part.max);
    else dist.addTotals(part.count, part.sum, part.min, part.max);
  }

  /** Count, sum, min, max and newest mean of `series` over [from, to); with `withDist`, their distribution too. */
  stats(series: Iterable<WindowSeries>, from: number, to: number, withDist: boolean): RangeStats {
    const stats: RangeStats = { count: 0, sum: 0, min: Infinity, max: -Infinity, lastMean: Number.NaN, dist: withDist ? this.distribution() : undefined };
    let newest = -Infinity;
    for (const s of series) {
      for (const p of s.parts) {
        if (p.count === 0 || !this.covers(p, from, to)) continue;
        stats.count += p.count;
        stats.sum += p.sum;
        if (p.min < stats.min) stats.min = p.min;
        if (p.max > stats.max) stats.max = p.max;
        if (p.start > newest) {
          newest = p.start;
          stats.lastMean = p.sum / p.count;
        }
        if (stats.dist !== undefined) this.addPart(stats.dist, p);
      }
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
        if (ownNow && s.current !== undefined && p.writer === this.self) continue;
        const seen = newest.get(p.writer);
        if (seen === undefined || p.start > seen.start || (p.start === seen.start && p.end >= seen.end)) newest.set(p.writer, p);
      }
      if (ownNow && s.current !== undefined) total = (total ?? 0) + s.current;
      for (const p of newest.values()) total = (total ?? 0) + p.last!;
    }
    return total;
  }

  /** Decoded bucket counts of a rollup part (null without an `hdr`, or when it cannot be decoded). */
  private countsOf(part: WindowPart): SparseCounts | null {
    const r = part.rollup;
    if (r?.hdr === undefined) return null;
    let counts = this.decoded.get(part);
    if (counts !== undefined) return counts;
    try {
      counts = decodeRollupHdr(r.hdr, r.resolution ?? this.scale.resolution, this.scale.layout, this.scale.resolution);
    } catch {
      // A store returned data that is no HdrHistogram encoding: its totals still count.
      counts = null;
    }
    this.decoded.set(part, counts);
    return counts;
  }
}
