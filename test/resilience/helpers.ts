import type { PulsewatchError } from '../../src/core/errors.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import type { BreakerStateChangedEvent } from '../../src/resilience/types.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { sampleValue } from '../helpers/monitor-harness.js';

/** A monitor on a ManualClock, with its breaker events and errors collected. */
export interface BreakerHarness {
  clock: ManualClock;
  monitor: Monitor;
  transitions: BreakerStateChangedEvent[];
  errors: PulsewatchError[];
  /** Value of `breaker_calls_total{breaker, outcome}` in the monitor's exposition. */
  calls(breaker: string, outcome: string): number | undefined;
}

/** Creates a {@link BreakerHarness}. Its ManualClock is the only time there is: `h.clock.advance(ms)` drives timeouts, windows and resets. */
export function breakerHarness(): BreakerHarness {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock });
  const transitions: BreakerStateChangedEvent[] = [];
  const errors: PulsewatchError[] = [];
  monitor.on('breakerStateChanged', (e) => transitions.push(e));
  monitor.on('error', (e) => errors.push(e));
  return {
    clock,
    monitor,
    transitions,
    errors,
    calls(breaker, outcome) {
      return sampleValue(monitor.exportPrometheusMetrics(), `breaker_calls_total{breaker="${breaker}",outcome="${outcome}"}`);
    },
  };
}

/**
 * Uses the monitor once (a call through a breaker of its own), so that it has armed its own
 * timers: a monitor starts at its first use, and tests that count the timers breakers add read
 * their baseline after this.
 */
export async function startMonitor(h: BreakerHarness): Promise<void> {
  // No timeout: its deadline would arm the shared timeout timer the tests count.
  await h.monitor.circuitBreaker('start', async () => 'started', { timeout: false }).fire();
}

export { deferred, type Deferred } from '../helpers/deferred.js';

/** The rejection reason of `promise` (fails the test if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

/** Makes `fn` fail `n` times through `fire`, swallowing the errors. */
export async function failTimes(fire: () => Promise<unknown>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await fire().catch(() => undefined);
}

/** Recursively freezes `value` (to prove options are never written to). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
