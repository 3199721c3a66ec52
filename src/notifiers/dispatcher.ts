import { abortable } from '../core/abortable.js';
import { deadline } from '../core/deadline.js';
import { ClosedError, ConfigError, NotFoundError, NotificationError, StorageError, TimeoutError } from '../core/errors.js';
import type { DeadLetter, DeadLetterQuery } from '../storage/records.js';
import { toNotificationError } from './attempt.js';
import { boundedStoreCall } from './bounded-store.js';
import { Channel, type DeliveryResult } from './channel.js';
import type { ChannelBreakerState } from './channel-breaker.js';
import type { Notification, Notifier } from './contract.js';
import { dispatcherMetrics, type DispatcherMetrics } from './dispatcher-metrics.js';
import { DISPATCHER_CLOSE_GRACE_MS, deadLetterId, type ChannelStatus, type DeliveryOutcome, type DispatcherContext } from './dispatcher-types.js';
import type { ResolvedDispatcherOptions } from './options.js';
import { safeError } from './redact.js';

export { DISPATCHER_CLOSE_GRACE_MS, deadLetterId } from './dispatcher-types.js';
export type { ChannelStatus, DeliveryOutcome, DispatcherContext, DispatcherEvents } from './dispatcher-types.js';

/**
 * Delivers notifications to channels, each with its own queue, per-attempt timeout, retries
 * with backoff, breaker and dead letters, so that a failing channel never delays another.
 * `dispatch` never blocks and never throws; every notification it accepts ends as
 * `notificationSent` or as `notificationFailed` (with a dead letter): none is lost silently.
 */
export class NotificationDispatcher {
  /** The configured channels, in the order given. */
  readonly notifiers: readonly Notifier[];
  private readonly channels = new Map<string, Channel>();
  private readonly metrics: DispatcherMetrics;
  /** How long a store call after a delivery may take: the time an attempt gets (`timeout`). */
  private readonly storeTimeout: number;
  /** Deliveries (and their dead-letter writes and events) not finished yet. */
  private readonly settling = new Set<Promise<unknown>>();
  private readonly retrying = new Map<string, Promise<DeliveryOutcome>>();
  private closing: Promise<void> | undefined;
  /**
   * Aborted when close() abandons what still hangs past its deadline and grace: a store whose
   * dead-letter write never answers, a notifier whose `close()` never resolves.
   */
  private abandonedValue: AbortController | undefined;
  /** Made at first use: workerd refuses an AbortController made at module scope, where users create their monitor. */
  private get abandoned(): AbortController {
    return (this.abandonedValue ??= new AbortController());
  }

  /** Creates one delivery lane per notifier. Throws {@link ConfigError} if two notifiers share a name. */
  constructor(
    private readonly ctx: DispatcherContext,
    notifiers: readonly Notifier[],
    options: ResolvedDispatcherOptions,
  ) {
    this.notifiers = Object.freeze([...notifiers]);
    this.storeTimeout = options.timeout;
    const hooks = {
      attempted: (channel: string, result: Parameters<DispatcherMetrics['attempt']>[1]) => this.metrics.attempt(channel, result),
      breakerChanged: (channel: string, from: ChannelBreakerState, to: ChannelBreakerState) =>
        ctx.emit('breakerStateChanged', { name: `notifier:${channel}`, from, to, at: ctx.clock.now() }),
    };
    for (const notifier of notifiers) {
      if (this.channels.has(notifier.name)) throw new ConfigError(`notifier names must be unique: "${notifier.name}" is used twice`);
      this.channels.set(notifier.name, new Channel(notifier, ctx.clock, options, hooks));
    }
    this.metrics = dispatcherMetrics(ctx.metrics, this.channels);
  }

  /**
   * Queues `notification` for each named channel (every channel when `channels` is empty) and
   * returns at once. Each channel gets its own copy. Never throws: an unknown channel or a call
   * after `close()` ends as `notificationFailed` with a dead letter.
   */
  dispatch(notification: Notification, channels: readonly string[]): void {
    const names = channels.length === 0 ? [...this.channels.keys()] : [...new Set(channels)];
    for (const name of names) {
      try {
        this.dispatchTo(notification, name);
      } catch (error) {
        // Only a notification structuredClone cannot copy gets here: it could not be stored either.
        this.ctx.report(new NotificationError(name, 'the notification could not be queued', { retryable: false, cause: safeError(error) }));
      }
    }
  }

