import type { HistogramSlot, OpenSlot } from './histogram-slot.js';
import { ClosedTally } from './snapshot-closed-tally.js';
import { finishScan, type Fingerprint, type Scanning, type WindowScan } from './snapshot-scan.js';
import type { SnapshotWork } from './snapshot-work.js';
import type { MetricWindow } from './window-query-window.js';

export type { Fingerprint, WindowScan };

/**
 * Series a tally's build, or open slots its scan, adds between two checks of the chunk's budget
 * (see {@link WindowTally.build}): about 500-1,000 units, well under a chunk.
 */
const PIECE = 50;

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
  private readonly oldestSlot: HistogramSlot | undefined;
  private readonly partsEnd: number;
  /** Closed data in range, in pass order: its sum and the index of its start in `startAt`. */
  private readonly closedSum: Float64Array;
  private readonly closedStart: Uint32Array;
  /** The distinct starts met, and per start: the closed data's totals and where the pass first met it. */
  private readonly startAt: number[];
  private readonly startIndex: Map<number, number>;
  private readonly closedFp: Fingerprint[];
  private readonly closedFirst: number[];
  /** Per series: the count and max of its closed data. */
  private readonly closedCount: Float64Array;
  private readonly closedMax: Float64Array;
  /** The closed data's totals, and its newest start's mean. */
  private readonly closed: ClosedTally['totals'];
  /**
   * Open slots (this process's, one per ring), in pass order: its series, its place in the
   * series' ring and its place among the closed data. The slot itself is read from the window at
   * each {@link scan}: a window kept between snapshots holds each call's copy of its open slots.
   */
  private readonly openSeries: number[];
  private readonly ringIndex: number[];
  private readonly openAt: number[];

  /** The tally of `h` from `from`, taking over the figures `c` added up (see {@link build}). */
  private constructor(
    private readonly h: MetricWindow,
    from: number,
    c: ClosedTally,
  ) {
    this.from = from;
    this.oldestSlot = c.oldestSlot;
    this.partsEnd = c.partsEnd;
    this.closedSum = c.sums.slice(0, c.n);
    this.closedStart = c.starts.slice(0, c.n);
    this.startAt = c.startAt;
    this.startIndex = c.startIndex;
    this.closedFp = c.fp;
    this.closedFirst = c.first;
    this.closedCount = c.seriesCount;
    this.closedMax = c.seriesMax;
    this.closed = c.totals;
    this.openSeries = c.openSeries;
    this.ringIndex = c.ringIndex;
    this.openAt = c.openAt;
  }

  /**
   * Sums the window `h` over [from, now) once, series by series, charging `work` for each slot
   * and part visited (and pausing when a chunk is spent: a window of 5,000 series with 11 slots
   * each is a few chunks). Without `work`, in one go. The sums are added by a synchronous method
   * ({@link ClosedTally.addSeries}, snapshot-closed-tally.ts) over {@link PIECE} series at a
   * time, between which it may pause: in an async function the figures it keeps across a pause
   * live in its context, where each new double is a heap allocation (4-5 MB a build of 5,000
   * series, and scavenges in the chunks that follow).
   */
  static async build(h: MetricWindow, from: number, now: number, work?: SnapshotWork): Promise<WindowTally> {
    const c = new ClosedTally(h);
    const count = h.series.length;
    for (let i = 0; i < count; ) {
      const end = work === undefined ? count : Math.min(count, i + PIECE);
      const units = c.addSeries(i, end, from, now);
      i = end;
      if (work?.charge(units) === true) await work.pause();
    }
    return new WindowTally(h, from, c);
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
