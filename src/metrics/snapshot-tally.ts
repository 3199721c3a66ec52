import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import type { MetricWindow, RangeStats, WindowPart } from './window-query-window.js';

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

/**
 * A histogram window's totals over [from, now) kept between snapshots: the data that no longer
 * changes (closed memory slots and rollup parts) summed once, the open slots of this process's
 * series read at each {@link scan}. A snapshot of 5,000 series read 55,000 closed slots (each
 * decoding its sum, min and max from bytes) and did a Map lookup per slot at every call; now it
 * adds 55,000 numbers and reads 5,000 open slots.
 *
 * The figures are those of a pass over the whole window in its order (series by series, each
 * one's ring slots then its parts), to the bit: floating-point sums are added in that order (the
 * closed sums are kept in it, with each open slot's place among them), and slot starts come out
 * in the order that pass first meets them. The tally holds while the window does: it is built
 * again once {@link current} is false (a slot of a series in it closed) or `from` reaches
 * {@link expiresAt} (a closed slot or part left the range).
 */
export class WindowTally {
  private readonly from: number;
  /** The closed memory slot of the oldest start counted, and the earliest end of the parts counted: when either leaves the range the tally is stale. */
  private readonly oldestSlot: HistogramSlot | undefined;
  private readonly partsEnd: number;
  /** Closed data in range, in pass order: its sum and the index of its start in `startAt`. */
  private readonly closedSum: Float64Array;
  private readonly closedStart: Uint32Array;
  /** The distinct starts met, and per start: the closed data's totals and where the pass first met it. */
  private readonly startAt: number[] = [];
  private readonly startIndex = new Map<number, number>();
  private readonly closedFp: Fingerprint[] = [];
  private readonly closedFirst: number[] = [];
  /** Per series: the count and max of its closed data. */
  private readonly closedCount: Float64Array;
  private readonly closedMax: Float64Array;
  /** The closed data's totals, and its newest start's first mean. */
  private readonly closed = { count: 0, min: Infinity, max: -Infinity, newest: -Infinity, newestMean: Number.NaN, newestAt: -1 };
  /** Open slots (this process's, one per ring), in pass order: the slot, its series, its place among the closed data, its ring and index. */
  private readonly open: OpenSlot[] = [];
  private readonly openSeries: number[] = [];
  private readonly openAt: number[] = [];
  private readonly rings: (readonly HistogramSlot[])[] = [];
  private readonly ringIndex: number[] = [];

  /** Sums the window `h` over [from, now) once. */
  constructor(
    private readonly h: MetricWindow,
    from: number,
    now: number,
  ) {
    this.from = from;
    this.closedCount = new Float64Array(h.series.length);
    this.closedMax = new Float64Array(h.series.length).fill(-Infinity);
    const sums: number[] = [];
    const starts: number[] = [];
    let partsEnd = Infinity;
    const add = (i: number, start: number, count: number, sum: number, min: number, max: number): void => {
      const at = sums.length;
      let k = this.startIndex.get(start);
      if (k === undefined) {
        k = this.startAt.length;
        this.startIndex.set(start, k);
        this.startAt.push(start);
        this.closedFp.push({ count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0 });
        this.closedFirst.push(at);
      }
      const f = this.closedFp[k]!;
      f.count += count;
      f.sum += sum;
      if (min < f.min) f.min = min;
      if (max > f.max) f.max = max;
      f.n++;
      sums.push(sum);
      starts.push(k);
      this.closedCount[i]! += count;
      if (max > this.closedMax[i]!) this.closedMax[i] = max;
      const c = this.closed;
      c.count += count;
      if (min < c.min) c.min = min;
      if (max > c.max) c.max = max;
      if (start > c.newest) {
        c.newest = start;
        c.newestMean = sum / count;
        c.newestAt = at;
      }
    };
    for (let i = 0; i < h.series.length; i++) {
      const s = h.series[i]!;
      for (let k = 0; k < s.slots.length; k++) {
        const slot = s.slots[k]!;
        if (slot instanceof OpenSlot) {
          this.open.push(slot);
          this.openSeries.push(i);
          this.openAt.push(sums.length);
          this.rings.push(s.slots);
          this.ringIndex.push(k);
        } else if (h.holds(slot, from, now)) {
          add(i, slot.start, slot.count, slot.sum, slot.min, slot.max);
          if (this.oldestSlot === undefined || slot.start < this.oldestSlot.start) this.oldestSlot = slot;
        }
      }
      for (const p of s.parts as readonly WindowPart[]) {
        if (p.count === 0 || !h.covers(p, from, now)) continue;
        add(i, p.start, p.count, p.sum, p.min, p.max);
        if (p.end < partsEnd) partsEnd = p.end;
      }
    }
    this.closedSum = Float64Array.from(sums);
    this.closedStart = Uint32Array.from(starts);
    this.partsEnd = partsEnd;
  }

