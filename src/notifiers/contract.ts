import type { AlertRecord } from '../storage/records.js';

/**
 * Why a notification was sent, in Alertmanager's words (its `notification_reason`), plus
 * `manual` for alerts raised by hand.
 */
export type NotificationReason =
  | 'first notification'
  | 'repeat interval elapsed'
  | 'alert resolved'
  | 'state refresh'
  | 'manual'
  | 'retry';

/** One message about one alert, handed to every channel the alert goes to. */
export interface Notification {
  /** Unique per notification (the alert id plus a sequence number). */
  id: string;
  status: 'firing' | 'resolved';
  reason: NotificationReason;
  /** A copy of the alert as it was when the notification was made. */
  alert: AlertRecord;
  /** The monitor's service name. */
  service: string;
  /** When the notification was made (ms since the epoch). */
  createdAt: number;
  /**
   * For firing alerts sent to a state channel (Alertmanager): the `endsAt` to post, Prometheus'
   * `validUntil`, after which Alertmanager resolves the alert by itself if we go quiet.
   */
  validUntil?: number | undefined;
  /** Link back to where the alert came from (Alertmanager's generatorURL). */
  generatorURL?: string | undefined;
}

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
