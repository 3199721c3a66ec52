import { describe, expect, it } from 'vitest';
import { NotFoundError, ValidationError, isNotFoundError, type AlertRuleInput } from '../../src/index.js';
import { CONDITION_NAMES } from '../../src/alerts/conditions.js';
import { MINUTE, T0, expectValidationError, recordingNotifier, setup } from './support.js';

/** A valid rule in seed 003's shape; each validation case breaks one field of it. */
const VALID: AlertRuleInput = {
  name: 'High Response Time',
  metric: 'response_time',
  aggregation: 'avg',
  window: '5m',
  condition: 'greater_than',
  threshold: 1000,
};

const BAD_FIELDS: [field: string, value: unknown, path: string][] = [
  ['id', '', 'id'],
  ['id', 'x'.repeat(201), 'id'],
  ['name', '', 'name'],
  ['name', 'x'.repeat(201), 'name'],
  ['name', 42, 'name'],
  ['description', 'x'.repeat(2001), 'description'],
  ['metric', '', 'metric'],
  ['metric', 7, 'metric'],
  ['metricType', '', 'metricType'],
  ['labels', { route: 200 }, 'labels.route'],
  ['labels', 'route=/x', 'labels'],
  ['aggregation', 'p42', 'aggregation'],
  ['aggregation', 'median', 'aggregation'],
  ['aggregation', { type: 'spike', baselineWindow: '0s' }, 'aggregation.baselineWindow'],
  ['aggregation', { type: 'compliance', under: -1 }, 'aggregation.under'],
  ['aggregation', { type: 'compliance' }, 'aggregation.under'],
  ['aggregation', { type: 'change', direction: 'sideways' }, 'aggregation.direction'],
  ['aggregation', { type: 'regression', baseline: 0 }, 'aggregation.baseline'],
  ['aggregation', { type: 'regression', minCount: 0.5 }, 'aggregation.minCount'],
  ['aggregation', { type: 'errorRate', errorLabels: { status: [] } }, 'aggregation.errorLabels.status'],
  ['window', '5 minutes', 'window'],
  ['window', 0, 'window'],
  ['window', -60_000, 'window'],
  ['condition', 'bigger_than', 'condition'],
  ['condition', '>', 'condition'],
  ['threshold', '1000', 'threshold'],
  ['threshold', Number.NaN, 'threshold'],
  ['threshold', Number.POSITIVE_INFINITY, 'threshold'],
  ['recoveryThreshold', 'low', 'recoveryThreshold'],
  ['conditions', [], 'conditions'],
  ['conditions', 'all of them', 'conditions'],
  ['match', 'some', 'match'],
  ['groupBy', ['bad-label'], 'groupBy.0'],
  ['groupBy', 'route', 'groupBy'],
  ['duration', '-1m', 'duration'],
  ['duration', 'soon', 'duration'],
  ['duration', -1, 'duration'],
  ['keepFiringFor', 'a while', 'keepFiringFor'],
  ['cooldown', 0, 'cooldown'],
  ['cooldown', '0s', 'cooldown'],
  ['cooldown', 'never', 'cooldown'],
  ['cooldownPeriod', 0, 'cooldownPeriod'],
  ['cooldownPeriod', -60, 'cooldownPeriod'],
  ['cooldownPeriod', '1800', 'cooldownPeriod'],
  ['severity', 'fatal', 'severity'],
  ['type', '', 'type'],
  ['channels', [''], 'channels.0'],
  ['channels', 'slack', 'channels'],
  ['recipients', [''], 'recipients.0'],
  ['enabled', 'yes', 'enabled'],
  ['noData', 'ignore', 'noData'],
  ['alertLabels', { team: 1 }, 'alertLabels.team'],
  ['annotations', { runbook: 1 }, 'annotations.runbook'],
];

