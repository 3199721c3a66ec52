import { type Clock, isManualClock } from '../core/clock.js';

/**
 * The hand-offs of one type's queue, on a clock that tracks tasks (a ManualClock in tests): the
 * stretch from an attempt's end to the next attempt's start (a loop resumes a microtask or two
 * later) is a task, so `idle()` waits for the queue to move on rather than for a number of
 * event-loop turns. Other clocks need none of this (a promise per hand-off): {@link HandOffs.tracked}
 * is false and the queue skips it.
 */
export class HandOffs {
  /** True on a clock a test drives: see {@link isManualClock}. */
  readonly tracked: boolean;
  /** Resolvers of the tracked hand-off: an attempt ended, the next one has not started yet. */
  private resolvers: (() => void)[] = [];

  constructor(private readonly clock: Clock) {
    this.tracked = isManualClock(clock) && typeof clock.track === 'function';
  }

  /** Hands the clock the stretch until the next start; one at a time is enough: every pending one ends at the next start. */
  track(): void {
    if (this.resolvers.length > 0) return;
    this.clock.track!(this.nextStart());
  }

  /** Resolves when the next attempt of the queue starts (or close() takes the waiting jobs). */
  nextStart(): Promise<void> {
    return new Promise<void>((resolve) => this.resolvers.push(resolve));
  }

  /** An attempt started (or nothing is left to start): ends every pending hand-off. */
  started(): void {
    if (this.resolvers.length === 0) return;
    const list = this.resolvers;
    this.resolvers = [];
    for (const resolve of list) resolve();
  }
}
