import type { Notification } from '../notifiers/contract.js';

/** How urgent an alert is; each has its own default cooldown (seed 000). */
export type Severity = 'info' | 'warning' | 'error' | 'critical';

/** Where an alert is in its life. Pending alerts are never stored or sent. */
export type AlertStatus = 'firing' | 'resolved';

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
  /** When it started firing (after `duration`): Alertmanager's startsAt. */
  startsAt: number;
  /** When it resolved. */
  endsAt?: number | undefined;
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
}

/** Which job dead letters to read. Results are oldest first. */
export interface JobDeadLetterQuery {
  job?: string | undefined;
  limit?: number | undefined;
}
