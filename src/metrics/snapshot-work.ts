import { yieldTurn, type Clock } from '../core/clock.js';

/**
 * Units of work one chunk of a snapshot does before it lets the event loop turn. A unit is about
 * one slot or part visited (a series' ring slot, a stored rollup, two values merged), about
 * 0.1-0.25 µs of CPU; calibrated on 5,000 histogram series (bench/snapshot.ts) so that a chunk
 * takes a few milliseconds (2-3 ms quiet, about 6 ms at a load average of 10 on 2 cores), well
 * under the 20 ms a snapshot may hold the event loop (docs/performance.md).
 */
export const CHUNK_UNITS = 24_000;

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
