import type { DecodedHistograms } from './window-query-decode.js';
import type { HistogramSlot } from './histogram-slot.js';
import { SparseCounts, type BucketLayout } from './log-buckets.js';
import type { Fingerprint } from './snapshot-tally.js';
import type { SnapshotWork } from './snapshot-work.js';
import { COUNT, END, F, isKept, MAX, MIN, START, SUM, type KeptSeries } from './window-query-columns.js';
import type { MetricWindow, WindowPart } from './window-query-window.js';

/** One slot start's data merged over the window's series: bucket counts and what forces buckets. */
export interface SlotCounts extends Fingerprint {
  /** `[index, count, ...]` in increasing index order. */
  pairs: Float64Array;
  /** Values held exactly in memory slots (a merge under the exact limit keeps them raw: snapshot-slots.ts). */
  exact: number;
  /** A memory slot holds buckets only, or a rollup decoded: the merge is bucketed whatever the count. */
  bucketed: boolean;
}

/** How a window's histograms merge: the metric's own layout and resolution, and the monitor's decoded rollups. */
export interface SlotScale {
  layout: BucketLayout;
  resolution: number;
  slotLength: number;
  decoded: DecodedHistograms;
}

/** The series a merge reads: a window's, or the open slots that hold all of a start's data. */
export type MergedSeries = readonly { slots: readonly HistogramSlot[]; parts: readonly WindowPart[] }[];

export const NO_PAIRS = new Float64Array(0);

/**
 * Units charged per rollup whose histogram a merge decodes (before the division by 3 below): a
 * decode the monitor has not cached costs 7-16 µs of CPU (window-query-decode.ts), about ten
 * units. Uncharged, a snapshot's first merge decoded 6,000 rollups in one chunk (46 ms of CPU at
 * a load average of 8 on 2 cores), and each merge after a slot closed the 5,000 just written.
 */
const DECODE_UNITS = 30;

/** Units (before the division by 3) a merge adds between two checks of the chunk's budget: a few series, about 0.2 ms warm. */
const PIECE_UNITS = 900;

/**
 * The merged counts of the slot starts `wanted` over every series of `h` in [from, now) (or over
 * `only`, when they hold all of those starts' data, in the window's order): memory slots by
 * their buckets (as `Distribution.addSlot` takes them once bucketed), rollups by their decoded
 * `hdr` (as `MetricWindow.stats` decodes them), a rollup that does not decode by its totals.
 * The series are merged by a synchronous method a few at a time ({@link PIECE_UNITS}), charged
 * to `work` between them: in the async function itself, each figure kept across a pause would
 * be a heap allocation (3-4 MB a merge of 5,000 series after a slot closed).
 */
export async function mergeStarts(h: MetricWindow, wanted: ReadonlySet<number>, scale: SlotScale, from: number, now: number, only: MergedSeries = h.series, work?: SnapshotWork): Promise<Map<number, SlotCounts>> {
  const merge = new StartMerge(h, wanted, scale, from, now);
  while (merge.next < only.length) {
    const units = merge.addSome(only, work === undefined ? Number.POSITIVE_INFINITY : PIECE_UNITS);
    // A merge costs about a sixth of a window build's unit per value (measured per chunk).
    if (work?.charge(units / 3) === true) await work.pause();
  }
  return merge.result();
}

/** One start's accumulation in a {@link StartMerge}. */
interface Merging {
  counts: SparseCounts;
  f: SlotCounts;
  /** Adds a bucket count to `counts` (one function per start, not one per slot merged). */
  addBucket: (index: number, count: number) => void;
}

/** A {@link mergeStarts} under way: the counts per start so far, and the next series to merge. */
class StartMerge {
  private readonly acc = new Map<number, Merging>();
  /** Most calls merge one start (the open slot's): a comparison, not a set lookup, per slot. */
  private readonly one: number;
  private readonly scaleOf: number;
  next = 0;

  constructor(
    private readonly h: MetricWindow,
    private readonly wanted: ReadonlySet<number>,
    private readonly scale: SlotScale,
    private readonly from: number,
    private readonly now: number,
  ) {
    this.one = wanted.size === 1 ? wanted.values().next().value! : Number.NaN;
    this.scaleOf = 1 / scale.resolution;
  }

  private isWanted(start: number): boolean {
    return start === this.one || (this.wanted.size > 1 && this.wanted.has(start));
  }

