import type { Clock } from '../core/clock.js';


/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (already aborted included);
 * never rejects and never leaves its timer behind.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clock.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
