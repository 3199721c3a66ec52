import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import { NewestMean } from './newest-mean.js';
import type { SnapshotWork } from './snapshot-work.js';
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
 * again once a slot of a series in it closed (snapshot-windows.ts compares the captures) or
 * {@link holdsFor} is false (a closed slot or part left the range).
 */
export class WindowTally {
  private readonly from: number;
  /** The closed memory slot of the oldest start counted, and the earliest end of the parts counted: when either leaves the range the tally is stale. */
  private oldestSlot: HistogramSlot | undefined;
  private partsEnd = Infinity;
  /** Closed data in range, in pass order: its sum and the index of its start in `startAt`. */
  private closedSum = new Float64Array(0);
  private closedStart = new Uint32Array(0);
  /** The distinct starts met, and per start: the closed data's totals and where the pass first met it. */
  private readonly startAt: number[] = [];
  private readonly startIndex = new Map<number, number>();
  private readonly closedFp: Fingerprint[] = [];
  private readonly closedFirst: number[] = [];
  /** Per series: the count and max of its closed data. */
  private readonly closedCount: Float64Array;
  private readonly closedMax: Float64Array;
  /** The closed data's totals, and its newest start's mean. */
  private readonly closed = { count: 0, min: Infinity, max: -Infinity, last: new NewestMean() };
  /**
   * Open slots (this process's, one per ring), in pass order: its series, its place in the
   * series' ring and its place among the closed data. The slot itself is read from the window at
   * each {@link scan}: a window kept between snapshots holds each call's copy of its open slots.
   */
  private readonly openSeries: number[] = [];
  private readonly ringIndex: number[] = [];
  private readonly openAt: number[] = [];

  private constructor(
    private readonly h: MetricWindow,
    from: number,
  ) {
    this.from = from;
    this.closedCount = new Float64Array(h.series.length);
    this.closedMax = new Float64Array(h.series.length).fill(-Infinity);
  }

  /**
   * Sums the window `h` over [from, now) once, series by series, charging `work` for each slot
   * and part visited (and pausing when a chunk is spent: a window of 5,000 series with 11 slots
   * each is a few chunks). Without `work`, in one go.
   */
  static async build(h: MetricWindow, from: number, now: number, work?: SnapshotWork): Promise<WindowTally> {
    const t = new WindowTally(h, from);
    const sums: number[] = [];
    const starts: number[] = [];
    let partsEnd = Infinity;
    let oldestSlot: HistogramSlot | undefined;
    const add = (i: number, start: number, count: number, sum: number, min: number, max: number): void => {
      const at = sums.length;
      let k = t.startIndex.get(start);
      if (k === undefined) {
        k = t.startAt.length;
        t.startIndex.set(start, k);
        t.startAt.push(start);
        t.closedFp.push({ count: 0, sum: 0, min: Infinity, max: -Infinity, n: 0 });
        t.closedFirst.push(at);
      }
      const f = t.closedFp[k]!;
      f.count += count;
      f.sum += sum;
      if (min < f.min) f.min = min;
      if (max > f.max) f.max = max;
      f.n++;
      sums.push(sum);
      starts.push(k);
      t.closedCount[i]! += count;
      if (max > t.closedMax[i]!) t.closedMax[i] = max;
      const c = t.closed;
      c.count += count;
      if (min < c.min) c.min = min;
      if (max > c.max) c.max = max;
      c.last.add(start, count, sum);
    };
    for (let i = 0; i < h.series.length; i++) {
      const s = h.series[i]!;
      for (let k = 0; k < s.slots.length; k++) {
        const slot = s.slots[k]!;
        if (slot instanceof OpenSlot) {
          t.openSeries.push(i);
          t.ringIndex.push(k);
          t.openAt.push(sums.length);
        } else if (h.holds(slot, from, now)) {
          add(i, slot.start, slot.count, slot.sum, slot.min, slot.max);
          if (oldestSlot === undefined || slot.start < oldestSlot.start) oldestSlot = slot;
        }
      }
      for (const p of s.parts as readonly WindowPart[]) {
        if (p.count === 0 || !h.covers(p, from, now)) continue;
        add(i, p.start, p.count, p.sum, p.min, p.max);
        if (p.end < partsEnd) partsEnd = p.end;
      }
      if (work?.charge(1 + s.slots.length + s.parts.length) === true) await work.pause();
    }
    t.closedSum = Float64Array.from(sums);
    t.closedStart = Uint32Array.from(starts);
    t.partsEnd = partsEnd;
    t.oldestSlot = oldestSlot;
    return t;
  }

  /** The open slot `j` of the tally, as the window holds it now. */
  private openSlot(j: number): OpenSlot {
    return this.h.series[this.openSeries[j]!]!.slots[this.ringIndex[j]!] as OpenSlot;
  }

  /**
   * True while the tally counts what a pass over the window from `from` to its end would, given
   * that no slot of the window's series closed since it was built (the caller checks that: see
   * snapshot-windows.ts): `from` not moved back, and no closed data it counted left the range
   * (its oldest memory slot, its earliest-ending part).
   */
  holdsFor(from: number): boolean {
    const h = this.h;
    return from >= this.from && from < this.partsEnd && (this.oldestSlot === undefined || h.holds(this.oldestSlot, from, h.now));
  }

  /**
   * The window's totals over [from, now) (see {@link holdsFor}): the range's, each series' count
   * and max, and each slot start's fingerprint, as one pass over the window gives them. With
   * `work`, charged a unit per open slot and closed figure it adds, pausing when a chunk is spent
   * (a first snapshot's scan of 5,000 series, code not yet optimized, is several milliseconds):
   * the window does not change meanwhile (a snapshot's windows hold its capture until it is done).
   */
  async scan(from: number, now: number, work?: SnapshotWork): Promise<WindowScan> {
    const h = this.h;
    const keys = this.startAt.slice();
    const fp = this.closedFp.map((f) => ({ ...f }));
    const first = this.closedFirst.slice();
    const fpSum: number[] = keys.map(() => 0);
    const seriesCount = Float64Array.from(this.closedCount);
    const seriesMax = Float64Array.from(this.closedMax);
    const c = this.closed;
    const stats = { count: c.count, sum: 0, min: c.min, max: c.max, lastMean: Number.NaN };
    const last = c.last.copy();
    const sums = this.closedSum;
    const startOf = this.closedStart;
    let sum = 0;
    let next = 0;
    let lastStart = Number.NaN;
    let k = -1;
    /** Closed figures charged to `work` so far. */
    let done = 0;
    for (let j = 0; j < this.openSeries.length; j++) {
      const o = this.openSlot(j);
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
      last.add(start, count, oSum);
      if (work !== undefined) {
        const units = 1 + at - done;
        done = at;
        if (work.charge(units)) await work.pause();
      }
    }
    for (; next < sums.length; next++) {
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

  /**
   * The open slots with data at `start`, in pass order, when no closed data has that start (they
   * are then all of its data); undefined when some closed data has it.
   */
  openSlotsAt(start: number): OpenSlot[] | undefined {
    if (this.startIndex.has(start)) return undefined;
    const out: OpenSlot[] = [];
    for (let j = 0; j < this.openSeries.length; j++) {
      const o = this.openSlot(j);
      if (o.count > 0 && o.start === start) out.push(o);
    }
    return out;
  }
}
