import type { Rollup } from '../storage/contract.js';
import type { Distribution } from './distribution.js';
import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';

// The shapes a window is made of (parts, series, range stats, scale), apart from the window
// (window-query-window.ts) and its stats loop (window-query-stats.ts), which both read them.

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
