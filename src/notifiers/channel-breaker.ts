import Opossum from 'opossum';
import { BreakerOpenError } from '../core/errors.js';

/** A channel breaker's state, named as opossum names them. */
export type ChannelBreakerState = 'closed' | 'open' | 'halfOpen';

/** Settings of one channel's breaker (from the dispatcher's `breaker` options). */
export interface ChannelBreakerSettings {
  /** Consecutive failed attempts that open the breaker. */
  failureThreshold: number;
  /** Time open before one trial attempt is let through (opossum's `resetTimeout`). */
  resetTimeout: number;
}

/**
 * What the dispatcher needs from a breaker, and nothing more: this file is the only one that
 * knows opossum, so the monitor's own breakers can replace it without touching delivery. A
 * channel's queue sends one notification at a time, so `run` is never called concurrently.
 */
export interface ChannelBreaker {
  readonly state: ChannelBreakerState;
  /**
   * Runs one attempt: directly while closed, as opossum's single trial while half-open (closing
   * the breaker if it succeeds, reopening it if not). `failed(result)` says whether the result
   * counts as a failure. Rejects with {@link BreakerOpenError} if called while open.
   */
  run<T>(attempt: () => Promise<T>, failed: (result: T) => boolean): Promise<T>;
  /** Resolves when the breaker leaves `open` (at once if it is not open) or when `signal` aborts. */
  whenNotOpen(signal: AbortSignal): Promise<void>;
  /** Stops opossum's reset timer; wakes anything waiting. */
  dispose(): void;
}

/** Carries a failed result through opossum's rejection path, so opossum counts the trial as failed. */
class FailedResult<T> {
  constructor(readonly result: T) {}
}

/**
 * A consecutive-failure breaker on opossum. opossum is the state machine: it holds
 * closed / open / half-open, arms the `resetTimeout` timer (its own, unref'd `setTimeout`: tests
 * drive it with fake timers) and lets one trial through when half-open. Opening is decided here,
 * by consecutive failed attempts, as `breaker.failureThreshold` documents; opossum's percentage
 * rule is switched off. While closed, attempts skip `fire()` (nothing to guard).
 */
export function createChannelBreaker(
  name: string,
  settings: ChannelBreakerSettings,
  onStateChange: (from: ChannelBreakerState, to: ChannelBreakerState) => void,
): ChannelBreaker {
  const rotation = new TrialRotation();
  const opossum = new Opossum((attempt: () => Promise<unknown>) => attempt(), {
    name,
    timeout: false, // the dispatcher times attempts out on the monitor's clock
    resetTimeout: settings.resetTimeout,
    // Never opens by itself while closed; a failed half-open trial reopens whatever these say.
    errorThresholdPercentage: 100,
    volumeThreshold: Number.MAX_SAFE_INTEGER,
    rollingPercentilesEnabled: false,
    enableSnapshots: false,
    // No setInterval per channel: the window is rotated after each trial, which keeps it bounded.
    rotateBucketController: rotation as unknown as Opossum.Options['rotateBucketController'],
  });
  let current: ChannelBreakerState = 'closed';
  let streak = 0;
  const waiters = new Set<() => void>();
  const move = (to: ChannelBreakerState): void => {
    if (to === current) return;
    const from = current;
    current = to;
    if (to !== 'open') for (const wake of [...waiters]) wake();
    onStateChange(from, to);
  };
  async function run<T>(attempt: () => Promise<T>, failed: (result: T) => boolean): Promise<T> {
    if (current === 'open') throw new BreakerOpenError(name);
    if (current === 'halfOpen') {
      try {
        const result = (await opossum.fire(async () => {
          const r = await attempt();
          if (failed(r)) throw new FailedResult(r);
          return r;
        })) as T;
        streak = 0;
        return result;
      } catch (error) {
        // opossum has counted the failed trial and reopened.
        if (error instanceof FailedResult) return error.result as T;
        throw error;
      } finally {
        rotation.rotate();
      }
    }
    const result = await attempt();
    if (!failed(result)) streak = 0;
    else if (++streak >= settings.failureThreshold) {
      streak = 0;
      opossum.open();
    }
    return result;
  }
  opossum.on('open', () => move('open'));
  opossum.on('halfOpen', () => move('halfOpen'));
  opossum.on('close', () => move('closed'));

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
      opossum.shutdown();
      for (const wake of [...waiters]) wake();
    },
  };
}

/**
 * opossum's `rotateBucketController`: it calls `on`, `removeListener` and Node's two-argument
 * `listenerCount(event, listener)`, so this is not an eventemitter3 instance.
 */
class TrialRotation {
  private readonly listeners = new Set<() => void>();

  on(event: string, listener: () => void): this {
    if (event === 'rotate') this.listeners.add(listener);
    return this;
  }

  removeListener(event: string, listener: () => void): this {
    if (event === 'rotate') this.listeners.delete(listener);
    return this;
  }

  listenerCount(event: string, listener?: () => void): number {
    if (event !== 'rotate') return 0;
    return listener === undefined ? this.listeners.size : Number(this.listeners.has(listener));
  }

  rotate(): void {
    for (const listener of this.listeners) listener();
  }
}
