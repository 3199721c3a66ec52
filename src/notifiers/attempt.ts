import type { Clock } from '../core/clock.js';
import { NotificationError, TimeoutError, isNotificationError, isPulsewatchError, isTimeoutError } from '../core/errors.js';
import type { Notification, Notifier } from './contract.js';
import { redact, safeError } from './redact.js';
import { abortable } from '../core/abortable.js';

/** How one attempt ended, as the metrics count it. */
export type AttemptResult = 'success' | 'failure' | 'timeout';

/** The outcome of {@link sendOnce}. */
export type AttemptOutcome = { ok: true } | { ok: false; result: Exclude<AttemptResult, 'success'>; error: NotificationError };

/**
 * Runs one `send` with its own AbortController: it aborts when `timeout` passes on `clock` or
 * when `stop` aborts (close gave up). The returned promise settles as soon as the signal aborts,
 * even if the notifier ignores it, so a hanging receiver cannot hold the channel. Never rejects.
 */
export async function sendOnce(notifier: Notifier, notification: Notification, clock: Clock, timeout: number, stop: AbortSignal): Promise<AttemptOutcome> {
  const controller = new AbortController();
  const timer = clock.setTimeout(() => controller.abort(new TimeoutError(`send timed out after ${timeout} ms`, timeout)), timeout);
  const onStop = (): void => controller.abort(stop.reason);
  if (stop.aborted) onStop();
  else stop.addEventListener('abort', onStop, { once: true });
  try {
    await abortable(() => notifier.send(notification, { signal: controller.signal }), controller.signal);
    return { ok: true };
  } catch (error) {
    // Prefer why *we* aborted over how the notifier reported the abort (an AbortError from fetch).
    const reason = controller.signal.aborted ? controller.signal.reason : error;
    const timedOut = isTimeoutError(reason) && !stop.aborted;
    return { ok: false, result: timedOut ? 'timeout' : 'failure', error: toNotificationError(notifier.name, reason) };
  } finally {
    clock.clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/**
 * Any failure as a {@link NotificationError} of `channel` whose message and cause hold no URL or
 * token: errors of built-in notifiers are already clean, and custom notifiers' errors are
 * scrubbed generically.
 */
export function toNotificationError(channel: string, error: unknown): NotificationError {
  if (isNotificationError(error)) {
    const detail = redact(stripChannel(error.message, error.channel));
    return new NotificationError(channel, detail, { status: error.status, retryable: error.retryable, retryAfterMs: error.retryAfterMs, cause: error.cause === undefined ? undefined : safeError(error.cause) });
  }
  if (isPulsewatchError(error)) return new NotificationError(channel, redact(error.message), { cause: error });
  const message = error instanceof Error ? error.message : String(error);
  return new NotificationError(channel, redact(message) || 'send failed', { cause: safeError(error) });
}

/** The part of a NotificationError's message after `channel "name": `. */
export function stripChannel(message: string, channel: string): string {
  const prefix = `channel "${channel}": `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}