  private at(start: number): Merging {
    let a = this.acc.get(start);
    if (a === undefined) {
      const counts = new SparseCounts(this.scale.layout);
      a = { counts, f: { count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0, pairs: NO_PAIRS, exact: 0, bucketed: false }, addBucket: (index, count) => counts.add(index, count) };
      this.acc.set(start, a);
    }
    return a;
  }

  /** Merges series from {@link next} until `most` units are done or none is left; the units done. */
  addSome(only: MergedSeries, most: number): number {
    const { h, from, now, scale, scaleOf } = this;
    let done = 0;
    let i = this.next;
    for (; i < only.length && done < most; i++) {
      const s = only[i]!;
      // A stored series kept in columns (no memory slots): its rows read in place.
      if (isKept(s)) {
        done += 1 + s.n + this.addRows(s);
        continue;
      }
      // A unit per slot and part looked at, and per two values or buckets merged.
      done += 1 + s.slots.length + s.parts.length;
      for (let k = 0; k < s.slots.length; k++) {
        const slot = s.slots[k]!;
        if (!this.isWanted(slot.start) || !h.holds(slot, from, now)) continue;
        const a = this.at(slot.start);
        total(a.f, slot);
        if (slot.exact) a.f.exact += slot.count;
        else a.f.bucketed = true;
        slot.forEachBucket(scale.layout, scaleOf, a.addBucket);
        done += slot.exact ? slot.count / 2 : 32;
      }
      for (let k = 0; k < s.parts.length; k++) {
        const p = s.parts[k]!;
        if (p.count === 0 || !this.isWanted(p.start) || !h.covers(p, from, now)) continue;
        const a = this.at(p.start);
        total(a.f, p);
        const pairs = decode(p, scale);
        if (pairs === null) continue;
        a.f.bucketed = true;
        for (let j = 0; j < pairs.length; j += 2) a.counts.add(pairs[j]!, pairs[j + 1]!);
        done += pairs.length / 4 + DECODE_UNITS;
      }
    }
    this.next = i;
    return done;
  }

  /** The rows of a series held in columns, as the parts loop of {@link addSome} adds them; the units of what was decoded. */
  private addRows(s: KeptSeries): number {
    const { h, from, now, scale } = this;
    const c = s.cols;
    // `MetricWindow.covers` on the row's start and end.
    const to = now >= h.now ? Number.POSITIVE_INFINITY : now;
    let done = 0;
    for (let r = 0; r < s.n; r++) {
      const o = r * F;
      const start = c[o + START]!;
      const count = c[o + COUNT]!;
      if (count === 0 || !this.isWanted(start) || !(c[o + END]! > from && start < to)) continue;
      const a = this.at(start);
      const f = a.f;
      f.count += count;
      f.sum += c[o + SUM]!;
      if (c[o + MIN]! < f.min) f.min = c[o + MIN]!;
      if (c[o + MAX]! > f.max) f.max = c[o + MAX]!;
      f.n++;
      const hdr = s.hdrAt(r);
      if (hdr === undefined) continue;
      const pairs = scale.decoded.get(hdr, s.resolutionAt(r) ?? scale.resolution, scale.layout, scale.resolution);
      if (pairs === null) continue;
      f.bucketed = true;
      for (let j = 0; j < pairs.length; j += 2) a.counts.add(pairs[j]!, pairs[j + 1]!);
      done += pairs.length / 4 + DECODE_UNITS;
    }
    return done;
  }

  /** The counts of each start met, as pairs. */
  result(): Map<number, SlotCounts> {
    const out = new Map<number, SlotCounts>();
    for (const [start, { counts, f }] of this.acc) {
      const pairs: number[] = [];
      counts.forEach((index, count) => pairs.push(index, count));
      f.pairs = Float64Array.from(pairs);
      out.set(start, f);
    }
    return out;
  }
}

function total(f: SlotCounts, x: HistogramSlot | WindowPart): void {
  f.count += x.count;
  f.sum += x.sum;
  if (x.min < f.min) f.min = x.min;
  if (x.max > f.max) f.max = x.max;
  f.n++;
}

/** A rollup's decoded counts in the window's scale, through the monitor's cache of decoded histograms. */
function decode(p: WindowPart, scale: SlotScale): Float64Array | null {
  if (p.hdr === undefined) return null;
  return scale.decoded.get(p.hdr, p.resolution ?? scale.resolution, scale.layout, scale.resolution);
}
