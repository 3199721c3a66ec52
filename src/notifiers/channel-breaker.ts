import type { Clock, TimerHandle } from '../core/clock.js';
import { BreakerOpenError } from '../core/errors.js';

/** A channel breaker's state, named as opossum names them. */
export type ChannelBreakerState = 'closed' | 'open' | 'halfOpen';

/** Settings of one channel's breaker (from the dispatcher's `breaker` options). */
export interface ChannelBreakerSettings {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** Time open, on the monitor's clock, before one trial attempt is let through. */
  resetTimeout: number;
}

/**
 * What the dispatcher needs from a breaker, and nothing more. A channel's queue sends one
 * notification at a time, so `run` is never called concurrently.
 */
export interface ChannelBreaker {
  readonly state: ChannelBreakerState;
  /**
   * Runs one attempt: directly while closed, as the single trial while half-open (closing the
   * breaker if it succeeds, reopening it if not). `failed(result)` says whether the result
   * counts as a failure. Rejects with {@link BreakerOpenError} if called while open.
   */
  run<T>(attempt: () => Promise<T>, failed: (result: T) => boolean): Promise<T>;
  /** Resolves when the breaker leaves `open` (at once if it is not open) or when `signal` aborts. */
  whenNotOpen(signal: AbortSignal): Promise<void>;
  /** Stops the reset timer; wakes anything waiting. */
  dispose(): void;
}

/**
 * A consecutive-failure breaker whose reset timer runs on the monitor's `clock`, so a
 * `ManualClock` drives recovery in tests and a monitor's clock is the only time source.
 * It was built on opossum, whose reset timer is its own global `setTimeout` with no way to
 * inject a clock or to move it to half-open through its public API; the state machine needed
 * here (one sender, one trial) is small enough to own. The timer is unref'd, as opossum's was.
 */
export function createChannelBreaker(
  name: string,
  settings: ChannelBreakerSettings,
  clock: Clock,
  onStateChange: (from: ChannelBreakerState, to: ChannelBreakerState) => void,
): ChannelBreaker {
  let current: ChannelBreakerState = 'closed';
  let streak = 0;
  let timer: TimerHandle | undefined;
  let disposed = false;
  const waiters = new Set<() => void>();

  const move = (to: ChannelBreakerState): void => {
    if (to === current) return;
    const from = current;
    current = to;
    if (to !== 'open') for (const wake of [...waiters]) wake();
    onStateChange(from, to);
  };
  const open = (): void => {
    streak = 0;
    move('open');
    if (disposed) return;
    timer = clock.setTimeout(() => {
      timer = undefined;
      move('halfOpen');
    }, settings.resetTimeout);
  };

  async function run<T>(attempt: () => Promise<T>, failed: (result: T) => boolean): Promise<T> {
    if (current === 'open') throw new BreakerOpenError(name);
    const trial = current === 'halfOpen';
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      // A throwing attempt is a failed one (sendOnce never throws; this keeps the contract whole).
      if (trial) open();
      throw error;
    }
    if (!failed(result)) {
      streak = 0;
      if (trial) move('closed');
    } else if (trial || ++streak >= settings.failureThreshold) {
      open();
    }
    return result;
  }

  return {
    get state() {
      return current;
    },
    run,
    whenNotOpen(signal) {
      if (current !== 'open' || signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = (): void => {
          waiters.delete(wake);
          signal.removeEventListener('abort', wake);
          resolve();
        };
        waiters.add(wake);
        signal.addEventListener('abort', wake, { once: true });
      });
    },
    dispose() {
      disposed = true;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      for (const wake of [...waiters]) wake();
    },
  };
}