describe('rule validation', () => {
  it.each(BAD_FIELDS)('rejects %s = %j with a ValidationError on "%s"', async (field, value, path) => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.createRule({ ...VALID, [field]: value } as AlertRuleInput), path);
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('rejects a label name that is not a Prometheus label name in alertLabels, naming the label', async () => {
    const { monitor } = setup();
    const error = await expectValidationError(monitor.alerts.createRule({ ...VALID, alertLabels: { 'bad-name': 'x' } }));
    expect(error.issues.some((i) => i.path.startsWith('alertLabels'))).toBe(true);
  });

  it('requires a metric, a condition and a threshold, naming each one missing', async () => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.createRule({ name: 'empty' }), 'metric', 'condition', 'threshold');
    await expectValidationError(monitor.alerts.createRule({ name: 'no metric', condition: 'gt', threshold: 1 }), 'metric');
    await expectValidationError(monitor.alerts.createRule({ name: 'no condition', metric: 'm', threshold: 1 }), 'condition');
    await expectValidationError(monitor.alerts.createRule({ name: 'no threshold', metric: 'm', condition: 'gt' }), 'threshold');
  });

  it('names the failing field of a condition inside `conditions` by its index', async () => {
    const { monitor } = setup();
    await expectValidationError(
      monitor.alerts.createRule({ name: 'multi', conditions: [{ metric: 'a', condition: 'gt', threshold: 1 }, { metric: 'b', condition: 'gt' }] }),
      'conditions.1.threshold',
    );
    await expectValidationError(
      monitor.alerts.createRule({ name: 'multi', conditions: [{ metric: 'a', condition: 'over' as never, threshold: 1 }] }),
      'conditions.0.condition',
    );
    await expectValidationError(monitor.alerts.createRule({ name: 'multi', conditions: [{ condition: 'gt', threshold: 1 }] }), 'conditions.0.metric');
  });

  it('rejects a rule that is not an object', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.createRule(null as never)).rejects.toBeInstanceOf(ValidationError);
    await expect(monitor.alerts.createRule('rule' as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects channel names that no configured notifier has, naming "channels"', async () => {
    const { monitor } = setup({ notifiers: [recordingNotifier('slack')] });
    const error = await expectValidationError(monitor.alerts.createRule({ ...VALID, channels: ['slack', 'pagerduty'] }), 'channels');
    expect(error.message).toContain('pagerduty');
    await expect(monitor.alerts.createRule({ ...VALID, channels: ['slack'] })).resolves.toMatchObject({ channels: ['slack'] });
  });

  it('rejects any channel name when no notifier is configured', async () => {
    const { monitor } = setup();
    await expectValidationError(monitor.alerts.createRule({ ...VALID, channels: ['email'] }), 'channels');
  });

  it('rejects an id that is already taken', async () => {
    const { monitor } = setup();
    await monitor.alerts.createRule({ ...VALID, id: 'latency' });
    await expectValidationError(monitor.alerts.createRule({ ...VALID, id: 'latency', name: 'other' }), 'id');
    expect(monitor.alerts.getRules()).toHaveLength(1);
  });

  it('rejects instead of throwing synchronously', () => {
    const { monitor } = setup();
    let promise: Promise<unknown> | undefined;
    expect(() => {
      promise = monitor.alerts.createRule({ name: '' } as AlertRuleInput);
    }).not.toThrow();
    return expect(promise).rejects.toBeInstanceOf(ValidationError);
  });

  it('does not change the object it was given', async () => {
    const { monitor } = setup();
    const input = { ...VALID, duration: '5m', labels: { route: '/x' } } as const;
    const copy = structuredClone(input);
    await monitor.alerts.createRule(input);
    expect(input).toEqual(copy);
  });
});

describe('condition names', () => {
  const PAIRS = [
    ['greater_than', 'gt'],
    ['less_than', 'lt'],
    ['greater_or_equal', 'gte'],
    ['less_or_equal', 'lte'],
    ['equals', 'eq'],
    ['not_equals', 'ne'],
  ] as const;

  it('accepts every long (seed 003) and short name', async () => {
    const { monitor } = setup();
    for (const name of Object.keys(CONDITION_NAMES)) {
      await expect(monitor.alerts.createRule({ ...VALID, name, condition: name as never })).resolves.toMatchObject({ condition: name });
    }
    expect(monitor.alerts.getRules()).toHaveLength(12);
  });

  // value, threshold, and whether each comparison holds
  const CASES: [number, number, Record<(typeof PAIRS)[number][1], boolean>][] = [
    [5, 10, { gt: false, lt: true, gte: false, lte: true, eq: false, ne: true }],
    [10, 10, { gt: false, lt: false, gte: true, lte: true, eq: true, ne: false }],
    [15, 10, { gt: true, lt: false, gte: true, lte: false, eq: false, ne: true }],
  ];

  it.each(CASES)('evaluates value %d against threshold %d the same under the long and short names', async (value, threshold, holds) => {
    const { monitor } = setup();
    monitor.gauge({ name: 'level' }).set(value);
    const ids = new Map<string, string>();
    for (const [long, short] of PAIRS) {
      ids.set(long, (await monitor.alerts.createRule({ name: long, metric: 'level', aggregation: 'last', condition: long, threshold })).id);
      ids.set(short, (await monitor.alerts.createRule({ name: short, metric: 'level', aggregation: 'last', condition: short, threshold })).id);
    }
    await monitor.alerts.evaluate();
    const firing = new Set(monitor.alerts.getActiveAlerts().map((a) => a.ruleId));
    for (const [long, short] of PAIRS) {
      expect(firing.has(ids.get(long)!), `${long}: ${value} vs ${threshold}`).toBe(holds[short]);
      expect(firing.has(ids.get(short)!), `${short}: ${value} vs ${threshold}`).toBe(holds[short]);
    }
  });
});

