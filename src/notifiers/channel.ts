import PQueue from 'p-queue';
import { sleep, Stretch, type Clock } from '../core/clock.js';
import { NotificationError } from '../core/errors.js';
import { sendOnce, stripChannel, type AttemptResult } from './attempt.js';
import { backoffDelay, type Backoff } from '../core/backoff.js';
import { createChannelBreaker, type ChannelBreaker, type ChannelBreakerState } from './channel-breaker.js';
import type { Notification, Notifier } from './contract.js';
import type { ResolvedDispatcherOptions } from './options.js';

/** What a channel is doing: nothing, sending, waiting to retry, or waiting for its breaker to half-open. */
export type ChannelPhase = 'idle' | 'sending' | 'backoff' | 'breakerOpen';

/** How one delivery ended. `attempts` counts sends, including those before a dead-letter retry. */
export type DeliveryResult = { ok: true; attempts: number } | { ok: false; attempts: number; error: NotificationError };

/** What a channel tells the dispatcher as it works. */
export interface ChannelHooks {
  attempted(channel: string, result: AttemptResult): void;
  breakerChanged(channel: string, from: ChannelBreakerState, to: ChannelBreakerState): void;
}

interface Entry {
  notification: Notification;
  priorAttempts: number;
  /** Aborting it takes the entry out of the queue while it waits (p-queue's per-task signal). */
  evict: AbortController;
}

/**
 * One notifier's delivery lane: a p-queue with concurrency 1 (so a channel receives its
 * notifications in order: a firing message never overtakes its resolution), attempts under a
 * timeout, retries with backoff on the clock, and a breaker. Lanes share nothing, so a failing
 * or hanging channel never delays another.
 */
export class Channel {
  readonly breaker: ChannelBreaker;
  private readonly queue = new PQueue({ concurrency: 1 });
  /** Entries not started yet, oldest first (the queue's contents, which p-queue does not expose). */
  private readonly waiting: Entry[] = [];
  /** Aborted when close() starts: backoff and breaker waits end at once. */
  private wakeValue: AbortController | undefined;
  /** Aborted when close() gives up: the attempt in flight is aborted and waiting entries are evicted. */
  private stopValue: AbortController | undefined;
  // Both made at first use: workerd refuses an AbortController made at module scope, where users create their monitor.
  private get wake(): AbortController {
    return (this.wakeValue ??= new AbortController());
  }
  private get stop(): AbortController {
    return (this.stopValue ??= new AbortController());
  }
  private current: ChannelPhase = 'idle';
  /**
   * Open while the channel works (from a queued notification to the end of its queue), closed
   * while it waits on the clock (backoff, open breaker): what a ManualClock's idle() waits for.
   */
  private readonly stretch: Stretch;
  /** Deliveries queued and not settled yet (the one being sent included). */
  private accepted = 0;

  constructor(
    readonly notifier: Notifier,
    private readonly clock: Clock,
    private readonly options: ResolvedDispatcherOptions,
    private readonly hooks: ChannelHooks,
  ) {
    this.stretch = new Stretch(clock);
    this.breaker = createChannelBreaker(`notifier:${notifier.name}`, options.breaker, clock, (from, to) => {
      // Its reset timer woke a channel waiting on it: the channel works again from here.
      if (to !== 'open' && this.current === 'breakerOpen') this.stretch.beginTracked();
      hooks.breakerChanged(notifier.name, from, to);
    });
  }

  /** The notifier's name. */
  get name(): string {
    return this.notifier.name;
  }

  /** Notifications waiting (the one being sent not included). */
  get queued(): number {
    return this.waiting.length;
  }

  /** What the channel is doing now. */
  get phase(): ChannelPhase {
    return this.current;
  }

  /**
   * Queues a delivery. The promise settles with its result and never rejects. Past `maxQueued`
   * the oldest waiting entry is evicted and settles as failed.
   */
  enqueue(notification: Notification, priorAttempts = 0): Promise<DeliveryResult> {
    if (this.stop.signal.aborted) return Promise.resolve({ ok: false, attempts: priorAttempts, error: this.stop.signal.reason as NotificationError });
    const entry: Entry = { notification, priorAttempts, evict: new AbortController() };
    this.waiting.push(entry);
    this.accepted++;
    // A channel waiting on the clock takes the entry up when it wakes, in that stretch.
    if (this.current !== 'backoff' && this.current !== 'breakerOpen') this.stretch.beginTracked();
    const result = this.queue
      .add(
        () => {
          this.waiting.splice(this.waiting.indexOf(entry), 1);
          return this.deliver(entry);
        },
        { signal: entry.evict.signal },
      )
      .catch((reason: unknown): DeliveryResult => {
        // Only evictions reject: deliver() itself never does.
        const index = this.waiting.indexOf(entry);
        if (index >= 0) this.waiting.splice(index, 1);
        return { ok: false, attempts: priorAttempts, error: reason as NotificationError };
      });
    // The stretch ends as the last result is handed out: this reaction runs before the caller's,
    // so work the caller starts with it (saving a dead letter, then the event) is seen as running
    // only if the caller hands that work to clock.track() in its reaction; the channel cannot.
    void result.then(() => {
      if (--this.accepted === 0) this.stretch.close();
    });
    if (this.waiting.length > this.options.maxQueued) {
      const oldest = this.waiting.shift()!;
      oldest.evict.abort(new NotificationError(this.name, `dropped from a full queue (maxQueued ${this.options.maxQueued}); the oldest notification goes first`));
    }
    return result;
  }

