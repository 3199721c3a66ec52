/**
 * Shared pieces of the alert engine tests: a monitor on a ManualClock with its alert events
 * collected, a notifier that records what it is sent, and a validation assertion.
 */
import { expect } from 'vitest';
import {
  ValidationError,
  createMonitor,
  type AlertRecord,
  type AlertRuleInput,
  type EvaluationResult,
  type Monitor,
  type MonitorOptions,
  type Notification,
  type Notifier,
  type PulsewatchError,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

/** 2026-01-01T00:00:00Z: a multiple of every slot length and evaluation interval used here. */
export const T0 = Date.UTC(2026, 0, 1);
export const SECOND = 1_000;
export const MINUTE = 60_000;
export const HOUR = 3_600_000;

/** Alert events of a monitor, in order. */
export interface AlertEvents {
  triggered: AlertRecord[];
  resolved: AlertRecord[];
  acknowledged: AlertRecord[];
  errors: PulsewatchError[];
}

/** Collects `alertTriggered`, `alertResolved`, `alertAcknowledged` and `error`. */
export function alertEvents(monitor: Monitor): AlertEvents {
  const log: AlertEvents = { triggered: [], resolved: [], acknowledged: [], errors: [] };
  monitor.on('alertTriggered', (a) => log.triggered.push(a));
  monitor.on('alertResolved', (a) => log.resolved.push(a));
  monitor.on('alertAcknowledged', (a) => log.acknowledged.push(a));
  monitor.on('error', (e) => log.errors.push(e));
  return log;
}

/** A notifier that keeps every notification it is sent, in order. */
export interface RecordingNotifier extends Notifier {
  readonly sent: Notification[];
  /** Notifications with this status and reason. */
  with(status: Notification['status'], reason?: Notification['reason']): Notification[];
}

/** A test-local notifier in the contract's shape: `{ name, delivery?, send(notification, { signal }) }`. */
export function recordingNotifier(name = 'test', delivery?: 'events' | 'state'): RecordingNotifier {
  const sent: Notification[] = [];
  return {
    name,
    ...(delivery !== undefined ? { delivery } : {}),
    sent,
    async send(notification, { signal }) {
      if (signal.aborted) throw new Error('aborted');
      sent.push(structuredClone(notification));
    },
    with(status, reason) {
      return sent.filter((n) => n.status === status && (reason === undefined || n.reason === reason));
    },
  };
}

/** A monitor on a ManualClock starting at {@link T0}, with its alert events collected. */
export interface Setup {
  clock: ManualClock;
  monitor: Monitor;
  events: AlertEvents;
  /**
   * Moves time forward by `ms` (the evaluation timer evaluates on each of its ticks), then
   * evaluates once more at the new time and returns that evaluation.
   */
  advance(ms: number): Promise<EvaluationResult>;
  /** Advances to `T0 + offset` (which must not be in the past) and evaluates there. */
  at(offset: number): Promise<EvaluationResult>;
}

/** Creates a {@link Setup}. `clock` may be shared between monitors. */
export function setup(options: MonitorOptions = {}, clock = new ManualClock(T0)): Setup {
  const monitor = createMonitor({ ...options, clock });
  const events = alertEvents(monitor);
  const advance = async (ms: number): Promise<EvaluationResult> => {
    await clock.advanceAsync(ms);
    return monitor.alerts.evaluate();
  };
  const at = (offset: number): Promise<EvaluationResult> => {
    const ms = T0 + offset - clock.now();
    if (ms < 0) throw new Error(`T0 + ${offset} is in the past`);
    return advance(ms);
  };
  return { clock, monitor, events, advance, at };
}

/** Asserts that `promise` rejects with a ValidationError whose issues name each of `paths`. */
export async function expectValidationError(promise: Promise<unknown>, ...paths: string[]): Promise<ValidationError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a ValidationError naming ${paths.join(', ')}`).toBeInstanceOf(ValidationError);
  const v = error as ValidationError;
  expect(v.code).toBe('ERR_PULSEWATCH_VALIDATION');
  const got = v.issues.map((i) => i.path);
  for (const path of paths) expect(got, `issues: ${JSON.stringify(v.issues)}`).toContain(path);
  return v;
}

/** A rule that always holds while `metric` has data: its alert's `value` is the aggregation. */
export function probe(name: string, metric: string, fields: Partial<AlertRuleInput> = {}): AlertRuleInput {
  return { name, metric, condition: 'gte', threshold: -1e12, ...fields };
}

let probes = 0;

/**
 * Creates a probe rule, evaluates, and returns the value its alert carries (null when the
 * condition had no data and nothing fired). The rule is deleted again.
 */
export async function probeValue(s: Setup, metric: string, fields: Partial<AlertRuleInput> = {}): Promise<number | null> {
  const rule = await s.monitor.alerts.createRule(probe(`probe ${++probes}`, metric, fields));
  await s.monitor.alerts.evaluate();
  const alert = s.monitor.alerts.getActiveAlerts().find((a) => a.ruleId === rule.id);
  await s.monitor.alerts.deleteRule(rule.id);
  return alert === undefined ? null : alert.value;
}

/** The value the firing alert of `ruleId` carries (its first condition's), or null when none fires. */
export function firingValue(monitor: Monitor, ruleId: string, labels: Record<string, string> = {}): number | null {
  const alert = monitor.alerts.getActiveAlerts().find((a) => a.ruleId === ruleId && Object.entries(labels).every(([k, v]) => a.labels[k] === v));
  return alert === undefined ? null : alert.value;
}

/** A rule as a service declares it at start-up (with an id), for the ensureRule tests. */
export const DECLARED = {
  id: 'checkout-latency',
  name: 'High Response Time',
  metric: 'http_request_duration_seconds',
  aggregation: 'p95',
  window: '5m',
  condition: 'greater_than',
  threshold: 1,
  duration: '5m',
  severity: 'critical',
} as const satisfies AlertRuleInput;