describe('rule defaults and aliases', () => {
  it('applies the documented defaults and converts durations to ms', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule({ ...VALID, duration: '5m', keepFiringFor: '30s', cooldown: '1h' });
    expect(rule).toMatchObject({
      name: 'High Response Time',
      window: 300_000,
      duration: 300_000,
      keepFiringFor: 30_000,
      cooldown: 3_600_000,
      match: 'all',
      groupBy: [],
      severity: 'warning',
      type: 'custom',
      channels: [],
      recipients: [],
      enabled: true,
      noData: 'ok',
      alertLabels: {},
      annotations: {},
      createdAt: T0,
      updatedAt: T0,
    });
    expect(rule.id).toEqual(expect.any(String));
    expect(rule.id.length).toBeGreaterThan(0);
    const bare = await monitor.alerts.createRule({ name: 'bare', metric: 'm', condition: 'gt', threshold: 1 });
    expect(bare).toMatchObject({ duration: 0, keepFiringFor: 0 });
    expect(bare.cooldown).toBeUndefined();
  });

  it('keeps the id it was given', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.createRule({ ...VALID, id: 'latency-p95' })).resolves.toMatchObject({ id: 'latency-p95' });
    expect(monitor.alerts.getRule('latency-p95')).toMatchObject({ name: 'High Response Time' });
  });

  it('accepts seed 003\'s metricType in place of metric', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule({ name: 'High Response Time', metricType: 'response_time', condition: 'greater_than', threshold: 1000 });
    expect(rule.metricType).toBe('response_time');
    monitor.gauge({ name: 'response_time' }).set(1500);
    await monitor.alerts.updateRule(rule.id, { aggregation: 'last', window: '1m' });
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ ruleId: rule.id, value: 1500 }]);
  });

  it('accepts seed 003\'s cooldownPeriod in seconds and keeps it as given', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule({ ...VALID, cooldownPeriod: 1800 });
    expect(rule.cooldownPeriod).toBe(1800);
    expect(rule.cooldown).toBeUndefined();
  });

  it('accepts several conditions, with or without a top-level one', async () => {
    const { monitor } = setup();
    await expect(
      monitor.alerts.createRule({ name: 'only list', match: 'any', conditions: [{ metric: 'a', condition: 'gt', threshold: 1 }, { metricType: 'b', condition: 'lt', threshold: 2, window: '1m' }] }),
    ).resolves.toMatchObject({ match: 'any', conditions: [{ metric: 'a' }, { metricType: 'b', window: 60_000 }] });
    await expect(monitor.alerts.createRule({ ...VALID, name: 'both', conditions: [{ metric: 'a', condition: 'gt', threshold: 1 }] })).resolves.toMatchObject({ metric: 'response_time' });
  });

  it('returns copies: changing what getRules or getRule returned changes nothing', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    rule.threshold = 1;
    monitor.alerts.getRules()[0]!.threshold = 2;
    monitor.alerts.getRule(rule.id)!.threshold = 3;
    expect(monitor.alerts.getRule(rule.id)!.threshold).toBe(1000);
  });

  it('lists rules oldest first and returns undefined for an unknown id', async () => {
    const { monitor, clock } = setup();
    await monitor.alerts.createRule({ ...VALID, id: 'first' });
    clock.advance(1000);
    await monitor.alerts.createRule({ ...VALID, id: 'second' });
    expect(monitor.alerts.getRules().map((r) => r.id)).toEqual(['first', 'second']);
    expect(monitor.alerts.getRule('third')).toBeUndefined();
  });

  it('creates rule packs with createRules, stopping at the first invalid rule', async () => {
    const { monitor } = setup();
    const created = await monitor.alerts.createRules([{ ...VALID, id: 'a' }, { ...VALID, id: 'b' }]);
    expect(created.map((r) => r.id)).toEqual(['a', 'b']);
    await expectValidationError(monitor.alerts.createRules([{ ...VALID, id: 'c' }, { ...VALID, id: 'd', threshold: 'x' as never }, { ...VALID, id: 'e' }]), 'threshold');
    expect(monitor.alerts.getRules().map((r) => r.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('updateRule', () => {
  it('changes the fields in the patch and keeps every other field', async () => {
    const { monitor, clock } = setup({ notifiers: [recordingNotifier('slack')] });
    const rule = await monitor.alerts.createRule({
      ...VALID,
      description: 'p95 too slow',
      labels: { route: '/api' },
      duration: '5m',
      cooldownPeriod: 1800,
      severity: 'critical',
      type: 'performance',
      channels: ['slack'],
      recipients: ['admin@example.com'],
      groupBy: ['route'],
      alertLabels: { team: 'web' },
      annotations: { runbook_url: 'https://runbooks/x' },
    });
    clock.advance(MINUTE);
    const updated = await monitor.alerts.updateRule(rule.id, { threshold: 800, enabled: false });
    expect(updated).toEqual({ ...rule, threshold: 800, enabled: false, updatedAt: T0 + MINUTE });
    expect(monitor.alerts.getRule(rule.id)).toEqual(updated);
  });

  it('moves updatedAt forward even when the clock has not moved', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    const once = await monitor.alerts.updateRule(rule.id, { threshold: 1 });
    const twice = await monitor.alerts.updateRule(rule.id, { threshold: 2 });
    expect(once.updatedAt).toBeGreaterThan(rule.updatedAt);
    expect(twice.updatedAt).toBeGreaterThan(once.updatedAt);
    expect(twice.createdAt).toBe(rule.createdAt);
  });

  it('never changes the id, even when the patch names another one', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule({ ...VALID, id: 'keep-me' });
    await expect(monitor.alerts.updateRule(rule.id, { id: 'other', threshold: 5 })).resolves.toMatchObject({ id: 'keep-me', threshold: 5 });
    expect(monitor.alerts.getRules().map((r) => r.id)).toEqual(['keep-me']);
  });

  it('validates the patched rule, naming the failing field, and keeps the rule as it was', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    await expectValidationError(monitor.alerts.updateRule(rule.id, { threshold: 'high' as never }), 'threshold');
    await expectValidationError(monitor.alerts.updateRule(rule.id, { severity: 'fatal' as never }), 'severity');
    await expectValidationError(monitor.alerts.updateRule(rule.id, { channels: ['nowhere'] }), 'channels');
    expect(monitor.alerts.getRule(rule.id)).toEqual(rule);
  });

  it('rejects a patch that is not an object with a ValidationError', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    await expect(monitor.alerts.updateRule(rule.id, null as never)).rejects.toBeInstanceOf(ValidationError);
  });

  it('rejects an unknown id with a NotFoundError', async () => {
    const { monitor } = setup();
    const error = await monitor.alerts.updateRule('nope', { threshold: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect(isNotFoundError(error)).toBe(true);
    expect(error).toMatchObject({ code: 'ERR_PULSEWATCH_NOT_FOUND', kind: 'rule', id: 'nope' });
  });
});

describe('deleteRule', () => {
  it('removes the rule from the engine and from storage', async () => {
    const { monitor } = setup();
    const keep = await monitor.alerts.createRule({ ...VALID, id: 'keep' });
    const drop = await monitor.alerts.createRule({ ...VALID, id: 'drop' });
    await monitor.alerts.deleteRule(drop.id);
    expect(monitor.alerts.getRules().map((r) => r.id)).toEqual([keep.id]);
    expect(monitor.alerts.getRule(drop.id)).toBeUndefined();
    expect((await monitor.storage.listRules()).map((r) => r.id)).toEqual([keep.id]);
  });

  it('rejects an unknown id with a NotFoundError', async () => {
    const { monitor } = setup();
    const error = await monitor.alerts.deleteRule('nope').catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
  });

  it('rejects a second delete of the same rule with a NotFoundError', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    await monitor.alerts.deleteRule(rule.id);
    await expect(monitor.alerts.deleteRule(rule.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('resolves what the rule had firing, announcing it with alertResolved', async () => {
    const { monitor, events } = setup();
    monitor.gauge({ name: 'level' }).set(10);
    const rule = await monitor.alerts.createRule({ name: 'level high', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 });
    await monitor.alerts.evaluate();
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await monitor.alerts.deleteRule(rule.id);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toMatchObject([{ ruleId: rule.id, status: 'resolved', endsAt: T0 }]);
  });

  it('stores new, changed and deleted rules', async () => {
    const { monitor } = setup();
    const rule = await monitor.alerts.createRule(VALID);
    expect(await monitor.storage.listRules()).toMatchObject([{ id: rule.id, name: VALID.name, threshold: 1000 }]);
    await monitor.alerts.updateRule(rule.id, { threshold: 5 });
    expect(await monitor.storage.listRules()).toMatchObject([{ id: rule.id, threshold: 5 }]);
    await monitor.alerts.deleteRule(rule.id);
    expect(await monitor.storage.listRules()).toEqual([]);
  });
});