  /** close() started: stop waiting for backoff timers and for an open breaker. */
  drain(): void {
    this.wake.abort();
  }

  /** close() gave up: abort the attempt in flight and evict everything waiting, with `reason`. */
  abort(reason: NotificationError): void {
    this.wake.abort();
    if (!this.stop.signal.aborted) this.stop.abort(reason);
    for (const entry of this.waiting.splice(0)) entry.evict.abort(reason);
  }

  /** Stops the breaker's timer. */
  dispose(): void {
    this.breaker.dispose();
  }

  private async deliver(entry: Entry): Promise<DeliveryResult> {
    // p-queue starts an idle queue's task inside add(): yield first, so no notifier code (payload
    // building, signing) ever runs inside dispatch() and delays the caller.
    await Promise.resolve();
    try {
      return await this.attempts(entry);
    } finally {
      this.current = 'idle';
    }
  }

  private async attempts(entry: Entry): Promise<DeliveryResult> {
    const { clock, breaker, options } = this;
    const timeout = this.notifier.timeout ?? options.timeout;
    const stop = this.stop.signal;
    let attempts = 0;
    let last: NotificationError | undefined;
    const failed = (error: NotificationError): DeliveryResult => ({ ok: false, attempts: entry.priorAttempts + attempts, error });
    for (;;) {
      if (stop.aborted) return failed(this.stopError(last));
      if (breaker.state === 'open') {
        // Waiting keeps the notification (bounded by maxQueued); at close there is no time left to wait.
        if (this.wake.signal.aborted) return failed(this.openError(last));
        this.current = 'breakerOpen';
        this.stretch.close();
        await breaker.whenNotOpen(this.wake.signal);
        continue;
      }
      attempts++;
      this.current = 'sending';
      // Only retryable failures count against the breaker: an answer that retrying cannot fix
      // (a 400) proves the receiver is up, and an attempt aborted by close() proves nothing.
      const outcome = await breaker.run(
        () => sendOnce(this.notifier, entry.notification, clock, timeout, stop),
        (o) => !o.ok && o.error.retryable && !stop.aborted,
      );
      this.hooks.attempted(this.name, outcome.ok ? 'success' : outcome.result);
      if (outcome.ok) return { ok: true, attempts: entry.priorAttempts + attempts };
      // Aborted in flight by close(): report the deadline (and what failed before), not the abort.
      if (stop.aborted) return failed(this.stopError(last));
      last = outcome.error;
      if (!last.retryable || attempts > options.retries) return failed(last);
      // During close() retries go at once: the deadline, not the backoff, bounds them.
      this.current = 'backoff';
      this.stretch.close();
      await sleep(clock, retryDelay(attempts, options.backoff, last.retryAfterMs), this.wake.signal, { resume: () => this.stretch.begin() });
    }
  }

  private stopError(last: NotificationError | undefined): NotificationError {
    const reason = this.stop.signal.reason as NotificationError;
    if (last === undefined) return reason;
    return new NotificationError(this.name, `${stripChannel(reason.message, this.name)}; last error: ${stripChannel(last.message, this.name)}`, { status: last.status, cause: last });
  }

  private openError(last: NotificationError | undefined): NotificationError {
    const suffix = last === undefined ? '' : `; last error: ${stripChannel(last.message, this.name)}`;
    return new NotificationError(this.name, `circuit breaker open at close()${suffix}`, { status: last?.status, cause: last });
  }
}

/**
 * How long to wait before retry number `retry`: the backoff, or longer when the receiver asked
 * for more with `Retry-After` (`retryAfterMs`). The receiver's wish is capped at `maxDelay`,
 * so it can slow a channel down but never hold it longer than our own backoff ever would; the
 * number of retries stays `retries` either way.
 */
export function retryDelay(retry: number, backoff: Backoff, retryAfterMs: number | undefined, random?: () => number): number {
  const ours = backoffDelay(retry, backoff, random);
  // A custom notifier's error may carry anything here: only a positive number counts.
  if (typeof retryAfterMs !== 'number' || !(retryAfterMs > 0)) return ours;
  return Math.max(ours, Math.min(retryAfterMs, backoff.maxDelay));
}
