import type { MetricKind } from '../storage/contract.js';
import { writerOf } from '../storage/instance.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { DecodedHistograms } from './window-query-decode.js';
import type { DistMemo } from './window-query-dist-memo.js';
import { rangeCount } from './window-query-count.js';
import { rangeStats, type StatsScope } from './window-query-stats.js';
import type { RangeStats, WindowPart, WindowScale, WindowSeries } from './window-query-types.js';

export type { DecodedMemo, MemoPart, RangeStats, WindowPart, WindowScale, WindowSeries } from './window-query-types.js';

/**
 * The data of one metric over [from, to), de-duplicated (see window-query-build.ts): every
 * series any writer holds data of, with its parts. A range ending at `now` or later also holds
 * the slot being recorded into. Read-only once built. Histogram rollups are decoded on first use
 * through the monitor's {@link DecodedHistograms}, which keeps them between reads: an `hdr` is
 * decoded once however many rules, ticks and snapshots read it (while it stays in the cache).
 */
export class MetricWindow {
  private readonly writers = new Map<string | undefined, string>();
  /** What the stats loop reads of the window. */
  private readonly scope: StatsScope;

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
    decoded: DecodedHistograms,
  ) {
    this.scope = { now, scale, decoded };
  }

  /** Length (ms) of the slots in memory: the grid `rate` counts covered time on. */
  get slotLength(): number {
    return this.scale.slotLength;
  }

  /** True when `part` overlaps [from, to); a range ending at `now` or later takes every later slot too. */
  covers(part: WindowPart, from: number, to: number): boolean {
    return part.end > from && part.start < (to >= this.now ? Infinity : to);
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

  /**
   * Count, sum, min, max and newest mean of `series` over [from, to); with `withDist`, their
   * distribution too (see `rangeStats`). `memo`: the closed data's bucket counts kept from the
   * last call for the same group (the rule engine's, see window-query-dist-memo.ts). `out`: an
   * object to fill and return instead of a new one.
   */
  stats(series: Iterable<WindowSeries>, from: number, to: number, withDist: boolean, memo?: DistMemo, out?: RangeStats): RangeStats {
    return rangeStats(this.scope, series, from, to, withDist, memo, out);
  }

  /**
   * The count of the series of `series` whose labels `keep` takes, over [from, to): what
   * `stats(series.filter(...), from, to, false).count` gives, without the array and the sums.
   */
  count(series: readonly WindowSeries[], from: number, to: number, keep: (labels: Readonly<Record<string, string>>) => boolean): number {
    return rangeCount(this.scope, series, from, to, keep);
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

  /** The instance that wrote a part, without its run suffix (`writerOf`), computed once per instance. */
  private writerOf(instance: string | undefined): string {
    let writer = this.writers.get(instance);
    if (writer === undefined) this.writers.set(instance, (writer = writerOf(instance)));
    return writer;
  }
}
