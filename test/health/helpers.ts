import type { HealthChangedEvent } from '../../src/health/types.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import type { PulsewatchError } from '../../src/core/errors.js';

/** A monitor on a manual clock, with its health events and errors collected. */
export function setup(): { clock: ManualClock; monitor: Monitor; health: Monitor['health']; events: HealthChangedEvent[]; errors: PulsewatchError[] } {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock });
  const events: HealthChangedEvent[] = [];
  const errors: PulsewatchError[] = [];
  monitor.on('healthChanged', (e) => events.push(e));
  monitor.on('error', (e) => errors.push(e));
  return { clock, monitor, health: monitor.health, events, errors };
}

/** A promise with its resolve and reject exposed. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Follows a promise so a test can ask whether it has settled yet. */
export function track<T>(promise: Promise<T>): { readonly done: boolean; readonly value: T | undefined } {
  const state: { done: boolean; value: T | undefined } = { done: false, value: undefined };
  promise.then(
    (value) => {
      state.done = true;
      state.value = value;
    },
    () => {
      state.done = true;
    },
  );
  return state;
}
