import type { Notification } from './contract.js';
import { rfc3339 } from './format.js';

/** Go's zero time, which Alertmanager writes for an unknown `endsAt`. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** One alert of an Alertmanager webhook message. */
export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

/**
 * The body `webhookNotifier` posts: Alertmanager's webhook payload (version 4), so receivers
 * written for Alertmanager work unchanged, plus `pulsewatch` with our own record.
 */
export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: 0;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  notification_reason: string;
  alerts: WebhookAlert[];
  pulsewatch: {
    notificationId: string;
    /** pulsewatch's own reason (`alert resolved`, `state refresh`, `manual`...). */
    reason: Notification['reason'];
    service: string;
    createdAt: string;
    alert: Notification['alert'];
  };
}

/** One element of the JSON array `POST /api/v2/alerts` takes. */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt?: string;
  generatorURL?: string;
}

/** Builds the webhook body for `notification`, sent to the receiver called `receiver`. */
export function webhookPayload(notification: Notification, receiver: string, externalURL: string): WebhookPayload {
  const { alert } = notification;
  const labels = nonEmpty(alert.labels);
  return {
    version: '4',
    // One alert per message, grouped by all its labels (Alertmanager's `group_by: ['...']`): the
    // group key is then stable per alert, as receivers that dedupe by it expect.
    groupKey: `{}:{${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${JSON.stringify(labels[k])}`)
      .join(', ')}}`,
    truncatedAlerts: 0,
    status: notification.status,
    receiver: quoteMeta(receiver),
    groupLabels: { ...labels },
    commonLabels: { ...labels },
    commonAnnotations: { ...alert.annotations },
    externalURL,
    notification_reason: alertmanagerReason(notification),
    alerts: [
      {
        status: notification.status,
        labels: { ...labels },
        annotations: { ...alert.annotations },
        startsAt: rfc3339(alert.startsAt),
        endsAt: endsAtOf(notification) ?? GO_ZERO_TIME,
        generatorURL: notification.generatorURL ?? '',
        fingerprint: alert.fingerprint,
      },
    ],
    pulsewatch: {
      notificationId: notification.id,
      reason: notification.reason,
      service: notification.service,
      createdAt: rfc3339(notification.createdAt),
      alert,
    },
  };
}

/**
 * Builds the postableAlert for `notification`: firing alerts carry `endsAt = validUntil` (when
 * set; without it Alertmanager applies its `resolve_timeout`), resolved ones their `endsAt`.
 */
export function postableAlert(notification: Notification): PostableAlert {
  const { alert } = notification;
  const out: PostableAlert = { labels: nonEmpty(alert.labels), annotations: { ...alert.annotations }, startsAt: rfc3339(alert.startsAt) };
  const endsAt = endsAtOf(notification);
  if (endsAt !== undefined) out.endsAt = endsAt;
  if (notification.generatorURL) out.generatorURL = notification.generatorURL;
  return out;
}

/**
 * Alertmanager's `notification_reason` for a message holding one alert: a resolution is
 * `all alerts resolved`, a repeat or state refresh `repeat interval elapsed`, anything else
 * `first notification`. pulsewatch's own reason stays in `pulsewatch.reason`.
 */
export function alertmanagerReason(notification: Notification): string {
  if (notification.status === 'resolved') return 'all alerts resolved';
  if (notification.reason === 'repeat interval elapsed' || notification.reason === 'state refresh') return 'repeat interval elapsed';
  return 'first notification';
}

/** Go's `regexp.QuoteMeta`, which Alertmanager applies to the receiver name (`a.b` arrives as `a\.b`). */
export function quoteMeta(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

function endsAtOf(notification: Notification): string | undefined {
  const { alert } = notification;
  if (notification.status === 'resolved') {
    // Alertmanager rejects endsAt before startsAt.
    return rfc3339(Math.max(alert.endsAt ?? notification.createdAt, alert.startsAt));
  }
  return notification.validUntil === undefined ? undefined : rfc3339(Math.max(notification.validUntil, alert.startsAt));
}

/**
 * Alertmanager drops empty-valued labels; dropping them here keeps both sides' fingerprints
 * equal. Sorted by name, as Alertmanager prints label sets.
 */
function nonEmpty(labels: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) if (labels[k] !== '') out[k] = labels[k]!;
  return out;
}
