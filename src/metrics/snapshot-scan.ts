import type { NewestMean } from './newest-mean.js';
import type { RangeStats } from './window-query-window.js';

/** What the data of one slot start adds up to: a slot's merged counts are reused while this is unchanged. */
export interface Fingerprint {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Memory slots and rollup parts merged. */
  n: number;
}

/** Totals of one scan over a window: the range's, each series', and each slot start's. */
export interface WindowScan {
  stats: Omit<RangeStats, 'dist'>;
  /** Per series of `window.series` (same order): its count and max over the range. */
  seriesCount: Float64Array;
  seriesMax: Float64Array;
  /** Per slot start, in the order a pass over the window first meets them: the fingerprint of its data. */
  starts: Map<number, Fingerprint>;
}

/** A `WindowTally.scan` under way (snapshot-tally.ts): its copies of the closed totals, and where its pass is. */
export interface Scanning {
  from: number;
  now: number;
  keys: number[];
  fp: Fingerprint[];
  first: number[];
  fpSum: number[];
  seriesCount: Float64Array;
  seriesMax: Float64Array;
  stats: Omit<RangeStats, 'dist'>;
  last: NewestMean;
  /** The running sum of the pass, and the next closed figure it adds. */
  sum: number;
  next: number;
  /** The start of the last open slot added, and its index in `keys`. */
  lastStart: number;
  k: number;
}

/**
 * A scan's result once every open slot was added (`WindowTally.scan`): the closed data after the
 * last one (`sums`, with the index of each one's start in `startOf`), then the slot starts in
 * the order the pass first met them.
 */
export function finishScan(run: Scanning, sums: Float64Array, startOf: Uint32Array): WindowScan {
  const { from, keys, fp, first, fpSum, seriesCount, seriesMax, stats, last } = run;
  let sum = run.sum;
  for (let next = run.next; next < sums.length; next++) {
    sum += sums[next]!;
    fpSum[startOf[next]!]! += sums[next]!;
  }
  stats.sum = sum;
  stats.lastMean = last.mean(Number.NaN);
  const order: number[] = [];
  for (let t = 0; t < fp.length; t++) {
    if (fp[t]!.n === 0) continue;
    fp[t]!.sum = fpSum[t]!;
    order.push(t);
  }
  order.sort((a, b) => first[a]! - first[b]!);
  // Keyed as a pass keys them (start - from, then + from): the same numbers to the bit.
  const byStart = new Map<number, Fingerprint>();
  for (const t of order) byStart.set(keys[t]! - from + from, fp[t]!);
  return { stats, seriesCount, seriesMax, starts: byStart };
}
