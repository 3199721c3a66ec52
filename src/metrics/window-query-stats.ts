import { Distribution } from './distribution.js';
import type { DecodedHistograms } from './window-query-decode.js';
import { COUNT, END, F, isKept, MAX, MIN, START, SUM } from './window-query-columns.js';
import { pairsAt, pairsOf } from './window-query-pairs.js';
import { ringPairs, RF, type RingView } from './window-query-ring.js';
import { merged } from './window-query-merged.js';
import type { DistMemo } from './window-query-dist-memo.js';
import { closedPairs, held, heldAt, heldView, releaseScratch } from './window-query-stats-scratch.js';
import type { RangeStats, WindowScale, WindowSeries } from './window-query-types.js';

export { mergedBucketsLength } from './window-query-merged.js';

/** A window series whose ring was read through a `RingCache` (window-query-build.ts' entries). */
type RingSeries = WindowSeries & { readonly ring?: RingView | undefined };

// The range totals and distributions of a window's series (`MetricWindow.stats`): the loop every
// rule runs over every slot and part it reads at every tick.

/** Adds a slot's buckets to `merged` (one function, not a closure per slot). */
const addToMerged = (index: number, count: number): void => merged.add(index, count);
/** What {@link rangeStats} reads besides the series: the window's now, scale and decoded rollups. */
export interface StatsScope {
  readonly now: number;
  readonly scale: WindowScale;
  readonly decoded: DecodedHistograms;
}

/**
 * Count, sum, min, max and newest mean of `series` over [from, to); with `withDist`, their
 * distribution too: decoded rollups' bucket counts, then the memory slots (exact while no
 * rollup has counts; otherwise as buckets), the same counts and values in whatever order.
 */
