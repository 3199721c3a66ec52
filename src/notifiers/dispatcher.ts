import type { CapabilityContext } from '../capability.js';
import type { DeadLetter, DeadLetterQuery } from '../storage/records.js';
import type { Notification, Notifier } from './contract.js';
import type { ResolvedDispatcherOptions } from './options.js';

/**
 * SKELETON (to be implemented): delivers notifications to channels, each with its own queue,
 * retries, breaker and dead letter, so that a failing channel never delays another.
 */
export class NotificationDispatcher {
  readonly notifiers: readonly Notifier[];

  constructor(
    private readonly ctx: CapabilityContext,
    notifiers: readonly Notifier[],
    private readonly options: ResolvedDispatcherOptions,
  ) {
    this.notifiers = notifiers;
  }

  /** Queues `notification` for each named channel (all channels when `channels` is empty). Never blocks or throws. */
  dispatch(notification: Notification, channels: readonly string[]): void {
    void notification;
    void channels;
    void this.ctx;
    void this.options;
  }

  /** Dead letters, oldest first. */
  listDeadLetters(query?: DeadLetterQuery): Promise<DeadLetter[]> {
    return this.ctx.storage.listDeadLetters(query);
  }

  /** Resolves when every queue is empty. */
  async idle(): Promise<void> {}

  /** Waits up to `timeoutMs` for queued notifications, then stops. */
  async close(_timeoutMs: number): Promise<void> {}
}
