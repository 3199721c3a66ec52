import type { PulsewatchError } from './core/errors.js';
import type { DroppedEvent, FlushedEvent, MetricRecordedEvent } from './core/events.js';
import type { HealthChangedEvent } from './health/types.js';
import type { NotificationFailedEvent, NotificationSentEvent } from './notifiers/events.js';
import type { BreakerStateChangedEvent } from './resilience/types.js';
import type { AlertRecord } from './storage/records.js';

/** Every event a monitor emits, with its payload. `monitor.on(name, listener)` returns a disposer. */
export interface MonitorEvents {
  /** A value recorded through `recordMetric` or `recordJobExecution`. */
  metricRecorded: (event: MetricRecordedEvent) => void;
  /** Rollups written to storage. */
  flushed: (event: FlushedEvent) => void;
  /** Values or rollups not kept, with the reason. */
  dropped: (event: DroppedEvent) => void;
  /** Anything that went wrong without throwing into the caller. */
  error: (error: PulsewatchError) => void;
  /** An alert started firing (after its rule's `duration`), or a manual alert was raised. */
  alertTriggered: (alert: AlertRecord) => void;
  /** A firing alert resolved (condition cleared, or `resolve(id)`). */
  alertResolved: (alert: AlertRecord) => void;
  /** Someone acknowledged a firing alert: repeats stop until it resolves. */
  alertAcknowledged: (alert: AlertRecord) => void;
  /** A channel delivered a notification. */
  notificationSent: (event: NotificationSentEvent) => void;
  /** A channel gave up on a notification (after retries, or at once for a permanent failure). */
  notificationFailed: (event: NotificationFailedEvent) => void;
  /** The overall health status or one check's status changed. */
  healthChanged: (event: HealthChangedEvent) => void;
  /** A circuit breaker opened, half-opened or closed. */
  breakerStateChanged: (event: BreakerStateChangedEvent) => void;
}

/** Name of an event in {@link MonitorEvents}. */
export type MonitorEventName = keyof MonitorEvents;

/**
 * Subscribing to a monitor's events. A listener that throws is reported on `error` (an `error`
 * listener's throw is logged) and never throws into the code that caused the event.
 */
export interface MonitorEventApi {
  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void;
  /** Subscribes for the next occurrence only; returns a function that unsubscribes. */
  once<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void;
  /** Removes a listener added with `on` or `once`. */
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void;
}
