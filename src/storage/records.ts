/**
 * The records a store keeps besides rollups: alerts, rules, notification and job dead letters,
 * and the notification a dead letter holds. Alerts and notifiers use them too; they live here,
 * below both, and import nothing (notifiers/contract.ts re-exports the notification types).
 */

/** How urgent an alert is; each has its own default cooldown (seed 000). */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/**
 * Where an alert is in its life. `pending`: the condition holds but its `duration` (`for`) has
 * not passed; stored so that another instance, or this one after a restart, resumes the `for`
 * instead of starting it again (Prometheus' `ALERTS_FOR_STATE`). Pending alerts are never sent.
 */
export type AlertStatus = 'pending' | 'firing' | 'resolved';

/**
 * One alert: a rule's condition held (for its `duration`) on one label set, or a manual alert.
 * Times are ms since the epoch. Persisted through {@link StorageAdapter.saveAlert}.
 */
export interface AlertRecord {
  /** Unique per firing episode: a new episode of the same rule and labels gets a new id. */
  id: string;
  /** The rule's id, or `'manual'` for {@link AlertEngine.triggerAlert}. */
  ruleId: string;
  ruleName: string;
  /** Alertmanager's fingerprint of `labels` (16 hex digits of FNV-1a 64). */
  fingerprint: string;
  /**
   * The alert's group within its rule (JSON of its `groupBy` labels; the fingerprint for manual
   * alerts): how another instance, or this one after a restart, finds the state it restores.
   */
  groupKey?: string | undefined;
  /** Identity of the alert: `alertname`, `severity`, the rule's labels and the group's labels. */
  labels: Readonly<Record<string, string>>;
  /** `summary`, `description` and whatever the rule adds. */
  annotations: Readonly<Record<string, string>>;
  /** A one-line human message. */
  message: string;
  severity: Severity;
  /** The rule's type (seed 000: performance, error, system, job, custom ...). */
  type: string;
  status: AlertStatus;
  /** Last evaluated value (null when the alert fired on missing data). */
  value: number | null;
  threshold: number | null;
  /** When the condition first held (Prometheus' activeAt). */
  activeAt: number;
  /** When it started firing (after `duration`): Alertmanager's startsAt. While `pending`: `activeAt`. */
  startsAt: number;
  /** When it resolved. */
  endsAt?: number | undefined;
  /**
   * A pending episode that ended without firing (its condition cleared, or its rule changed):
   * stored as `resolved` so that stores purge it like any resolved alert, and left out of
   * `monitor.alerts.getAlertHistory()`. Nothing was ever sent about it.
   */
  neverFired?: true | undefined;
  /**
   * When the latest firing notification of this episode went to human channels (any
   * instance's). The instance that resolves the alert, whichever it is, sends the one resolved
   * message when this is set, and a repeat waits for the cooldown from here.
   */
  notifiedAt?: number | undefined;
  acknowledgedBy?: string | undefined;
  acknowledgedAt?: number | undefined;
  /** Firing, condition no longer met, still inside `keepFiringFor` (Grafana's Recovering). */
  recovering?: boolean | undefined;
  /** Channel names the rule sends to (empty: every configured channel). */
  channels: readonly string[];
  /** Extra addressees for channels that take them (email). */
  recipients: readonly string[];
  service: string;
  updatedAt: number;
}

/** Which alert records to read. Results are newest first. */
export interface AlertQuery {
  status?: AlertStatus | undefined;
  ruleId?: string | undefined;
  fingerprint?: string | undefined;
  /** Alerts updated at or after this time (ms). */
  from?: number | undefined;
  /** Alerts updated before this time (ms). */
  to?: number | undefined;
  limit?: number | undefined;
}

/**
 * A rule as stored: the rule engine's own JSON (durations in ms). Adapters store it opaquely;
 * the engine validates what it reads back, so an instance never runs a malformed rule.
 */
export interface StoredRule {
  id: string;
  name: string;
  createdAt: number;
  updatedAt: number;
  readonly [field: string]: unknown;
}

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

/** A notification that still failed after its retries, kept so it can be listed and retried. */
export interface DeadLetter {
  id: string;
  /** Name of the channel (notifier) that failed. */
  channel: string;
  notification: Notification;
  /** The last error's message, with URLs and credentials removed. */
  error: string;
  attempts: number;
  failedAt: number;
}

/** Which dead letters to read. Results are oldest first. */
export interface DeadLetterQuery {
  channel?: string | undefined;
  limit?: number | undefined;
}

/**
 * A job that still failed after its retries (seed 000's dead letter queue), kept so it can be
 * listed, retried or purged. `data` is the job's JSON payload.
 */
export interface JobDeadLetter {
  id: string;
  /** The job's name (its definition). */
  job: string;
  data: unknown;
  /** The last error's message. */
  error: string;
  attempts: number;
  failedAt: number;
  idempotencyKey?: string | undefined;
  /**
   * The fields `monitor.jobs` writes besides (a store keeps them as written, like every field):
   * `pending` while the dead-letter processor will retry it, `failed` once out of retries.
   */
  status?: 'pending' | 'failed' | undefined;
  /** When the job was first enqueued (ms since the epoch). */
  createdAt?: number | undefined;
  /** When it was last attempted (ms since the epoch). */
  lastAttemptAt?: number | undefined;
  /** Retries from the dead letters so far. */
  retries?: number | undefined;
  /** The job's priority: a retry of the letter runs at it. */
  priority?: 'high' | 'medium' | 'low' | undefined;
}

/** Which job dead letters to read. Results are oldest first. */
export interface JobDeadLetterQuery {
  job?: string | undefined;
  limit?: number | undefined;
}
