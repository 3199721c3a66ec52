import type { Clock, TimerHandle } from './clock.js';

/** A deadline on a clock: `signal` aborts (with `reason()`) when `ms` have passed. */
export interface Deadline {
  /** Aborts when the deadline passes; pass it to `abortable` to stop waiting on hanging work. */
  readonly signal: AbortSignal;
  /** Clears the timer; the signal then never aborts. Idempotent. */
  cancel(): void;
}

/**
 * Arms a timer on `clock` that aborts the returned signal after `ms`. Even at `ms <= 0` it is a
 * timer, not an abort on the spot, so work that settles without waiting is not reported as late.
 * `keepAlive` as in {@link Clock.setTimeout}: only the deadline that bounds `close()` keeps a
 * process alive; the others must not hold it for work that may never finish.
 *
 * `then`, called as the deadline passes, returns the work the abort lets finish (the rest of a
 * `close()` that waits on no later timer), which the timer hands back to the clock: a
 * ManualClock's idle() then waits for it.
 */
export function deadline(clock: Clock, ms: number, reason: () => Error, options?: { keepAlive?: boolean; then?: () => unknown }): Deadline {
  const controller = new AbortController();
  const keepAlive = options?.keepAlive;
  let handle: TimerHandle | undefined = clock.setTimeout(
    () => {
      handle = undefined;
      controller.abort(reason());
      return options?.then?.();
    },
    ms,
    keepAlive === undefined ? undefined : { keepAlive },
  );
  return {
    signal: controller.signal,
    cancel: () => {
      if (handle === undefined) return;
      clock.clearTimeout(handle);
      handle = undefined;
    },
  };
}
