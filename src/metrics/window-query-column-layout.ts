import type { MetricKind, Rollup } from '../storage/contract.js';

// The layout of a kept series' columns (window-query-columns.ts' `KeptSeries`): which number and
// which reference of a part sits where, and the part shapes written in and read out. Apart from
// the series class so that both stay short; it imports no other window-query module.

/** Numbers a part: start, end, count, sum, min, max, last, resolution, flags (which of last and resolution are set). */
export const F = 9;
export const START = 0;
export const END = 1;
export const COUNT = 2;
export const SUM = 3;
export const MIN = 4;
export const MAX = 5;
export const LAST = 6;
export const RESOLUTION = 7;
export const FLAGS = 8;
/** References a part: instance, hdr, decoded bucket counts (a window's, for `memoDigits` and `memoResolution`), kind. */
export const R = 4;
/** Where a part's instance is among its references. */
export const INSTANCE = 0;
/** Where a part's hdr is among its references. */
export const HDR = 1;
export const DECODED = 2;
/** Where a part's kind is among its references. */
export const KIND = 3;

/** Flag: the part carries a last value. */
export const HAS_LAST = 1;
/** Flag: the part carries a resolution. */
export const HAS_RESOLUTION = 2;

/** What a part is written from: a rollup or a part (window-query-series.ts' `WindowPart`). */
export type PartFields = Readonly<Pick<Rollup, 'kind' | 'start' | 'end' | 'count' | 'sum' | 'min' | 'max' | 'last' | 'instance' | 'hdr' | 'resolution'>>;

/** A part as the window reads one (the shape of window-query-window.ts' `MemoPart`). */
export interface ColumnPart {
  readonly kind: MetricKind;
  readonly start: number;
  readonly end: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly last: number | undefined;
  readonly instance: string | undefined;
  readonly hdr: string | undefined;
  readonly resolution: number | undefined;
  decoded: unknown;
}