  /** False once a slot of a series in the window closed: its ring no longer holds the open slot where it did. */
  current(): boolean {
    for (let j = 0; j < this.open.length; j++) if (this.rings[j]![this.ringIndex[j]!] !== this.open[j]) return false;
    return true;
  }

  /**
   * True while the tally counts what a pass over the window from `from` to its end would: no
   * slot closed under it (see {@link current}), `from` not moved back, and no closed data it
   * counted left the range (its oldest memory slot, its earliest-ending part).
   */
  holdsFor(from: number): boolean {
    const h = this.h;
    return from >= this.from && from < this.partsEnd && (this.oldestSlot === undefined || h.holds(this.oldestSlot, from, h.now)) && this.current();
  }

  /**
   * The window's totals over [from, now) (see {@link holdsFor}): the range's, each series' count
   * and max, and each slot start's fingerprint, as one pass over the window gives them.
   */
  scan(from: number, now: number): WindowScan {
    const h = this.h;
    const keys = this.startAt.slice();
    const fp = this.closedFp.map((f) => ({ ...f }));
    const first = this.closedFirst.slice();
    const fpSum: number[] = keys.map(() => 0);
    const seriesCount = Float64Array.from(this.closedCount);
    const seriesMax = Float64Array.from(this.closedMax);
    const c = this.closed;
    const stats = { count: c.count, sum: 0, min: c.min, max: c.max, lastMean: c.newestMean };
    let newest = c.newest;
    let newestAt = c.newestAt;
    const sums = this.closedSum;
    const startOf = this.closedStart;
    let sum = 0;
    let next = 0;
    let lastStart = Number.NaN;
    let k = -1;
    for (let j = 0; j < this.open.length; j++) {
      const o = this.open[j]!;
      const count = o.count;
      if (count === 0 || !h.holds(o, from, now)) continue;
      const at = this.openAt[j]!;
      for (; next < at; next++) {
        sum += sums[next]!;
        fpSum[startOf[next]!]! += sums[next]!;
      }
      const start = o.start;
      if (start !== lastStart) {
        lastStart = start;
        k = this.startIndex.get(start) ?? keys.indexOf(start);
        if (k === -1) {
          // A start only open slots have (the open slot's, most often).
          k = keys.length;
          keys.push(start);
          fp.push({ count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0 });
          first.push(Infinity);
          fpSum.push(0);
        }
      }
      const oSum = o.sum;
      const min = o.min;
      const max = o.max;
      sum += oSum;
      fpSum[k]! += oSum;
      const f = fp[k]!;
      f.count += count;
      if (min < f.min) f.min = min;
      if (max > f.max) f.max = max;
      f.n++;
      // An open slot comes after the closed data before `at` and ahead of the one at `at`.
      const place = at - 0.5;
      if (place < first[k]!) first[k] = place;
      const i = this.openSeries[j]!;
      seriesCount[i]! += count;
      if (max > seriesMax[i]!) seriesMax[i] = max;
      stats.count += count;
      if (min < stats.min) stats.min = min;
      if (max > stats.max) stats.max = max;
      if (start > newest || (start === newest && place < newestAt)) {
        newest = start;
        newestAt = place;
        stats.lastMean = oSum / count;
      }
    }
    for (; next < sums.length; next++) {
      sum += sums[next]!;
      fpSum[startOf[next]!]! += sums[next]!;
    }
    stats.sum = sum;
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

  /**
   * The open slots with data at `start`, in pass order, when no closed data has that start (they
   * are then all of its data); undefined when some closed data has it.
   */
  openSlotsAt(start: number): OpenSlot[] | undefined {
    if (this.startIndex.has(start)) return undefined;
    return this.open.filter((o) => o.count > 0 && o.start === start);
  }
}
