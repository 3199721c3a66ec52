import { ADMIT_REJECT, ADMIT_TRIAL, BreakerMachine, type BreakerState } from '../core/breaker-machine.js';
import type { Clock } from '../core/clock.js';
import { BreakerOpenError } from '../core/errors.js';

/** A channel breaker's state: the same states as every breaker's, named as opossum names them. */
export type ChannelBreakerState = BreakerState;

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
 * A channel's breaker: the monitor's breaker state machine ({@link BreakerMachine}, the one
 * `monitor.circuitBreaker()` runs on) with consecutive failures as its only rule and its reset
 * timer on the monitor's `clock`, so a `ManualClock` drives recovery in tests. A channel sends
 * one attempt at a time, so its half-open trial is simply the next attempt.
 */
export function createChannelBreaker(
  name: string,
  settings: ChannelBreakerSettings,
  clock: Clock,
  onStateChange: (from: ChannelBreakerState, to: ChannelBreakerState) => void,
): ChannelBreaker {
  const waiters = new Set<() => void>();
  const machine = new BreakerMachine(clock, settings, (from, to) => {
    if (to !== 'open') for (const wake of [...waiters]) wake();
    onStateChange(from, to);
  });

  async function run<T>(attempt: () => Promise<T>, failed: (result: T) => boolean): Promise<T> {
    const admission = machine.admit(clock.monotonic());
    if (admission === ADMIT_REJECT) throw new BreakerOpenError(name);
    const trial = admission === ADMIT_TRIAL;
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      // A throwing attempt is a failed one (sendOnce never throws; this keeps the contract whole).
      machine.failure(trial, clock.monotonic());
      throw error;
    }
    if (failed(result)) machine.failure(trial, clock.monotonic());
    else machine.success(trial);
    return result;
  }

  return {
    get state() {
      return machine.state;
    },
    run,
    whenNotOpen(signal) {
      if (machine.state !== 'open' || signal.aborted) return Promise.resolve();
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
      machine.dispose();
      for (const wake of [...waiters]) wake();
    },
  };
}
