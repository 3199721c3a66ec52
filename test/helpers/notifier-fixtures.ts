import { fingerprint } from '../../src/alerts/fingerprint.js';
import type { NotificationFailedEvent, NotificationSentEvent } from '../../src/notifiers/events.js';
import type { Notification, Notifier } from '../../src/notifiers/contract.js';
import type { DispatcherOptions } from '../../src/notifiers/options.js';
import type { PulsewatchError } from '../../src/core/errors.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import type { BreakerStateChangedEvent } from '../../src/resilience/types.js';
import type { AlertRecord } from '../../src/storage/records.js';
import type { StorageAdapter } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

/** 2026-01-01T00:00:00Z, the ManualClock default. */
export const T0 = Date.UTC(2026, 0, 1);

/** An alert record as the rule engine would make it; `labels` decide the fingerprint. */
export function makeAlert(overrides: Partial<AlertRecord> = {}, at = T0): AlertRecord {
  const labels = overrides.labels ?? { alertname: 'HighLatency', service: 'api', severity: 'critical', route: '/checkout' };
  return {
    id: 'alert-1',
    ruleId: 'rule-1',
    ruleName: labels.alertname ?? 'HighLatency',
    fingerprint: fingerprint(labels),
    labels,
    annotations: { summary: 'p95 latency is high', description: 'p95 of http_request_duration_seconds above 1s for 5m' },
    message: 'p95 of http_request_duration_seconds = 1.25 (> 1 over 5m)',
    severity: 'critical',
    type: 'performance',
    status: 'firing',
    value: 1.25,
    threshold: 1,
    activeAt: at - 300_000,
    startsAt: at,
    channels: [],
    recipients: [],
    service: 'api',
    updatedAt: at,
    ...overrides,
  };
}

/** A notification about {@link makeAlert}; pass `alert` fields to change the alert. */
export function makeNotification(overrides: Partial<Omit<Notification, 'alert'>> & { alert?: Partial<AlertRecord> } = {}, at = T0): Notification {
  const { alert: alertOverrides, ...rest } = overrides;
  const alert = makeAlert(alertOverrides, at);
  return {
    id: `${alert.id}:1`,
    status: alert.status === 'resolved' ? 'resolved' : 'firing',
    reason: alert.status === 'resolved' ? 'alert resolved' : 'first notification',
    alert,
    service: alert.service,
    createdAt: at,
    ...rest,
  };
}

/** A resolved notification about the same alert, `after` ms later. */
export function resolvedNotification(after = 600_000, at = T0): Notification {
  return makeNotification({ id: 'alert-1:2', status: 'resolved', reason: 'alert resolved', createdAt: at + after, alert: { status: 'resolved', endsAt: at + after, updatedAt: at + after } }, at);
}

/** What a monitor emitted about notifications. */
export interface NotifierEvents {
  sent: NotificationSentEvent[];
  failed: NotificationFailedEvent[];
  errors: PulsewatchError[];
  breakers: BreakerStateChangedEvent[];
}

/** A real monitor on a ManualClock with `notifiers`, its events collected. */
export interface NotifierHarness {
  clock: ManualClock;
  monitor: Monitor;
  events: NotifierEvents;
  /** Resolves with the next `notificationFailed` (or the `count`-th from now). */
  nextFailed(count?: number): Promise<NotificationFailedEvent[]>;
  /** Resolves with the next `notificationSent` (or the `count`-th from now). */
  nextSent(count?: number): Promise<NotificationSentEvent[]>;
  /** The phase of a channel (`idle`, `sending`, `backoff`, `breakerOpen`). */
  phase(channel: string): string | undefined;
}

/** Default test delivery: no jitter, so backoff delays are exact. */
export const TEST_DELIVERY: DispatcherOptions = { retries: 2, timeout: 5_000, backoff: { initialDelay: 1_000, factor: 2, jitter: 0 } };

/** Creates a {@link NotifierHarness}. */
export function notifierHarness(notifiers: Notifier[], notifications: DispatcherOptions = TEST_DELIVERY, storage?: StorageAdapter): NotifierHarness {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ clock, notifiers, notifications, ...(storage ? { storage } : {}) });
  const events: NotifierEvents = { sent: [], failed: [], errors: [], breakers: [] };
  monitor.on('notificationSent', (e) => events.sent.push(e));
  monitor.on('notificationFailed', (e) => events.failed.push(e));
  monitor.on('error', (e) => events.errors.push(e));
  monitor.on('breakerStateChanged', (e) => events.breakers.push(e));
  const next = <E extends 'notificationSent' | 'notificationFailed'>(event: E, list: unknown[], count: number): Promise<never[]> => {
    const target = list.length + count;
    return new Promise((resolve) => {
      const stop = monitor.on(event, (() => {
        if (list.length >= target) {
          stop();
          resolve(list.slice(target - count) as never[]);
        }
      }) as never);
    });
  };
  return {
    clock,
    monitor,
    events,
    nextFailed: (count = 1) => next('notificationFailed', events.failed, count),
    nextSent: (count = 1) => next('notificationSent', events.sent, count),
    phase: (channel) => monitor.notifications.status().find((s) => s.name === channel)?.phase,
  };
}

/**
 * Waits until `predicate` holds, checking after each macrotask, with a deadline (`limitMs` of
 * real time) so a broken test does not hang. Only for state that nothing announces with a
 * promise or an event and that `clock.idle()` cannot wait for: a send in flight to a notifier
 * that never answers (`sending`), which keeps the clock busy until its timeout. A channel
 * waiting on the clock (`backoff`, `breakerOpen`) is what `await clock.idle()` leaves it in.
 */
export async function until(predicate: () => boolean, limitMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > limitMs) throw new Error(`condition not met within ${limitMs} ms: ${predicate.toString()}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
