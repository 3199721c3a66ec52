import { abortable } from '../core/abortable.js';
import type { Clock } from '../core/clock.js';
import { deadline } from '../core/deadline.js';
import { TimeoutError } from '../core/errors.js';

/**
 * A store call the dispatcher makes after a delivery (saving a dead letter, deleting one that
 * was delivered), bounded twice: by `ms` on the clock from now, and by `abandoned` (aborted when
 * `close()` gives up on what still hangs). The call gets a signal that aborts at either, and the
 * returned promise rejects as soon as either passes, even if the store ignores its signal, with a
 * {@link TimeoutError} for the deadline or the abandonment's own reason.
 *
 * Why both: this work is tracked on the clock (the monitor's `idle()` waits for the event that
 * follows it), so it must end by itself on a clock deadline, not only once `close()` starts: a
 * store that never answers would otherwise hold `idle()` for good. The deadline timer is
 * unref'd: it only cuts short work that may never finish.
 */
export async function boundedStoreCall<T>(clock: Clock, ms: number, abandoned: AbortSignal, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (abandoned.aborted) return abortable(() => call(abandoned), abandoned);
  const limit = deadline(clock, ms, () => new TimeoutError(`did not finish within ${ms} ms`, ms));
  const both = new AbortController();
  const onLimit = (): void => both.abort(limit.signal.reason);
  const onAbandoned = (): void => both.abort(abandoned.reason);
  limit.signal.addEventListener('abort', onLimit, { once: true });
  abandoned.addEventListener('abort', onAbandoned, { once: true });
  try {
    return await abortable(() => call(both.signal), both.signal);
  } finally {
    limit.cancel();
    limit.signal.removeEventListener('abort', onLimit);
    abandoned.removeEventListener('abort', onAbandoned);
  }
}
