import type { BreakerState } from '../core/breaker-machine.js';

// The state and its event live with the state machine in core/ (notification channels use it too).
export type { BreakerState, BreakerStateChangedEvent } from '../core/breaker-machine.js';

/**
 * What one `fire()` ended as, from the caller's side; every call has exactly one, so the
 * outcomes of `breaker_calls_total` add up to the calls made.
 * - `success`: the function's value.
 * - `failure`: the function's error, counted against the breaker.
 * - `timeout`: a `TimeoutError`, counted against the breaker.
 * - `rejected`: a `BreakerOpenError`: the breaker was open (or busy with its half-open trial).
 * - `fallback`: the fallback's value, after a failure, a timeout or a rejection.
 * - `ignored`: the function's error, which `isFailure` said not to count.
 */
export type BreakerOutcome = 'success' | 'failure' | 'timeout' | 'rejected' | 'fallback' | 'ignored';

/** Every outcome, in the order metrics and stats list them. */
export const BREAKER_OUTCOMES: readonly BreakerOutcome[] = Object.freeze(['success', 'failure', 'timeout', 'rejected', 'fallback', 'ignored']);

/** Value of the `breaker_state` gauge per state: higher is worse, so `max()` across instances is the worst. */
export const BREAKER_STATE_VALUES: Readonly<Record<BreakerState, number>> = Object.freeze({ closed: 0, halfOpen: 1, open: 2 });

/** Latency percentiles in seconds; NaN when no call finished in the window. */
export interface BreakerLatency {
  p50: number;
  p95: number;
  p99: number;
}

/**
 * A breaker's state and counts, computed when asked for (never on a timer). Counts are totals
 * since the breaker was created, one per call by outcome (they equal `breaker_calls_total`).
 */
export interface BreakerStats {
  name: string;
  state: BreakerState;
  /** From the options: an open critical breaker makes the health view unhealthy, not only degraded. */
  critical: boolean;
  /** Calls made (the sum of the outcome counts below). */
  calls: number;
  successes: number;
  failures: number;
  timeouts: number;
  /** Calls refused because the breaker was open. */
  rejects: number;
  /** Calls answered by the fallback. */
  fallbacks: number;
  /** Errors `isFailure` said not to count. */
  ignored: number;
  /** Failures and timeouts since the last success (what `failureThreshold` is compared with). */
  consecutiveFailures: number;
  /**
   * Duration of calls that ran the function to an answer (success, failure, timeout, ignored)
   * over the monitor's in-memory histogram window, in seconds.
   */
  latency: BreakerLatency;
  /** The rolling window of the percentage rule; present only when `errorThresholdPercentage` is set. */
  window?: { calls: number; failures: number; errorPercentage: number } | undefined;
  /** When the breaker last opened (ms since the epoch); absent while it is closed. */
  openedAt?: number | undefined;
}
