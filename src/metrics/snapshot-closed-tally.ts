import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import { NewestMean } from './newest-mean.js';
import type { Fingerprint } from './snapshot-scan.js';
import { COUNT, END, F, isKept, MAX, MIN, START, SUM } from './window-query-columns.js';
import type { MetricWindow, WindowPart } from './window-query-window.js';

/**
 * The closed data of a histogram window over [from, now) (closed memory slots and rollup
 * parts: what no longer changes), summed once in the order of a pass over the window, and where
 * this process's open slots fall among it: what `WindowTally.build` (snapshot-tally.ts) adds up,
 * a few series at a time, before the tally takes these figures over. Apart from the tally
 * because it is the other half of the work: this is done once per window, the tally's scan of
 * the open slots at each snapshot.
 */
export class ClosedTally {
  /** Closed data in range, in pass order: its sum and the index of its start in `startAt` (`n` of them, in arrays grown by doubling). */
  sums = new Float64Array(1_024);
  starts = new Uint32Array(1_024);
  n = 0;
  /** The closed memory slot of the oldest start counted, and the earliest end of the parts counted: when either leaves the range the tally is stale. */
  oldestSlot: HistogramSlot | undefined = undefined;
  partsEnd = Infinity;
  /** The distinct starts met, and per start: the closed data's totals and where the pass first met it. */
  readonly startAt: number[] = [];
  readonly startIndex = new Map<number, number>();
  readonly fp: Fingerprint[] = [];
  readonly first: number[] = [];
  /** Per series: the count and max of its closed data. */
  readonly seriesCount: Float64Array;
  readonly seriesMax: Float64Array;
  /** The closed data's totals, and its newest start's mean. */
  readonly totals = { count: 0, min: Infinity, max: -Infinity, last: new NewestMean() };
  /** Open slots (one per ring) in pass order: its series, its place in the series' ring and its place among the closed data. */
  readonly openSeries: number[] = [];
  readonly ringIndex: number[] = [];
  readonly openAt: number[] = [];

  constructor(private readonly h: MetricWindow) {
    this.seriesCount = new Float64Array(h.series.length);
    this.seriesMax = new Float64Array(h.series.length).fill(-Infinity);
  }

  /** Adds the closed data of series [first, end) (see `WindowTally.build`); the units visited. */
  addSeries(first: number, end: number, from: number, now: number): number {
    const h = this.h;
    let units = 0;
    for (let i = first; i < end; i++) {
      const s = h.series[i]!;
      for (let k = 0; k < s.slots.length; k++) {
        const slot = s.slots[k]!;
        if (slot instanceof OpenSlot) {
          this.openSeries.push(i);
          this.ringIndex.push(k);
          this.openAt.push(this.n);
        } else if (h.holds(slot, from, now)) {
          this.add(i, slot.start, slot.count, slot.sum, slot.min, slot.max);
          if (this.oldestSlot === undefined || slot.start < this.oldestSlot.start) this.oldestSlot = slot;
        }
      }
      if (isKept(s)) {
        // A stored series kept in columns: its rows read in place (`MetricWindow.covers` on their start and end).
        const c = s.cols;
        const to = now >= h.now ? Number.POSITIVE_INFINITY : now;
        for (let r = 0; r < s.n; r++) {
          const o = r * F;
          if (c[o + COUNT] === 0 || !(c[o + END]! > from && c[o + START]! < to)) continue;
          this.add(i, c[o + START]!, c[o + COUNT]!, c[o + SUM]!, c[o + MIN]!, c[o + MAX]!);
          if (c[o + END]! < this.partsEnd) this.partsEnd = c[o + END]!;
        }
        units += 1 + s.slots.length + s.n;
        continue;
      }
      for (const p of s.parts as readonly WindowPart[]) {
        if (p.count === 0 || !h.covers(p, from, now)) continue;
        this.add(i, p.start, p.count, p.sum, p.min, p.max);
        if (p.end < this.partsEnd) this.partsEnd = p.end;
      }
      units += 1 + s.slots.length + s.parts.length;
    }
    return units;
  }

  /** Counts one closed slot or part of series `i`, the next in pass order. */
  private add(i: number, start: number, count: number, sum: number, min: number, max: number): void {
    const at = this.n;
    let k = this.startIndex.get(start);
    if (k === undefined) {
      k = this.startAt.length;
      this.startIndex.set(start, k);
      this.startAt.push(start);
      this.fp.push({ count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0 });
      this.first.push(at);
    }
    const f = this.fp[k]!;
    f.count += count;
    f.sum += sum;
    if (min < f.min) f.min = min;
    if (max > f.max) f.max = max;
    f.n++;
    if (at === this.sums.length) {
      const sums = new Float64Array(at * 2);
      sums.set(this.sums);
      this.sums = sums;
      const starts = new Uint32Array(at * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    this.sums[at] = sum;
    this.starts[at] = k;
    this.n = at + 1;
    this.seriesCount[i]! += count;
    if (max > this.seriesMax[i]!) this.seriesMax[i] = max;
    const c = this.totals;
    c.count += count;
    if (min < c.min) c.min = min;
    if (max > c.max) c.max = max;
    c.last.add(start, count, sum);
  }
}
