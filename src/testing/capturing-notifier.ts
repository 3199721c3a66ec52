import { z } from 'zod';
import { NotificationError } from '../core/errors.js';
import type { Notification, Notifier, NotifierSendOptions } from '../notifiers/contract.js';
import { notifierNameSchema, parseNotifierOptions } from '../notifiers/notifier-options.js';

/** Options of {@link capturingNotifier}. */
export const capturingNotifierOptionsSchema = z.object({
  /** Channel name rules refer to. */
  name: notifierNameSchema.default('capture'),
  /** `'events'` (a human channel, default) or `'state'` (an Alertmanager-style client). */
  delivery: z.enum(['events', 'state']).default('events'),
});

/** Options accepted by {@link capturingNotifier}. */
export type CapturingNotifierOptions = z.input<typeof capturingNotifierOptionsSchema>;

/** One call to `send`, whatever its outcome. */
export interface CapturedCall {
  notification: Notification;
  outcome: 'sent' | 'failed' | 'aborted' | 'pending';
}

/** A {@link Notifier} that records what it is sent and fails on command, for tests. */
export interface CapturingNotifier extends Notifier {
  readonly delivery: 'events' | 'state';
  /** Notifications delivered (sends that succeeded), in order. */
  readonly sent: readonly Notification[];
  /** Every send call, including failed, aborted and still hanging ones. */
  readonly calls: readonly CapturedCall[];
  /** Resolves with `sent` once at least `count` notifications were delivered (at once if already). */
  waitFor(count: number, options?: { signal?: AbortSignal }): Promise<readonly Notification[]>;
  /** The next `count` sends reject with `error` (default: a retryable NotificationError). */
  failNext(count?: number, error?: unknown): this;
  /** Every send rejects until {@link CapturingNotifier.recover}. */
  failAlways(error?: unknown): this;
  /** Sends never answer, like a receiver that accepted the connection and went silent; they end only when their signal aborts. */
  hang(): this;
  /** Back to delivering every send. */
  recover(): this;
  /** Forgets what was recorded (not the failure mode). */
  clear(): this;
}

type Mode = { kind: 'ok' } | { kind: 'fail'; remaining: number; error: unknown } | { kind: 'hang' };

/**
 * A notifier for testing alert rules and delivery: pass it to `createMonitor({ notifiers })`,
 * drive the monitor's ManualClock, then read `sent` or `await waitFor(n)`. `failNext`,
 * `failAlways` and `hang` exercise retries, dead letters and breakers.
 */
export function capturingNotifier(options: CapturingNotifierOptions = {}): CapturingNotifier {
  const o = parseNotifierOptions('capturingNotifier', capturingNotifierOptionsSchema, options);
  const sent: Notification[] = [];
  const calls: CapturedCall[] = [];
  const waiters = new Set<() => void>();
  let mode: Mode = { kind: 'ok' };
  const failure = (error: unknown): unknown => error ?? new NotificationError(o.name, 'failing on purpose (capturingNotifier)');

  const notifier: CapturingNotifier = {
    name: o.name,
    delivery: o.delivery,
    sent,
    calls,
    async send(notification: Notification, { signal }: NotifierSendOptions): Promise<void> {
      const call: CapturedCall = { notification: structuredClone(notification), outcome: 'pending' };
      calls.push(call);
      if (signal.aborted) {
        call.outcome = 'aborted';
        throw signal.reason;
      }
      if (mode.kind === 'hang') {
        await new Promise<never>((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true })).catch((reason: unknown) => {
          call.outcome = 'aborted';
          throw reason;
        });
      }
      if (mode.kind === 'fail') {
        const { error } = mode;
        if (--mode.remaining <= 0) mode = { kind: 'ok' };
        call.outcome = 'failed';
        throw error;
      }
      call.outcome = 'sent';
      sent.push(call.notification);
      for (const wake of [...waiters]) wake();
    },
    waitFor(count, { signal } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (sent.length < count) return;
          waiters.delete(check);
          resolve(sent);
        };
        waiters.add(check);
        signal?.addEventListener('abort', () => (waiters.delete(check), reject(signal.reason)), { once: true });
        check();
      });
    },
    failNext(count = 1, error) {
      mode = count > 0 ? { kind: 'fail', remaining: count, error: failure(error) } : { kind: 'ok' };
      return notifier;
    },
    failAlways(error) {
      mode = { kind: 'fail', remaining: Infinity, error: failure(error) };
      return notifier;
    },
    hang() {
      mode = { kind: 'hang' };
      return notifier;
    },
    recover() {
      mode = { kind: 'ok' };
      return notifier;
    },
    clear() {
      sent.length = 0;
      calls.length = 0;
      return notifier;
    },
  };
  return notifier;
}