  /** Dead letters, oldest first (the store's `listDeadLetters`). */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.ctx.storage.listDeadLetters(query);
  }

  /**
   * Queues a dead letter's notification on its channel again, with a fresh retry budget. Resolves
   * `'sent'` once delivered (the dead letter is then deleted) or `'failed'` (it is replaced with the
   * new error). Rejects with {@link NotFoundError} for an unknown id or a channel no longer
   * configured, and {@link ClosedError} after `close()`. Calls for an id already being retried share one delivery.
   */
  retryDeadLetter(id: string): Promise<DeliveryOutcome> {
    if (this.closing !== undefined) return Promise.reject(new ClosedError('the notification dispatcher is closed'));
    let pending = this.retrying.get(id);
    if (pending === undefined) {
      pending = this.retry(id).finally(() => this.retrying.delete(id));
      this.retrying.set(id, pending);
    }
    return pending;
  }

  /** Each channel's queue and breaker state. */
  status(): ChannelStatus[] {
    return [...this.channels.values()].map((c) => ({
      name: c.name,
      delivery: c.notifier.delivery ?? 'events',
      queued: c.queued,
      phase: c.phase,
      breaker: c.breaker.state,
    }));
  }

  /**
   * Resolves when every notification accepted so far was delivered or dead-lettered (events
   * emitted). With a ManualClock, retries and open breakers wait for the clock to be advanced.
   */
  async idle(): Promise<void> {
    while (this.settling.size > 0) await Promise.allSettled([...this.settling]);
  }

  /**
   * Stops accepting notifications, then lets queued ones go out for up to `timeoutMs`; retries
   * go at once, without backoff, and channels with an open breaker give up. At the deadline the
   * attempts in flight are aborted and everything left is dead-lettered. Closes the notifiers
   * last. Settles within `timeoutMs + graceMs` whatever the store or a notifier does: a
   * dead-letter write or a notifier's `close()` still pending then is abandoned and reported
   * (the notification as `notificationFailed` with `deadLettered: false` and a `shutdown` drop).
   * Never rejects; calling it again returns the same promise.
   */
  close(timeoutMs: number, graceMs = DISPATCHER_CLOSE_GRACE_MS): Promise<void> {
    this.closing ??= this.shutdown(timeoutMs, Math.max(0, graceMs));
    return this.closing;
  }

  private async shutdown(timeoutMs: number, graceMs: number): Promise<void> {
    const { clock } = this.ctx;
    const budget = Math.max(0, timeoutMs) + graceMs;
    // Unref'd: it only cuts short work that may never finish; it must not hold the process for it.
    const abandon = deadline(clock, budget, () => new TimeoutError(`close() gave up after ${budget} ms`, budget));
    abandon.signal.addEventListener('abort', () => this.abandoned.abort(abandon.signal.reason), { once: true });
    if (abandon.signal.aborted) this.abandoned.abort(abandon.signal.reason);
    for (const channel of this.channels.values()) channel.drain();
    const giveUp = (): void => {
      for (const channel of this.channels.values()) {
        channel.abort(new NotificationError(channel.name, `close() gave up after ${timeoutMs} ms`, { cause: new ClosedError('the notification dispatcher is closed') }));
      }
    };
    if (timeoutMs <= 0) giveUp();
    else {
      let timer: unknown;
      // keepAlive: at shutdown this timer may be all that holds the process until deliveries end.
      const expired = new Promise<void>((resolve) => (timer = clock.setTimeout(() => (giveUp(), resolve()), timeoutMs, { keepAlive: true })));
      await Promise.race([this.idle(), expired]);
      clock.clearTimeout(timer);
    }
    await this.idle();
    for (const channel of this.channels.values()) channel.dispose();
    await Promise.all(
      this.notifiers.map(async (notifier) => {
        try {
          await abortable(() => notifier.close?.(), this.abandoned.signal);
        } catch (cause) {
          const hung = this.abandoned.signal.aborted && cause === this.abandoned.signal.reason;
          const message = hung ? `the notifier's close() did not finish within ${budget} ms; abandoned` : 'closing the notifier failed';
          this.ctx.report(new NotificationError(notifier.name, message, { cause: hung ? undefined : safeError(cause) }));
        }
      }),
    );
    abandon.cancel();
  }

  private dispatchTo(notification: Notification, name: string): void {
    // A copy per channel: a notifier that changes what it was given cannot change what others send.
    const copy = structuredClone(notification);
    const channel = this.channels.get(name);
    if (channel === undefined) {
      const error = new NotificationError(name, 'no notifier with this name is configured', { retryable: false });
      this.track(this.onClock(this.giveUp(name, copy, error, 0)));
    } else if (this.closing !== undefined) {
      const error = new NotificationError(name, 'dispatched after close()', { cause: new ClosedError('the notification dispatcher is closed') });
      this.track(this.onClock(this.giveUp(name, copy, error, 0)));
    } else {
      this.track(channel.enqueue(copy).then((result) => this.onClock(this.settle(name, copy, result))));
    }
  }

  private async retry(id: string): Promise<DeliveryOutcome> {
    // Finding the letter and queueing it is tracked on the clock up to the channel's own tracking
    // of the delivery (a wrapper, not the delivery's promise: a backoff must not hold idle()).
    const start = this.startRetry(id);
    this.onClock(start);
    return (await start).done;
  }

  private async startRetry(id: string): Promise<{ done: Promise<DeliveryOutcome> }> {
    const letter = (await this.afterDelivery((signal) => this.ctx.storage.listDeadLetters(undefined, { signal }))).find((d) => d.id === id);
    if (letter === undefined) throw new NotFoundError('dead letter', id);
    const channel = this.channels.get(letter.channel);
    if (channel === undefined) throw new NotFoundError('notifier', letter.channel);
    const done = channel.enqueue(letter.notification, letter.attempts).then((result) => this.onClock(this.finishRetry(id, letter, result)));
    this.track(done);
    return { done };
  }

  /** A retried dead letter's outcome: deleted once delivered, saved again when it still failed. */
  private async finishRetry(id: string, letter: DeadLetter, result: DeliveryResult): Promise<DeliveryOutcome> {
    if (!result.ok) {
      await this.giveUp(letter.channel, letter.notification, result.error, result.attempts, id);
      return 'failed';
    }
    try {
      await this.afterDelivery((signal) => this.ctx.storage.deleteDeadLetter(id, { signal }));
    } catch (cause) {
      this.ctx.report(new StorageError(`deleting delivered dead letter "${id}" from "${this.ctx.storage.name}" storage ${this.why(cause)}`, { cause }));
    }
    this.sent(letter.channel, letter.notification, result.attempts);
    return 'sent';
  }

  /**
   * Hands the work after a delivery (a dead letter's save, then `notificationFailed`) to the
   * clock, so the monitor's `idle()` waits for the event, not only for the delivery the channel
   * tracked. Its store calls are bounded (see {@link afterDelivery}), so this never holds
   * `idle()` past their deadline.
   */
  private onClock<T>(work: Promise<T>): Promise<T> {
    this.ctx.clock.track?.(work.then(
      () => undefined,
      () => undefined,
    ));
    return work;
  }

  private async settle(channel: string, notification: Notification, result: DeliveryResult): Promise<void> {
    if (result.ok) this.sent(channel, notification, result.attempts);
    else await this.giveUp(channel, notification, result.error, result.attempts);
  }

  private sent(channel: string, notification: Notification, attempts: number): void {
    this.metrics.outcome(channel, 'sent');
    this.ctx.emit('notificationSent', { channel, notification, attempts });
  }

  /** Saves the dead letter first, so the event can say whether it was kept. */
  private async giveUp(channel: string, notification: Notification, error: NotificationError, attempts: number, id = deadLetterId(channel, notification)): Promise<void> {
    this.metrics.outcome(channel, 'failed');
    const letter: DeadLetter = { id, channel, notification, error: error.message, attempts, failedAt: this.ctx.clock.now() };
    let deadLettered = true;
    try {
      await this.afterDelivery((signal) => this.ctx.storage.saveDeadLetter(letter, { signal }));
    } catch (cause) {
      deadLettered = false;
      const abandoned = this.abandoned.signal.aborted && cause === this.abandoned.signal.reason;
      this.ctx.report(new StorageError(`saving dead letter "${id}" to "${this.ctx.storage.name}" storage ${this.why(cause)}; the notification is lost`, { cause }));
      // Lost for good at shutdown: counted like the rollups close() could not write.
      if (abandoned) this.ctx.drop('shutdown', 1);
    }
    this.ctx.emit('notificationFailed', { channel, notification, error, attempts, deadLettered });
    this.ctx.report(error);
  }

  /**
   * A store call after a delivery: abandoned at `timeout` (the time an attempt gets) on the
   * clock, or when close() gives up, whichever comes first (see bounded-store.ts).
   */
  private afterDelivery<T>(call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return boundedStoreCall(this.ctx.clock, this.storeTimeout, this.abandoned.signal, call);
  }

  /** How a store call after a delivery ended, for its error's message. */
  private why(cause: unknown): string {
    if (this.abandoned.signal.aborted && cause === this.abandoned.signal.reason) return 'did not finish before close() gave up';
    if (cause instanceof TimeoutError) return `did not finish within ${cause.timeout} ms`;
    return 'failed';
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((error: unknown) => this.ctx.report(toNotificationError('dispatcher', error)));
    this.settling.add(tracked);
    void tracked.finally(() => this.settling.delete(tracked));
  }
}
