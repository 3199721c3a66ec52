import type { Notification } from './contract.js';

/** RFC 3339 in UTC with milliseconds, as Alertmanager reads and writes it. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString();
}

/** `alertname="X", service="api"`: labels sorted by name, values quoted. */
export function labelsText(labels: Readonly<Record<string, string>>): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}=${JSON.stringify(labels[name])}`)
    .join(', ');
}

/** A value for people: integers as they are, others to 4 significant digits; `n/a` for null. */
export function formatValue(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** `[FIRING] HighLatency` or `[RESOLVED] HighLatency`. */
export function titleOf(notification: Notification): string {
  return `[${notification.status.toUpperCase()}] ${notification.alert.ruleName}`;
}

/** `12m 5s`: how long an alert fired. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  const units: [number, string][] = [
    [86_400, 'd'],
    [3_600, 'h'],
    [60, 'm'],
    [1, 's'],
  ];
  let rest = s;
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length === 0 ? '0s' : parts.slice(0, 2).join(' ');
}

/** When a resolved alert ended (its `endsAt`, else when the notification was made). */
export function endedAt(notification: Notification): number {
  return notification.alert.endsAt ?? notification.createdAt;
}
