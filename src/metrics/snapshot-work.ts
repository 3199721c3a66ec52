import { yieldTurn, type Clock } from '../core/clock.js';

/**
 * Units of work one chunk of a snapshot does before it lets the event loop turn. A unit is about
 * one slot or part a window build or tally visits (or six values a merge adds): 0.16-0.8 µs of
 * CPU, median 0.64-0.83 µs, measured per chunk on 5,000 histogram series at a load average of 10
 * on 2 cores (bench/snapshot.ts' data). A chunk of 8,000 is then about 5 ms of CPU there and less
 * on a quiet machine, well under the 20 ms a snapshot may hold the event loop
 * (docs/performance.md). A turn between chunks costs tens of microseconds.
 */
export const CHUNK_UNITS = 8_000;

/**
 * The work meter of one snapshot: loops charge what they visit and, once a chunk's budget is
 * spent, await {@link pause}, a turn of the monitor's clock (`Clock.yield`: a macrotask on the
 * system clock, at once on a ManualClock). Counted in units, not measured in time, so a test on
 * a ManualClock splits the work at the same places every run.
 */
export class SnapshotWork {
  private spent = 0;
  /** Turns taken so far. */
  pauses = 0;

  constructor(
    private readonly clock: Clock,
    readonly budget = CHUNK_UNITS,
  ) {}

  /** Counts `units` of work done; true once the chunk's budget is spent (the caller awaits {@link pause}). */
  charge(units: number): boolean {
    this.spent += units;
    return this.spent >= this.budget;
  }

  /** Lets the event loop turn and starts a new chunk. */
  async pause(): Promise<void> {
    this.spent = 0;
    this.pauses++;
    await yieldTurn(this.clock);
  }

  /** {@link charge}, then {@link pause} when the budget is spent. */
  async step(units: number): Promise<void> {
    if (this.charge(units)) await this.pause();
  }
}
