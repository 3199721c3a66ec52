import { realTime, yieldTurn, type Clock } from '../core/clock.js';

/**
 * Units of work one chunk of a snapshot does at most before it lets the event loop turn. A unit
 * is about one slot or part a window build or tally visits (or six values a merge adds):
 * 0.16-0.8 µs of CPU, median 0.64-0.83 µs, measured per chunk on 5,000 histogram series at a
 * load average of 10 on 2 cores (bench/snapshot.ts' data). A chunk of 8,000 is then about 5 ms of
 * CPU there and less on a quiet machine, well under the 20 ms a snapshot may hold the event loop
 * (docs/performance.md). A turn between chunks costs tens of microseconds.
 */
export const CHUNK_UNITS = 8_000;

/**
 * Real time (ms) one chunk runs at most before it lets the event loop turn. Units alone let a
 * chunk run far longer than their estimate where a unit costs more: a process's first snapshot
 * (code not yet optimized: 20-40 ms of CPU in one chunk), or a chunk that met a garbage
 * collection (most chunks past 20 ms after a slot close held a scavenge). Measured in real time,
 * a chunk ends once it ran this long, whatever held it up (bench/snapshot-probe.ts). 3 ms rather
 * than 5: a scavenge that meets a chunk adds to it (5-15 ms on 2 loaded cores), and the longest
 * stretch of the main thread fell from 8-18 to 6-13 ms on a first snapshot, 8 to 6.5 after a slot
 * close (bench/snapshot-first-probe.ts, load average 10), for a few more turns a call.
 */
export const CHUNK_MS = 3;

/**
 * Units charged between two readings of the real time (a reading costs 70-150 ns, a unit about
 * 0.6 µs warm: a reading every 128 units or so, a few per millisecond of work).
 */
const UNITS_PER_READING = 128;

/**
 * The work meter of one snapshot: loops charge what they visit and, once a chunk's budget is
 * spent, await {@link pause}, a turn of the monitor's clock (`Clock.yield`: a macrotask on the
 * system clock, at once on a ManualClock). A chunk ends after `budget` units or `chunkMs` of real
 * time (`realTime`, whatever the monitor's clock), whichever comes first. With a budget of its
 * own and no `chunkMs` (a test's), a chunk is counted in units alone, so a test on a ManualClock
 * splits the work at the same places every run.
 */
export class SnapshotWork {
  private spent = 0;
  /** When the current chunk began (`elapsed`). */
  private began: number;
  /** `spent` at which a charge reads the time next. */
  private readAt = 0;
  /** Turns taken so far. */
  pauses = 0;

  /** `elapsed`: the real time read (`realTime`; a test may count its own). */
  constructor(
    private readonly clock: Clock,
    readonly budget = CHUNK_UNITS,
    readonly chunkMs = budget === CHUNK_UNITS ? CHUNK_MS : Number.POSITIVE_INFINITY,
    readonly elapsed: () => number = realTime,
  ) {
    this.began = elapsed();
  }

  /** True when chunks are bounded in real time too (see {@link chunkMs}). */
  get timed(): boolean {
    return this.chunkMs !== Number.POSITIVE_INFINITY;
  }

  /**
   * Counts `units` of work done; true once the chunk's budget is spent (the caller awaits
   * {@link pause}). The real time is read once {@link UNITS_PER_READING} units were charged since
   * the last reading (a charge of as many at once reads it every time).
   */
  charge(units: number): boolean {
    this.spent += units;
    if (this.spent >= this.budget) return true;
    if (this.spent < this.readAt || !this.timed) return false;
    this.readAt = this.spent + UNITS_PER_READING;
    return this.overdue(0);
  }

  /** True when the chunk's budget is spent or it ran its time: between phases, the caller awaits {@link pause}. */
  due(): boolean {
    return this.spent >= this.budget || this.overdue(0);
  }

  /**
   * True when the chunk has run for `chunkMs - ahead` ms or more: before a step that cannot be
   * split and may take about `ahead` ms, the caller pauses first rather than run past the budget.
   */
  overdue(ahead: number): boolean {
    return this.timed && this.elapsed() - this.began >= this.chunkMs - ahead;
  }

  /** Lets the event loop turn and starts a new chunk. */
  async pause(): Promise<void> {
    this.spent = 0;
    this.readAt = 0;
    this.pauses++;
    await yieldTurn(this.clock);
    this.began = this.elapsed();
  }

  /** {@link charge}, then {@link pause} when the budget is spent. */
  async step(units: number): Promise<void> {
    if (this.charge(units)) await this.pause();
  }
}
