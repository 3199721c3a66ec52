import { abortable } from './core/abortable.js';
import type { Clock } from './core/clock.js';
import { deadline } from './core/deadline.js';
import { PulsewatchError, TimeoutError } from './core/errors.js';

/**
 * How long past `flush.closeTimeout` a monitor's `close()` may take at most: the time the
 * bookkeeping after the deadline gets (dead letters for the notifications given up on, events,
 * each notifier's `close()`, closing a store the monitor created). Past it, whatever still hangs
 * is abandoned and named in a {@link TimeoutError} on `error`.
 */
export const CLOSE_GRACE_MS = 1_000;

/** What {@link closeWithin} shuts down, in order. */
export interface ClosingParts {
  clock: Clock;
  /** `flush.closeTimeout`: the budget of the whole shutdown, hooks included. */
  closeTimeout: number;
  /** `onClose` hooks. */
  hooks: readonly (() => void | Promise<void>)[];
  /** Stops rule evaluation, waiting for one in progress (it may still queue notifications). */
  stopAlerts(): Promise<void>;
  /** Writes pending rollups for up to `ms`, then reports the rest as dropped (`shutdown`); never rejects; true when all was written. */
  closeRecorder(ms: number): Promise<boolean | void>;
  /** Closes the slot recorded into after the first one closed (by what the hooks let finish); true when it holds rollups. */
  closeLate?: (() => boolean) | undefined;
  /** Delivers queued notifications for up to `ms`, then dead-letters the rest within `graceMs`. */
  closeNotifications(ms: number, graceMs: number): Promise<void>;
  /** Closes a store the monitor created, or detaches from a store passed in (absent when neither applies). */
  closeStorage?: (() => Promise<void>) | undefined;
  /** How a close-timeout error names `closeStorage` (default `storage.close()`): it only detaches from a store passed in. */
  closeStorageLabel?: string | undefined;
  /** Reports on the monitor's `error` event; never throws. */
  report(error: PulsewatchError): void;
}

/**
 * Shuts a monitor down within `closeTimeout + CLOSE_GRACE_MS`, whatever a hook, the rule engine,
 * a channel, a notifier or the store does. Pending rollups are written during the whole
 * `closeTimeout`, alongside the `onClose` hooks and the end of a rule evaluation in progress;
 * the notification queues drain after those, in what is left of `closeTimeout`. One hard deadline (the only timer here that keeps a process alive,
 * since data may still be on its way to the store) bounds the whole; a step that has not
 * settled by then is abandoned (it may settle later, unobserved) and named in one error.
 * Never rejects.
 */
export function closeWithin(parts: ClosingParts): Promise<void> {
  const closing: { done?: Promise<void> } = {};
  closing.done = shutDown(parts, closing);
  return closing.done;
}

async function shutDown(parts: ClosingParts, closing: { done?: Promise<void> }): Promise<void> {
  const { clock, closeTimeout } = parts;
  const started = clock.monotonic();
  const limit = closeTimeout + CLOSE_GRACE_MS;
  const gaveUp = (): Error => new TimeoutError(`close() gave up after ${limit} ms`, limit);
  const soft = deadline(clock, closeTimeout, gaveUp);
  // Past the hard deadline nothing waits on the clock any more: the rest of close() is the
  // timer's task, so a ManualClock's idle() sees close() settle (it never rejects).
  const hard = deadline(clock, limit, gaveUp, { keepAlive: true, then: () => closing.done });
  const unfinished: string[] = [];
  const step = async (label: string, work: () => unknown, signal: AbortSignal): Promise<void> => {
    try {
      await abortable(async () => work(), signal);
    } catch (error) {
      if (signal.aborted && error === signal.reason) unfinished.push(label);
      else parts.report(asPulsewatchError(`${label} threw`, error));
    }
  };
  try {
    // Rollups need nothing from the hooks or the rule engine (the slot was closed before): they
    // get the whole budget, so a hook that hangs cannot cost data.
    let clean = false;
    const writes = step('writing rollups', async () => (clean = (await parts.closeRecorder(closeTimeout)) === true), hard.signal);
    // An evaluation in progress may still queue notifications: let it finish first.
    await Promise.all([
      step('alerts.stop()', () => parts.stopAlerts(), soft.signal),
      ...parts.hooks.map((hook) => step('an onClose hook', hook, soft.signal)),
    ]);
    const left = Math.max(0, closeTimeout - (clock.monotonic() - started));
    // What the hooks let finish (a running job's outcome and run time) was recorded after the
    // slot closed: it is written too, after the first writes, within what is left of the budget.
    // Not after writes that gave up (the store does not answer: a second try would wait on them).
    const written = writes.then(() => {
      const remaining = closeTimeout - (clock.monotonic() - started);
      if (!clean || remaining <= 0 || parts.closeLate?.() !== true) return;
      return step('writing rollups', () => parts.closeRecorder(remaining), hard.signal);
    });
    // The dispatcher's own grace ends before the hard deadline, so it reports what it abandons itself.
    await Promise.all([written, step('closing the notifiers', () => parts.closeNotifications(left, CLOSE_GRACE_MS / 2), hard.signal)]);
    const closeStorage = parts.closeStorage;
    if (closeStorage !== undefined) await step(parts.closeStorageLabel ?? 'storage.close()', closeStorage, hard.signal);
  } finally {
    soft.cancel();
    hard.cancel();
  }
  if (unfinished.length > 0) {
    const at = closeTimeout;
    parts.report(new TimeoutError(`close() abandoned what had not finished within its ${at} ms budget (plus ${CLOSE_GRACE_MS} ms grace where data was at stake): ${unique(unfinished).join(', ')}`, at));
  }
}

function asPulsewatchError(what: string, error: unknown): PulsewatchError {
  const message = `${what}: ${(error as Error)?.message ?? String(error)}`;
  return new PulsewatchError('ERR_PULSEWATCH_INTERNAL', message, { cause: error });
}

function unique(labels: string[]): string[] {
  const counts = new Map<string, number>();
  for (const l of labels) counts.set(l, (counts.get(l) ?? 0) + 1);
  return [...counts].map(([l, n]) => (n > 1 ? `${l} (x${n})` : l));
}
