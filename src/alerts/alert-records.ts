import type { Notification, NotificationReason } from '../notifiers/contract.js';
import type { AlertRecord, Severity } from '../storage/records.js';
import type { AlertState } from './alert-state.js';
import { symbolOf } from './conditions.js';
import { aggregationName, type NormalizedCondition } from './rule-schema.js';

/** A rule's identity fields an alert record copies. */
export interface RuleIdentity {
  id: string;
  name: string;
  description?: string | undefined;
  severity: Severity;
  type: string;
  channels: readonly string[];
  recipients: readonly string[];
  alertLabels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
}

/**
 * Labels of an alert, Prometheus' way: the group's labels, then the rule's labels (which win),
 * then `alertname`; `severity` and `service` are added unless the rule sets them.
 */
export function alertLabels(rule: RuleIdentity, groupLabels: Readonly<Record<string, string>>, service: string): Record<string, string> {
  const labels: Record<string, string> = { service, severity: rule.severity, ...groupLabels, ...rule.alertLabels, alertname: rule.name };
  // Alertmanager drops empty-valued labels; drop them here so fingerprints agree.
  for (const [k, v] of Object.entries(labels)) if (v === '') delete labels[k];
  return labels;
}

/** A short human message: `p95 of http_request_duration_seconds = 1.2 > 1 over 5m`. */
export function describeValue(condition: NormalizedCondition | undefined, value: number | null): string {
  if (condition === undefined) return value === null ? 'no data' : `value ${format(value)}`;
  const [before, after] = messagePartsOf(condition);
  return before + (value === null ? 'no data' : format(value)) + after;
}

/**
 * The parts of a condition's message around its value, made once per condition: a firing
 * alert's message is made again on every tick (its value changes), the rest of it never does.
 * Conditions are not changed in place (a changed rule gets new ones).
 */
const messageParts = new WeakMap<NormalizedCondition, readonly [string, string]>();

function messagePartsOf(condition: NormalizedCondition): readonly [string, string] {
  let parts = messageParts.get(condition);
  if (parts === undefined) {
    const subject = `${aggregationName(condition.aggregation)} of ${condition.metric}`;
    parts = [`${subject} = `, ` (${symbolOf(condition.op)} ${format(condition.threshold)} over ${formatDuration(condition.window)})`];
    messageParts.set(condition, parts);
  }
  return parts;
}

/** A new firing record for a state. */
export function newRecord(id: string, rule: RuleIdentity, state: AlertState, message: string, threshold: number | null, service: string, ts: number): AlertRecord {
  return {
    id,
    ruleId: rule.id,
    ruleName: rule.name,
    fingerprint: state.fingerprint,
    groupKey: state.groupKey,
    labels: { ...state.labels },
    annotations: { summary: `${rule.name}: ${message}`, ...(rule.description ? { description: rule.description } : {}), ...rule.annotations },
    message,
    severity: rule.severity,
    type: rule.type,
    status: 'firing',
    value: state.value,
    threshold,
    activeAt: state.activeAt,
    startsAt: state.firedAt ?? ts,
    channels: [...rule.channels],
    recipients: [...rule.recipients],
    service,
    updatedAt: ts,
  };
}

/**
 * Sets a firing record's current `message` and `value`, and the summary generated from the
 * message with them (a summary the rule's own `annotations` give stays): a repeat notification,
 * the active list and Alertmanager all show the value now, not the one it fired with.
 */
export function refreshRecord(record: AlertRecord, rule: Pick<RuleIdentity, 'name' | 'annotations'>, message: string, value: number | null, threshold?: number | null): void {
  record.message = message;
  record.value = value;
  // A threshold changed without changing the alert's identity shows in the message: here too.
  if (threshold !== undefined) record.threshold = threshold;
  if (rule.annotations.summary !== undefined) return;
  const summary = `${rule.name}: ${message}`;
  // Written in place (the key keeps its place): a new annotations object per firing alert and
  // tick was garbage the next tick. Each record has its own annotations object (copied from the
  // rule, or read from the store).
  if (Object.hasOwn(record.annotations, 'summary')) (record.annotations as Record<string, string>).summary = summary;
  else record.annotations = { ...record.annotations, summary };
}

/**
 * The stored record of a pending alert: the episode's id (kept when it fires), `activeAt` for
 * `startsAt`. Restoring it resumes the `for` on any instance (see alerts/state-sync.ts).
 */
export function pendingRecord(id: string, rule: RuleIdentity, state: AlertState, message: string, threshold: number | null, service: string, ts: number): AlertRecord {
  return { ...newRecord(id, rule, state, message, threshold, service, ts), status: 'pending', startsAt: state.activeAt };
}

/** A pending record whose episode ended without firing: resolved, so stores purge it, and marked `neverFired`. */
export function closedPendingRecord(record: AlertRecord, ts: number): AlertRecord {
  return { ...record, status: 'resolved', neverFired: true, endsAt: ts, updatedAt: ts };
}

/** A notification about `record` (copied, so later changes don't leak into queued messages). */
export function notificationOf(
  state: AlertState,
  record: AlertRecord,
  reason: NotificationReason,
  ts: number,
  extra: { validUntil?: number | undefined; generatorURL?: string | undefined },
): Notification {
  state.sequence++;
  return {
    id: `${record.id}:${state.sequence}`,
    // Only firing and resolved records are ever sent (pending ones are stored, never sent).
    status: record.status === 'resolved' ? 'resolved' : 'firing',
    reason,
    alert: structuredClone(record),
    service: record.service,
    createdAt: ts,
    ...(extra.validUntil !== undefined ? { validUntil: extra.validUntil } : {}),
    ...(extra.generatorURL !== undefined ? { generatorURL: extra.generatorURL } : {}),
  };
}

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
}

function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
