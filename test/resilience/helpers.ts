import { vi } from 'vitest';
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
  /**
   * Moves both clocks by `ms`: the ManualClock (our timeouts, rolling-window rotation,
   * timestamps) and vitest's fake timers (opossum's reset timer), when they are installed.
   */
  elapse(ms: number): void;
  /** Value of `breaker_calls_total{breaker, outcome}` in the monitor's exposition. */
  calls(breaker: string, outcome: string): number | undefined;
}

/** Creates a {@link BreakerHarness}. Call `vi.useFakeTimers()` first when opossum's reset timer is involved. */
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
    elapse(ms) {
      clock.advance(ms);
      if (vi.isFakeTimers()) vi.advanceTimersByTime(ms);
    },
    calls(breaker, outcome) {
      return sampleValue(monitor.exportPrometheusMetrics(), `breaker_calls_total{breaker="${breaker}",outcome="${outcome}"}`);
    },
  };
}

/** A promise with its settle functions, to hold a call open for as long as a test needs. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** Creates a {@link Deferred}. */
export function deferred<T = unknown>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run (microtasks only: safe under fake timers). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

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
