import type { Clock } from '../core/clock.js';
import type { ResolvedDispatcherOptions } from './options.js';

/**
 * Delay before retry number `retry` (1 for the first): `initial * factor^(retry-1)`, capped at
 * `max`, minus up to `jitter` of it at random, as the recorder does, so that instances which
 * failed together do not retry together.
 */
export function backoffDelay(retry: number, backoff: ResolvedDispatcherOptions['backoff'], random: () => number = Math.random): number {
  const base = Math.min(backoff.max, backoff.initial * backoff.factor ** Math.max(0, retry - 1));
  return base * (1 - backoff.jitter * random());
}

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
