import type { Clock, TimerHandle } from './clock.js';
import { isThenable } from './clock.js';

/**
 * Calls `fn` at every multiple of `periodMs` (aligned to the epoch) on `clock` until the returned
 * stop is called. The next tick is armed before `fn` runs, so a tick whose `fn` throws (or whose
 * task rejects) is handed to `report` and the schedule goes on: one bad tick must not end the
 * flushes or the rule evaluations for the life of the process, silently. `report` must not throw.
 *
 * The task `fn` returns goes back to the clock (caught: the clock's contract is a task that
 * never rejects), so a ManualClock's idle() and the monitor's idle() wait for it.
 */
export function scheduleAligned(clock: Clock, periodMs: number, fn: (tickAt: number) => unknown, report: (error: unknown) => void): () => void {
  let handle: TimerHandle;
  let stopped = false;
  // The task of the last tick and what the clock got for it: a task handed back again (an
  // evaluation still running at the next tick) is handed over as the same promise, which the
  // clocks keep once, instead of one more wrapper (and one more handler on it) per tick.
  let lastTask: PromiseLike<unknown> | undefined;
  let lastCaught: Promise<void> | undefined;
  const arm = (): void => {
    const now = clock.now();
    const next = (Math.floor(now / periodMs) + 1) * periodMs;
    handle = clock.setTimeout(() => {
      if (stopped) return undefined;
      arm();
      let task: unknown;
      try {
        task = fn(next);
      } catch (error) {
        report(error);
        return undefined;
      }
      if (!isThenable(task)) return undefined;
      if (task !== lastTask) {
        lastTask = task;
        lastCaught = Promise.resolve(task).then(() => undefined, report);
      }
      return lastCaught;
    }, next - now);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}
