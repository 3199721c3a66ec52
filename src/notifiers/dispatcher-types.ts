import type { BreakerStateChangedEvent } from '../core/breaker-machine.js';
import type { Clock } from '../core/clock.js';
import type { PulsewatchError } from '../core/errors.js';
import type { DropReason } from '../core/events.js';
import type { DeadLetterStore, StorageLifecycle } from '../storage/roles.js';
import type { ChannelPhase } from './channel.js';
import type { ChannelBreakerState } from './channel-breaker.js';
import type { Notification } from './contract.js';
import type { dispatcherMetrics } from './dispatcher-metrics.js';
import type { NotificationFailedEvent, NotificationSentEvent } from './events.js';

/** The types and constants of a notification dispatcher's contract with its monitor (dispatcher.ts re-exports them). */

/** The monitor events a dispatcher emits, with their payloads. */
export interface DispatcherEvents {
  notificationSent: (event: NotificationSentEvent) => void;
  notificationFailed: (event: NotificationFailedEvent) => void;
  breakerStateChanged: (event: BreakerStateChangedEvent) => void;
}

/**
 * What a dispatcher needs from its monitor. Declared here, below the capabilities, so notifiers
 * never import upwards; a monitor's capability context satisfies it as it is.
 */
export interface DispatcherContext {
  readonly clock: Clock;
  /** Where failed notifications are kept (the store's dead-letter role); `name` words its errors. */
  readonly storage: DeadLetterStore & Pick<StorageLifecycle, 'name'>;
  /** Where the dispatcher defines its self-metrics. */
  readonly metrics: Parameters<typeof dispatcherMetrics>[0];
  /** Emits a monitor event; a listener that throws is reported, never rethrown. */
  emit<E extends keyof DispatcherEvents>(event: E, ...args: Parameters<DispatcherEvents[E]>): void;
  /** Reports an error through the `error` event. Never throws. */
  report(error: PulsewatchError): void;
  /** Counts `count` items not kept and emits `dropped`. Never throws. */
  drop(reason: DropReason, count: number): void;
}

/** How a retried dead letter ended: delivered (the dead letter is deleted) or failed again (it is replaced). */
export type DeliveryOutcome = 'sent' | 'failed';

/** One channel's delivery state, for dashboards and health views. */
export interface ChannelStatus {
  /** The notifier's name. */
  name: string;
  delivery: 'events' | 'state';
  /** Notifications waiting (the one being sent not included). */
  queued: number;
  /** `idle`, `sending`, `backoff` (waiting to retry) or `breakerOpen` (waiting for the trial). */
  phase: ChannelPhase;
  breaker: ChannelBreakerState;
}

/**
 * How long `close()` waits, after its deadline, for the bookkeeping that follows it (dead-letter
 * writes, events, each notifier's `close()`) before abandoning what still hangs.
 */
export const DISPATCHER_CLOSE_GRACE_MS = 500;

/** Id of the dead letter of `notification` on `channel`: a second failure replaces the first. */
export function deadLetterId(channel: string, notification: Notification): string {
  return `${channel}:${notification.id}`;
}
