import { describe, expectTypeOf, it } from 'vitest';
import {
  createMonitor,
  rulePacks,
  type AggregationInput,
  type AlertEngineOptions,
  type AlertRecord,
  type AlertRule,
  type AlertRuleInput,
  type EvaluationResult,
  type ManualAlertInput,
  type MonitorOptions,
  type Notification,
  type Notifier,
  type Severity,
} from '../../src/index.js';

const monitor = createMonitor();

describe('AlertRuleInput', () => {
  it('accepts the seed 003 POST /api/monitoring/alerts/rules body, its duration written with the unit', () => {
    const body = {
      name: 'High Response Time',
      metricType: 'response_time',
      condition: 'greater_than',
      threshold: 1000,
      duration: '300s',
      enabled: true,
      recipients: ['admin@codementor-ai.com'],
      cooldownPeriod: 1800,
    } satisfies AlertRuleInput;
    expectTypeOf(monitor.alerts.createRule(body)).toEqualTypeOf<Promise<AlertRule>>();
    // The seed's update body is a partial rule.
    expectTypeOf(monitor.alerts.updateRule('id', { threshold: 800, enabled: false })).toEqualTypeOf<Promise<AlertRule>>();
  });

  it('accepts the design\'s shape: durations as strings, short or long condition names, detectors', () => {
    const rule: AlertRuleInput = {
      name: 'p95',
      metric: 'http_request_duration_seconds',
      aggregation: 'p95',
      window: '5m',
      condition: 'gt',
      threshold: 1,
      duration: '5m',
      cooldown: '30m',
      severity: 'critical',
      type: 'performance',
      labels: { route: '/checkout' },
      channels: ['slack'],
      groupBy: ['route'],
      noData: 'keep',
      conditions: [{ metric: 'x', aggregation: { type: 'errorRate', errorLabels: { status: ['5xx', '429'] } }, condition: 'less_or_equal', threshold: 5 }],
    };
    expectTypeOf(rule).toMatchTypeOf<AlertRuleInput>();
    const detectors: AggregationInput[] = [
      { type: 'spike', of: 'avg', baselineWindow: '1h' },
      { type: 'change', direction: 'down' },
      { type: 'regression', baseline: 100 },
      { type: 'compliance', under: 5000 },
      'errorRate',
    ];
    expectTypeOf(detectors).toMatchTypeOf<AggregationInput[]>();
  });

  it('refuses unknown condition names, severities and aggregations', () => {
    // @ts-expect-error not a condition name
    const a: AlertRuleInput = { name: 'a', metric: 'm', condition: 'bigger_than', threshold: 1 };
    // @ts-expect-error not a severity
    const b: AlertRuleInput = { name: 'b', metric: 'm', condition: 'gt', threshold: 1, severity: 'fatal' };
    // @ts-expect-error not an aggregation
    const c: AlertRuleInput = { name: 'c', metric: 'm', condition: 'gt', threshold: 1, aggregation: 'median' };
    // @ts-expect-error a threshold is a number
    const d: AlertRuleInput = { name: 'd', metric: 'm', condition: 'gt', threshold: '1' };
    void [a, b, c, d];
  });

  it('types the rule the engine returns with durations in ms and bookkeeping fields', () => {
    expectTypeOf<AlertRule['id']>().toEqualTypeOf<string>();
    expectTypeOf<AlertRule['duration']>().toEqualTypeOf<number>();
    expectTypeOf<AlertRule['createdAt']>().toEqualTypeOf<number>();
    expectTypeOf<AlertRule['severity']>().toEqualTypeOf<Severity>();
  });

  it('types the rule packs as plain rule inputs', () => {
    expectTypeOf(rulePacks.defaults()).toEqualTypeOf<AlertRuleInput[]>();
    expectTypeOf(rulePacks.service({ unit: 'ms' })).toEqualTypeOf<AlertRuleInput[]>();
    expectTypeOf(rulePacks.sla({ target: 5000 })).toEqualTypeOf<AlertRuleInput[]>();
    expectTypeOf(monitor.alerts.createRules(rulePacks.defaults())).toEqualTypeOf<Promise<AlertRule[]>>();
  });
});

describe('alert events', () => {
  it('passes an AlertRecord to alertTriggered, alertResolved and alertAcknowledged listeners', () => {
    monitor.on('alertTriggered', (alert) => expectTypeOf(alert).toEqualTypeOf<AlertRecord>());
    monitor.on('alertResolved', (alert) => expectTypeOf(alert).toEqualTypeOf<AlertRecord>());
    monitor.once('alertAcknowledged', (alert) => expectTypeOf(alert).toEqualTypeOf<AlertRecord>());
    // @ts-expect-error the payload is a record, not a string
    monitor.on('alertTriggered', (alert: string) => void alert);
  });
});

describe('monitor.alerts', () => {
  it('returns records from the alert methods', () => {
    expectTypeOf(monitor.alerts.getActiveAlerts()).toEqualTypeOf<AlertRecord[]>();
    expectTypeOf(monitor.alerts.getAlertHistory({ status: 'resolved', limit: 10 })).toEqualTypeOf<Promise<AlertRecord[]>>();
    expectTypeOf(monitor.alerts.acknowledge('id', 'alice')).toEqualTypeOf<Promise<AlertRecord>>();
    expectTypeOf(monitor.alerts.resolve('id')).toEqualTypeOf<Promise<AlertRecord>>();
    expectTypeOf(monitor.alerts.evaluate()).toEqualTypeOf<Promise<EvaluationResult>>();
    expectTypeOf(monitor.alerts.getRule('id')).toEqualTypeOf<AlertRule | undefined>();
    // Pending records are stored (for restarts) and can be asked for.
    void monitor.alerts.getAlertHistory({ status: 'pending' });
    // @ts-expect-error not a status
    void monitor.alerts.getAlertHistory({ status: 'inactive' });
  });

  it('accepts seed 000\'s manual alert shape', () => {
    const input = { title: 'Job Failed', message: 'failed after 3 retries', severity: 'error', type: 'JOB_FAILURE', metadata: { jobId: 'content-generation', attempts: 3 } } satisfies ManualAlertInput;
    expectTypeOf(monitor.alerts.triggerAlert(input)).toEqualTypeOf<Promise<AlertRecord>>();
  });
});

describe('options and notifiers', () => {
  it('takes alert engine options with durations as strings or ms', () => {
    const alerts: AlertEngineOptions = { evaluationInterval: '15s', resendDelay: 60_000, cooldowns: { critical: '10m' }, syncInterval: '30s' };
    expectTypeOf<MonitorOptions['alerts']>().toMatchTypeOf<AlertEngineOptions | undefined>();
    createMonitor({ alerts });
  });

  it('accepts a plain object notifier in the contract\'s shape', () => {
    const sent: Notification[] = [];
    const notifier = {
      name: 'test',
      delivery: 'state',
      async send(notification: Notification, { signal }: { signal: AbortSignal }) {
        if (!signal.aborted) sent.push(notification);
      },
    } satisfies Notifier;
    createMonitor({ notifiers: [notifier] });
    expectTypeOf<Notification['reason']>().toEqualTypeOf<'first notification' | 'repeat interval elapsed' | 'alert resolved' | 'state refresh' | 'manual' | 'retry'>();
  });
});
