import type { NotificationError } from '../core/errors.js';
import type { Notification } from './contract.js';

/** Payload of `notificationSent`. */
export interface NotificationSentEvent {
  /** The notifier's name. */
  channel: string;
  notification: Notification;
  /** 1 when the first try succeeded. */
  attempts: number;
}

/** Payload of `notificationFailed`. */
export interface NotificationFailedEvent {
  channel: string;
  notification: Notification;
  /** The last failure; its message never holds URLs or credentials. */
  error: NotificationError;
  attempts: number;
  /** True when the notification was stored as a dead letter (it can be listed and retried). */
  deadLettered: boolean;
}