export function rangeStats(scope: StatsScope, series: Iterable<WindowSeries>, from: number, to: number, withDist: boolean, memo?: DistMemo, out?: RangeStats): RangeStats {
  const { scale } = scope;
  const dist = withDist ? new Distribution(scale.layout, scale.resolution) : undefined;
  // `out`: the caller's object to fill (the rule engine's group stats), not a copy of a new one.
  const stats: RangeStats = out ?? { count: 0, sum: 0, min: Infinity, max: -Infinity, lastMean: Number.NaN, dist };
  stats.dist = dist;
  const list = Array.isArray(series) ? (series as readonly WindowSeries[]) : [...series];
  // The loops below touch every slot and part of a window at every rule tick: indexed (a for-of
  // over slot arrays of several shapes made an iterator and a result object per step), each
  // field read once, and the range's end resolved once, not per part.
  const end = to >= scope.now ? Infinity : to;
  const slotFrom = from - scale.slotLength;
  // The newest mean, as NewestMean.add keeps it (newest-mean.ts; the snapshot's tally uses the
  // class), in three locals: no object a call, no call an entry.
  let lastStart = -Infinity;
  let lastCount = 0;
  let lastSum = 0;
  let nHeld = 0;
  let nPairs = 0;
  let decoded = false;
  let decodedMin = Infinity;
  let decodedMax = -Infinity;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let k = 0; k < list.length; k++) {
    const s = list[k]!;
    const slots = s.slots;
    const view = isKept(s) ? undefined : (s as RingSeries).ring;
    if (view !== undefined) {
      // A ring read through a `RingCache`: its closed slots' numbers from one block, in ring
      // order as below (the same sums in the same order), the open slot from itself.
      const rc = view.cols;
      const openAt = view.openAt;
      for (let j = 0; j < slots.length; j++) {
        let c: number;
        let start: number;
        let sl: number;
        let lo: number;
        let hi: number;
        if (j === openAt) {
          const slot = slots[j]!;
          c = slot.count;
          start = slot.start;
          sl = slot.sum;
          lo = slot.min;
          hi = slot.max;
        } else {
          const o = j * RF;
          c = rc[o + 1]!;
          start = rc[o]!;
          sl = rc[o + 2]!;
          lo = rc[o + 3]!;
          hi = rc[o + 4]!;
        }
        if (c === 0 || start <= slotFrom || start >= end) continue;
        count += c;
        sum += sl;
        if (lo < min) min = lo;
        if (hi > max) max = hi;
        if (!(start < lastStart)) {
          if (start > lastStart) {
            lastStart = start;
            lastCount = 0;
            lastSum = 0;
          }
          lastCount += c;
          lastSum += sl;
        }
        if (withDist) {
          held[nHeld] = slots[j]!;
          const closed = j !== openAt;
          heldView[nHeld] = closed ? view : undefined;
          heldAt[nHeld] = closed ? j : -1;
          nHeld++;
        }
      }
    } else {
      for (let j = 0; j < slots.length; j++) {
        const slot = slots[j]!;
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
        if (!(start < lastStart)) {
          if (start > lastStart) {
            lastStart = start;
            lastCount = 0;
            lastSum = 0;
          }
          lastCount += c;
          lastSum += sl;
        }
        if (withDist) {
          held[nHeld] = slot;
          heldView[nHeld] = undefined;
          heldAt[nHeld] = -1;
          nHeld++;
        }
      }
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
        if (!(start < lastStart)) {
          if (start > lastStart) {
            lastStart = start;
            lastCount = 0;
            lastSum = 0;
          }
          lastCount += c;
          lastSum += sl;
        }
        if (dist === undefined) continue;
        const pairs = pairsAt(scope, s, i);
        if (pairs === null) dist.addTotals(c, sl, lo, hi);
        else {
          // A decoded rollup's min and max count once any rollup had counts.
          if (lo < decodedMin) decodedMin = lo;
          if (hi > decodedMax) decodedMax = hi;
          if (pairs.length === 0) continue;
          decoded = true;
          closedPairs[nPairs++] = pairs;
        }
      }
      continue;
    }
    const parts = s.parts;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const c = p.count;
      if (c === 0 || p.end <= from || p.start >= end) continue;
      count += c;
      sum += p.sum;
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
      if (!(p.start < lastStart)) {
        if (p.start > lastStart) {
          lastStart = p.start;
          lastCount = 0;
          lastSum = 0;
        }
        lastCount += c;
        lastSum += p.sum;
      }
      if (dist === undefined) continue;
      const pairs = pairsOf(scope, p);
      if (pairs === null) dist.addTotals(c, p.sum, p.min, p.max);
      else {
        if (p.min < decodedMin) decodedMin = p.min;
        if (p.max > decodedMax) decodedMax = p.max;
        if (pairs.length === 0) continue;
        decoded = true;
        closedPairs[nPairs++] = pairs;
      }
    }
  }
  stats.count = count;
  stats.sum = sum;
  stats.lastMean = lastCount > 0 ? lastSum / lastCount : Number.NaN;
  stats.min = min;
  stats.max = max;
  if (dist !== undefined) {
    if (decoded) {
      // Decoded rollups hold bucket counts: the distribution is bucketed, and each memory slot
      // goes in as its buckets (what a bucketed distribution makes of a slot), summed with them.
      const bucketScale = 1 / scale.resolution;
      merged.min = decodedMin;
      merged.max = decodedMax;
      // closedPairs: the decoded rollups' up to here, then the closed ring slots' in held order.
      const rollupPairs = nPairs;
      let openCount = 0;
      for (let i = 0; i < nHeld; i++) {
        if (heldView[i] === undefined) openCount += held[i]!.count;
        const view = heldView[i];
        if (view !== undefined) {
          // A closed slot of a cached ring: its numbers from the ring's block, its buckets from
          // the view (the same as its `forEachBucket`), the slot object left untouched.
          const o = heldAt[i]! * RF;
          if (view.cols[o + 3]! < merged.min) merged.min = view.cols[o + 3]!;
          if (view.cols[o + 4]! > merged.max) merged.max = view.cols[o + 4]!;
          closedPairs[nPairs++] = ringPairs(view, heldAt[i]!, scale.layout, bucketScale);
        }
      }
      // The closed data's buckets: kept by the group's memo from the last tick, updated by what
      // came and went. Exact only while every partial sum is: whole counts whose grand total
      // (the memo's and the other memory slots', whose bucket counts sum to their counts) is at
      // most 2^53 - 1 sum the same in any order. Else summed here in the order a read without
      // caches sums them: rollups, then the memory slots in ring order (a sum past 2^53 rounds
      // by the order of its terms).
      const withMemo = memo !== undefined && memo.update(closedPairs, nPairs) && memo.total + openCount <= Number.MAX_SAFE_INTEGER;
      if (withMemo) {
        // Every other memory slot (open, or of a ring read as it is) as its buckets; the memo's
        // are summed in as the distribution is handed over (below).
        for (let i = 0; i < nHeld; i++) {
          if (heldView[i] !== undefined) continue;
          const slot = held[i]!;
          if (slot.min < merged.min) merged.min = slot.min;
          if (slot.max > merged.max) merged.max = slot.max;
          slot.forEachBucket(scale.layout, bucketScale, addToMerged);
        }
      } else {
        for (let i = 0; i < rollupPairs; i++) {
          const pairs = closedPairs[i]!;
          for (let q = 0; q < pairs.length; q += 2) merged.add(pairs[q]!, pairs[q + 1]!);
        }
        let k = rollupPairs;
        for (let i = 0; i < nHeld; i++) {
          if (heldView[i] !== undefined) {
            const pairs = closedPairs[k++]!;
            for (let q = 0; q < pairs.length; q += 2) merged.add(pairs[q]!, pairs[q + 1]!);
            continue;
          }
          const slot = held[i]!;
          if (slot.min < merged.min) merged.min = slot.min;
          if (slot.max > merged.max) merged.max = slot.max;
          slot.forEachBucket(scale.layout, bucketScale, addToMerged);
        }
      }
      // Any count: the distribution's count and sum are set from the totals below.
      merged.count = 1;
      if (withMemo) memo.addWithTo(merged, dist);
      else merged.addTo(dist);
      merged.reset();
    } else {
      for (let i = 0; i < nHeld; i++) dist.addSlot(held[i]!);
    }
    releaseScratch(nHeld, nPairs);
    // Parts whose counts disagree with their totals (an hdr that failed to decode) leave the
    // distribution's totals off: the totals above are exact.
    dist.count = stats.count;
    dist.sum = stats.sum;
  }
  return stats;
}
