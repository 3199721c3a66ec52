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
 */
export function deadline(clock: Clock, ms: number, reason: () => Error, options?: { keepAlive?: boolean }): Deadline {
  const controller = new AbortController();
  let handle: TimerHandle | undefined = clock.setTimeout(() => {
    handle = undefined;
    controller.abort(reason());
  }, ms, options);
  return {
    signal: controller.signal,
    cancel: () => {
      if (handle === undefined) return;
      clock.clearTimeout(handle);
      handle = undefined;
    },
  };
}
