// A notification is a record the store keeps too (in a dead letter): its type lives with the
// stored records, below the notifiers, so that storage never imports from notifiers.
import type { Notification } from '../storage/records.js';

export type { Notification, NotificationReason } from '../storage/records.js';

/** What a notifier's `send` receives besides the notification. */
export interface NotifierSendOptions {
  /** Aborted when the send's timeout passes or the monitor closes; stop and reject. */
  signal: AbortSignal;
}

/**
 * A channel that delivers notifications. `send` resolves when the receiver accepted the
 * notification and rejects otherwise; the dispatcher retries, breaks and dead-letters.
 */
export interface Notifier {
  /** Unique among a monitor's notifiers; rules name channels by it. */
  readonly name: string;
  /**
   * `'events'` (default): a human channel, one message per firing, repeat (cooldown) and exactly
   * one per resolution. `'state'`: an Alertmanager-style client, which re-posts the current
   * state of firing alerts, and of resolved ones for a while, so a restarted receiver catches up.
   */
  readonly delivery?: 'events' | 'state' | undefined;
  /**
   * Time budget of one `send` in ms, for this channel only; overrides the dispatcher's
   * `timeout`. The dispatcher enforces it on the monitor's clock by aborting `signal`.
   */
  readonly timeout?: number | undefined;
  /** Delivers one notification. */
  send(notification: Notification, options: NotifierSendOptions): Promise<void>;
  /** Releases resources (SMTP pools); called by `monitor.close()`. */
  close?(): Promise<void>;
}
