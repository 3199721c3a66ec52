import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import { NewestMean } from './newest-mean.js';
import { finishScan, type Fingerprint, type Scanning, type WindowScan } from './snapshot-scan.js';
import type { SnapshotWork } from './snapshot-work.js';
import { COUNT, END, F, isKept, MAX, MIN, START, SUM } from './window-query-columns.js';
import type { MetricWindow, WindowPart } from './window-query-window.js';

export type { Fingerprint, WindowScan };

/**
 * Series a tally's build, or open slots its scan, adds between two checks of the chunk's budget
 * (see {@link WindowTally.build}): about 500-1,000 units, well under a chunk.
 */
const PIECE = 50;

/** The closed data a {@link WindowTally.build} has added so far, in pass order. */
interface Building {
  sums: Float64Array;
  /** Per figure of `sums`: the index of its start. */
  starts: Uint32Array;
  n: number;
  partsEnd: number;
  oldestSlot: HistogramSlot | undefined;
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
   * each is a few chunks). Without `work`, in one go. The sums are added by a synchronous method
   * over {@link PIECE} series at a time, between which it may pause: in an async function the
   * figures it keeps across a pause live in its context, where each new double is a heap
   * allocation (4-5 MB a build of 5,000 series, and scavenges in the chunks that follow).
   */
  static async build(h: MetricWindow, from: number, now: number, work?: SnapshotWork): Promise<WindowTally> {
    const t = new WindowTally(h, from);
    const b: Building = { sums: new Float64Array(1_024), starts: new Uint32Array(1_024), n: 0, partsEnd: Infinity, oldestSlot: undefined };
    const count = h.series.length;
    for (let i = 0; i < count; ) {
      const end = work === undefined ? count : Math.min(count, i + PIECE);
      const units = t.addSeries(b, i, end, from, now);
      i = end;
      if (work?.charge(units) === true) await work.pause();
    }
    t.closedSum = b.sums.slice(0, b.n);
    t.closedStart = b.starts.slice(0, b.n);
    t.partsEnd = b.partsEnd;
    t.oldestSlot = b.oldestSlot;
    return t;
  }

  /** Adds the closed data of series [first, end) to `b` (see {@link build}); the units visited. */
  private addSeries(b: Building, first: number, end: number, from: number, now: number): number {
    const h = this.h;
    let units = 0;
    for (let i = first; i < end; i++) {
      const s = h.series[i]!;
      for (let k = 0; k < s.slots.length; k++) {
        const slot = s.slots[k]!;
        if (slot instanceof OpenSlot) {
          this.openSeries.push(i);
          this.ringIndex.push(k);
          this.openAt.push(b.n);
        } else if (h.holds(slot, from, now)) {
          this.add(b, i, slot.start, slot.count, slot.sum, slot.min, slot.max);
          if (b.oldestSlot === undefined || slot.start < b.oldestSlot.start) b.oldestSlot = slot;
        }
      }
      if (isKept(s)) {
        // A stored series kept in columns: its rows read in place (`MetricWindow.covers` on their start and end).
        const c = s.cols;
        const to = now >= h.now ? Number.POSITIVE_INFINITY : now;
        for (let r = 0; r < s.n; r++) {
          const o = r * F;
          if (c[o + COUNT] === 0 || !(c[o + END]! > from && c[o + START]! < to)) continue;
          this.add(b, i, c[o + START]!, c[o + COUNT]!, c[o + SUM]!, c[o + MIN]!, c[o + MAX]!);
          if (c[o + END]! < b.partsEnd) b.partsEnd = c[o + END]!;
        }
        units += 1 + s.slots.length + s.n;
        continue;
      }
      for (const p of s.parts as readonly WindowPart[]) {
        if (p.count === 0 || !h.covers(p, from, now)) continue;
        this.add(b, i, p.start, p.count, p.sum, p.min, p.max);
        if (p.end < b.partsEnd) b.partsEnd = p.end;
      }
      units += 1 + s.slots.length + s.parts.length;
    }
    return units;
  }

  /** Counts one closed slot or part of series `i`, the next in pass order. */
  private add(b: Building, i: number, start: number, count: number, sum: number, min: number, max: number): void {
    const at = b.n;
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
    if (at === b.sums.length) {
      const sums = new Float64Array(at * 2);
      sums.set(b.sums);
      b.sums = sums;
      const starts = new Uint32Array(at * 2);
      starts.set(b.starts);
      b.starts = starts;
    }
    b.sums[at] = sum;
    b.starts[at] = k;
    b.n = at + 1;
    this.closedCount[i]! += count;
    if (max > this.closedMax[i]!) this.closedMax[i] = max;
    const c = this.closed;
    c.count += count;
    if (min < c.min) c.min = min;
    if (max > c.max) c.max = max;
    c.last.add(start, count, sum);
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
   * `work`, charged a unit per open slot and closed figure it adds, {@link PIECE} open slots at a
   * time (by a synchronous method, as {@link build}), pausing when a chunk is spent (a first
   * snapshot's scan of 5,000 series, code not yet optimized, is several milliseconds): the window
   * does not change meanwhile (a snapshot's windows hold its capture until it is done).
   */
  async scan(from: number, now: number, work?: SnapshotWork): Promise<WindowScan> {
    const keys = this.startAt.slice();
    const c = this.closed;
    const run: Scanning = {
      from,
      now,
      keys,
      fp: this.closedFp.map((f) => ({ ...f })),
      first: this.closedFirst.slice(),
      fpSum: keys.map(() => 0),
      seriesCount: Float64Array.from(this.closedCount),
      seriesMax: Float64Array.from(this.closedMax),
      stats: { count: c.count, sum: 0, min: c.min, max: c.max, lastMean: Number.NaN },
      last: c.last.copy(),
      sum: 0,
      next: 0,
      lastStart: Number.NaN,
      k: -1,
    };
    const count = this.openSeries.length;
    for (let j = 0; j < count; ) {
      const end = work === undefined ? count : Math.min(count, j + PIECE);
      const units = this.scanOpen(run, j, end);
      j = end;
      if (work?.charge(units) === true) await work.pause();
    }
    return finishScan(run, this.closedSum, this.closedStart);
  }

  /** Adds the open slots [first, end) of the tally to `run`, with the closed data before each (see {@link scan}); the units visited. */
  private scanOpen(run: Scanning, first: number, end: number): number {
    const h = this.h;
    const { from, now, keys, fp, first: firstAt, fpSum, seriesCount, seriesMax, stats, last } = run;
    const sums = this.closedSum;
    const startOf = this.closedStart;
    let sum = run.sum;
    let next = run.next;
    let lastStart = run.lastStart;
    let k = run.k;
    const began = next;
    for (let j = first; j < end; j++) {
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
          firstAt.push(Infinity);
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
      if (place < firstAt[k]!) firstAt[k] = place;
      const i = this.openSeries[j]!;
      seriesCount[i]! += count;
      if (max > seriesMax[i]!) seriesMax[i] = max;
      stats.count += count;
      if (min < stats.min) stats.min = min;
      if (max > stats.max) stats.max = max;
      last.add(start, count, oSum);
    }
    run.sum = sum;
    run.next = next;
    run.lastStart = lastStart;
    run.k = k;
    return end - first + next - began;
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
