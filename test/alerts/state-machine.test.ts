import { describe, expect, it } from 'vitest';
import type { AlertRuleInput, Gauge } from '../../src/index.js';
import { MINUTE, SECOND, T0, recordingNotifier, setup, type Setup } from './support.js';

/** A monitor with a `cpu_usage_percent` gauge and a rule reading its last value against `> 90`. */
async function cpuRule(fields: Partial<AlertRuleInput> = {}, s: Setup = setup({ notifiers: [recordingNotifier('slack')] })) {
  const gauge = s.monitor.gauge({ name: 'cpu_usage_percent' }) as Gauge;
  const rule = await s.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'greater_than', threshold: 90, ...fields });
  return { ...s, gauge, rule };
}

describe('pending', () => {
  it('holds a new alert as pending until its duration passes, without storing, announcing or notifying it', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, gauge, events, at } = await cpuRule({ duration: '1m' }, setup({ notifiers: [slack] }));
    gauge.set(95);
    const result = await at(0);
    expect(result).toMatchObject({ at: T0, rules: 1, pending: 1, firing: 0, triggered: [] });
    expect(monitor.alerts.getPendingAlerts()).toEqual([{ ruleId: expect.any(String), labels: expect.objectContaining({ alertname: 'CPU high' }), activeAt: T0, value: 95 }]);
    await at(45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.triggered).toEqual([]);
    expect(await monitor.alerts.getAlertHistory()).toEqual([]);
    expect(slack.sent).toEqual([]);
  });

  it('updates the value of a pending alert and keeps its activeAt', async () => {
    const { monitor, gauge, at } = await cpuRule({ duration: '5m' });
    gauge.set(95);
    await at(0);
    gauge.set(97);
    await at(30 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0, value: 97 }]);
  });

  it('fires exactly when ts - activeAt reaches the duration, not a millisecond before', async () => {
    const { monitor, gauge, events, at } = await cpuRule({ duration: '1m' });
    gauge.set(95);
    await at(0);
    await at(MINUTE - 1);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(monitor.alerts.getPendingAlerts()).toHaveLength(1);
    const result = await at(MINUTE);
    const active = monitor.alerts.getActiveAlerts();
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ status: 'firing', activeAt: T0, startsAt: T0 + MINUTE, value: 95, threshold: 90 });
    expect(monitor.alerts.getPendingAlerts()).toEqual([]);
    // The timer's own evaluation at T0 + 1m may be the one that fired it; either way, once.
    expect(events.triggered).toHaveLength(1);
    expect(events.triggered[0]).toMatchObject({ id: active[0]!.id, startsAt: T0 + MINUTE });
    expect(result.firing).toBe(1);
  });

  it('fires on the evaluation timer alone, every evaluationInterval', async () => {
    const { monitor, gauge, clock } = await cpuRule({ duration: '30s' }, setup({ alerts: { evaluationInterval: '10s' } }));
    gauge.set(95);
    await clock.advanceAsync(10 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + 10 * SECOND }]);
    await clock.advanceAsync(20 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    await clock.advanceAsync(10 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ activeAt: T0 + 10 * SECOND, startsAt: T0 + 40 * SECOND }]);
  });

  it('fires on the first evaluation when the duration is 0, with activeAt equal to startsAt', async () => {
    const { monitor, gauge, events } = await cpuRule();
    gauge.set(95);
    const result = await monitor.alerts.evaluate();
    expect(result.triggered).toMatchObject([{ status: 'firing', activeAt: T0, startsAt: T0, value: 95 }]);
    expect(events.triggered).toHaveLength(1);
    expect(monitor.alerts.getPendingAlerts()).toEqual([]);
  });

  it('drops a pending alert silently when the condition clears, and starts over when it holds again', async () => {
    const slack = recordingNotifier('slack');
    const { monitor, gauge, events, at } = await cpuRule({ duration: '1m' }, setup({ notifiers: [slack] }));
    gauge.set(95);
    await at(0);
    gauge.set(50);
    await at(30 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toEqual([]);
    expect(events.triggered).toEqual([]);
    expect(events.resolved).toEqual([]);
    gauge.set(95);
    await at(45 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + 45 * SECOND }]);
    await at(MINUTE + 30 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    await at(MINUTE + 45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ activeAt: T0 + 45 * SECOND, startsAt: T0 + MINUTE + 45 * SECOND }]);
    expect(await monitor.alerts.getAlertHistory()).toHaveLength(1);
    expect(slack.sent.filter((n) => n.status === 'resolved')).toEqual([]);
  });
});

describe('firing and resolving', () => {
  it('resolves a firing alert when the condition clears: endsAt set, alertResolved emitted with the same id', async () => {
    // Evaluations only when asked for, so the one below is the one that resolves.
    const { monitor, gauge, events, at } = await cpuRule({}, setup({ alerts: { evaluationInterval: '1h' } }));
    gauge.set(95);
    await at(0);
    const fired = monitor.alerts.getActiveAlerts()[0]!;
    gauge.set(50);
    const result = await at(15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(result.resolved).toMatchObject([{ id: fired.id, status: 'resolved', endsAt: T0 + 15 * SECOND }]);
    expect(events.resolved).toHaveLength(1);
    expect(events.resolved[0]).toMatchObject({ id: fired.id, status: 'resolved', startsAt: T0, endsAt: T0 + 15 * SECOND, updatedAt: T0 + 15 * SECOND });
    expect(events.resolved[0]!.recovering).toBeUndefined();
  });

  it('keeps a firing alert firing while the condition holds, updating its value and firing once', async () => {
    const { monitor, gauge, events, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    gauge.set(99);
    await at(5 * MINUTE);
    expect(events.triggered).toHaveLength(1);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ id: events.triggered[0]!.id, value: 99, startsAt: T0 }]);
  });

  it('gives a new episode of the same rule and labels a new id and the same fingerprint', async () => {
    const { monitor, gauge, events, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    gauge.set(50);
    await at(15 * SECOND);
    gauge.set(95);
    await at(30 * SECOND);
    expect(events.triggered).toHaveLength(2);
    expect(events.triggered[1]!.id).not.toBe(events.triggered[0]!.id);
    expect(events.triggered[1]!.fingerprint).toBe(events.triggered[0]!.fingerprint);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ id: events.triggered[1]!.id, startsAt: T0 + 30 * SECOND }]);
  });

  it('keeps firing for keepFiringFor after the condition clears, flagged recovering, then resolves', async () => {
    const { monitor, gauge, events, at } = await cpuRule({ keepFiringFor: '1m' });
    gauge.set(95);
    await at(0);
    gauge.set(50);
    await at(15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ status: 'firing', recovering: true }]);
    await at(MINUTE);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ status: 'firing', recovering: true }]);
    expect(events.resolved).toEqual([]);
    await at(MINUTE + 15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toMatchObject([{ status: 'resolved', endsAt: T0 + MINUTE + 15 * SECOND }]);
  });

  it('clears the recovering flag when the condition holds again inside keepFiringFor, keeping the same alert', async () => {
    const { monitor, gauge, events, at } = await cpuRule({ keepFiringFor: '1m' });
    gauge.set(95);
    await at(0);
    gauge.set(50);
    await at(15 * SECOND);
    gauge.set(95);
    await at(30 * SECOND);
    const active = monitor.alerts.getActiveAlerts();
    expect(active).toHaveLength(1);
    expect(active[0]!.recovering).toBeUndefined();
    expect(active[0]!.id).toBe(events.triggered[0]!.id);
    // The keep-firing clock starts over at the next absence.
    gauge.set(50);
    await at(45 * SECOND);
    await at(MINUTE + 30 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await at(MINUTE + 45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.triggered).toHaveLength(1);
  });

  it('drops a pending alert at once when the condition clears, whatever keepFiringFor says', async () => {
    const { monitor, gauge, at } = await cpuRule({ duration: '1m', keepFiringFor: '10m' });
    gauge.set(95);
    await at(0);
    gauge.set(50);
    await at(15 * SECOND);
    expect(monitor.alerts.getPendingAlerts()).toEqual([]);
  });

  it('clears a firing alert only below the recoveryThreshold (hysteresis)', async () => {
    const { monitor, gauge, events, at } = await cpuRule({ recoveryThreshold: 80 });
    gauge.set(85);
    await at(0);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    gauge.set(95);
    await at(15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    gauge.set(85);
    await at(30 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 85 }]);
    gauge.set(80);
    await at(45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toHaveLength(1);
    // Not firing any more: the threshold applies again.
    gauge.set(85);
    await at(MINUTE);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('returns a firing alert to pending when updateRule raises its duration past its age, keeping activeAt', async () => {
    const { monitor, gauge, rule, events, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await at(30 * SECOND);
    await monitor.alerts.updateRule(rule.id, { duration: '2m' });
    await at(45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(monitor.alerts.getPendingAlerts()).toMatchObject([{ ruleId: rule.id, activeAt: T0 }]);
    await at(2 * MINUTE - 15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    await at(2 * MINUTE);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ activeAt: T0, startsAt: T0 + 2 * MINUTE }]);
    expect(events.triggered).toHaveLength(2);
  });

  it('keeps a firing alert firing when updateRule raises its duration below its age', async () => {
    const { monitor, gauge, rule, events, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    await at(5 * MINUTE);
    await monitor.alerts.updateRule(rule.id, { duration: '1m' });
    await at(5 * MINUTE + 15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ id: events.triggered[0]!.id }]);
    expect(events.triggered).toHaveLength(1);
  });

  it('shows an edit of the alert\'s identity (name, severity, alertLabels) on the firing alert at the next evaluation', async () => {
    const { monitor, gauge, rule, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    await monitor.alerts.updateRule(rule.id, { name: 'CPU saturated', severity: 'critical', alertLabels: { team: 'infra' } });
    await at(15 * SECOND);
    const active = monitor.alerts.getActiveAlerts();
    expect(active).toHaveLength(1);
    expect(active[0]).toMatchObject({ ruleName: 'CPU saturated', severity: 'critical', labels: { alertname: 'CPU saturated', severity: 'critical', team: 'infra' } });
  });

  it('resolves what a rule had firing when the rule is disabled, and evaluates it no more', async () => {
    const { monitor, gauge, rule, events, at } = await cpuRule();
    gauge.set(95);
    await at(0);
    await monitor.alerts.updateRule(rule.id, { enabled: false });
    const result = await at(15 * SECOND);
    expect(result.rules).toBe(0);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toHaveLength(1);
  });

  it('does not evaluate a disabled rule', async () => {
    const { monitor, gauge, events } = await cpuRule({ enabled: false });
    gauge.set(95);
    expect(await monitor.alerts.evaluate()).toMatchObject({ rules: 0, firing: 0 });
    expect(events.triggered).toEqual([]);
  });
});

describe('no data', () => {
  /** A latency histogram read over 1 minute: observed at T0, it has no data from T0 + 90 s. */
  async function latencyRule(noData: 'ok' | 'keep' | 'alerting' | undefined) {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    const rule = await s.monitor.alerts.createRule({ name: 'slow', metric: 'latency_ms', aggregation: 'avg', window: '1m', condition: 'gt', threshold: 100, ...(noData ? { noData } : {}) });
    return { ...s, h, rule };
  }

  it('treats no data as the condition not holding by default (ok): a firing alert resolves', async () => {
    const { monitor, h, events, at } = await latencyRule(undefined);
    h.observe(500);
    await at(SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await at(75 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    await at(90 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toHaveLength(1);
  });

  it('fires nothing for a metric that never had data under ok and keep', async () => {
    for (const noData of ['ok', 'keep'] as const) {
      const { monitor, at } = await latencyRule(noData);
      await at(0);
      await at(5 * MINUTE);
      expect(monitor.alerts.getActiveAlerts()).toEqual([]);
      expect(monitor.alerts.getPendingAlerts()).toEqual([]);
    }
  });

  it('keeps the last state under keep: firing stays firing, pending stays pending', async () => {
    const { monitor, h, events, at } = await latencyRule('keep');
    h.observe(500);
    await at(SECOND);
    await at(10 * MINUTE);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ id: events.triggered[0]!.id, value: 500 }]);
    expect(events.resolved).toEqual([]);
    // Data below the threshold still resolves it.
    h.observe(10);
    await at(10 * MINUTE + 15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('keeps a pending alert pending under keep while there is no data', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    await s.monitor.alerts.createRule({ name: 'slow', metric: 'latency_ms', aggregation: 'avg', window: '1m', condition: 'gt', threshold: 100, duration: '10m', noData: 'keep' });
    h.observe(500);
    await s.at(SECOND);
    await s.at(5 * MINUTE);
    expect(s.monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + SECOND }]);
  });

  it('treats no data as the condition holding under alerting: fires with value null and says so', async () => {
    const { monitor, events, at } = await latencyRule('alerting');
    await at(0);
    expect(events.triggered).toHaveLength(1);
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ value: null, status: 'firing' }]);
    expect(events.triggered[0]!.message).toMatch(/no data/);
  });

  it('fires under alerting once data stops, and resolves when good data comes back', async () => {
    const { monitor, h, events, at } = await latencyRule('alerting');
    h.observe(10);
    await at(SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    await at(90 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    h.observe(10);
    await at(105 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(events.resolved).toHaveLength(1);
  });

  it('applies the duration to no data as to any other condition', async () => {
    const s = setup();
    await s.at(0);
    await s.monitor.alerts.createRule({ name: 'no metric', metric: 'never_defined', aggregation: 'avg', condition: 'gt', threshold: 0, noData: 'alerting', duration: '2m' });
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getPendingAlerts()).toMatchObject([{ activeAt: T0 + 15 * SECOND, value: null }]);
    await s.at(2 * MINUTE);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    await s.at(2 * MINUTE + 15 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: null, startsAt: T0 + 2 * MINUTE + 15 * SECOND }]);
  });
});

describe('groupBy', () => {
  it('keeps one alert per value of the groupBy labels, each with its own state and labels', async () => {
    const s = setup();
    const cpu = s.monitor.gauge({ name: 'cpu_usage_percent', labelNames: ['host', 'core'] });
    const rule = await s.monitor.alerts.createRule({ name: 'CPU high', metric: 'cpu_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90, duration: '1m', groupBy: ['host'] });
    cpu.set(95, { host: 'a', core: '0' });
    cpu.set(50, { host: 'b', core: '0' });
    cpu.set(50, { host: 'c', core: '0' });
    await s.at(0);
    expect(s.monitor.alerts.getPendingAlerts()).toMatchObject([{ labels: { host: 'a' }, activeAt: T0 }]);
    cpu.set(99, { host: 'b', core: '0' });
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getPendingAlerts().map((p) => [p.labels.host, p.activeAt])).toEqual([
      ['a', T0],
      ['b', T0 + 15 * SECOND],
    ]);
    await s.at(MINUTE);
    expect(s.monitor.alerts.getActiveAlerts().map((a) => a.labels.host)).toEqual(['a']);
    await s.at(75 * SECOND);
    const active = s.monitor.alerts.getActiveAlerts();
    expect(active.map((a) => a.labels.host)).toEqual(['a', 'b']);
    expect(active[0]!.labels).toEqual({ alertname: 'CPU high', severity: 'warning', service: 'app', host: 'a' });
    expect(active[0]!.fingerprint).not.toBe(active[1]!.fingerprint);
    expect(active.map((a) => a.ruleId)).toEqual([rule.id, rule.id]);
    // One group clearing resolves only its own alert.
    cpu.set(10, { host: 'a', core: '0' });
    await s.at(105 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts().map((a) => a.labels.host)).toEqual(['b']);
    expect(s.events.resolved.map((a) => a.labels.host)).toEqual(['a']);
  });

  it('aggregates all series of a group together: the sum of the last values of a gauge', async () => {
    const s = setup();
    const q = s.monitor.gauge({ name: 'queue_depth', labelNames: ['queue', 'shard'] });
    await s.monitor.alerts.createRule({ name: 'deep', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 100, groupBy: ['queue'] });
    q.set(60, { queue: 'mail', shard: '1' });
    q.set(60, { queue: 'mail', shard: '2' });
    q.set(60, { queue: 'sms', shard: '1' });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ labels: { queue: 'mail' }, value: 120 }]);
  });

  it('resolves a group whose series no longer match, while the others keep firing', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms', labelNames: ['route'] });
    await s.monitor.alerts.createRule({ name: 'slow route', metric: 'latency_ms', aggregation: 'avg', window: '1m', condition: 'gt', threshold: 100, groupBy: ['route'] });
    h.observe(500, { route: '/a' });
    h.observe(500, { route: '/b' });
    await s.at(SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(2);
    for (let t = 15 * SECOND; t <= 2 * MINUTE; t += 15 * SECOND) {
      h.observe(500, { route: '/b' });
      await s.at(t);
    }
    expect(s.monitor.alerts.getActiveAlerts().map((a) => a.labels.route)).toEqual(['/b']);
  });
});

describe('several conditions', () => {
  async function twoConditions(match: 'all' | 'any' | undefined) {
    const s = setup();
    const cpu = s.monitor.gauge({ name: 'cpu_usage_percent' });
    const mem = s.monitor.gauge({ name: 'memory_usage_percent' });
    await s.monitor.alerts.createRule({
      name: 'saturated',
      ...(match ? { match } : {}),
      metric: 'cpu_usage_percent',
      aggregation: 'last',
      window: '1m',
      condition: 'gt',
      threshold: 90,
      conditions: [{ metric: 'memory_usage_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 80 }],
    });
    return { ...s, cpu, mem };
  }

  it('fires under match all (the default) only when every condition holds', async () => {
    const { monitor, cpu, mem, at } = await twoConditions(undefined);
    cpu.set(95);
    mem.set(50);
    await at(0);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    mem.set(85);
    await at(15 * SECOND);
    // The alert carries the first (top-level) condition's value.
    expect(monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 95 }]);
    cpu.set(10);
    await at(30 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('fires under match any when one condition holds', async () => {
    const { monitor, cpu, mem, at } = await twoConditions('any');
    cpu.set(10);
    mem.set(50);
    await at(0);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
    mem.set(85);
    await at(15 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    mem.set(50);
    cpu.set(95);
    await at(30 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toHaveLength(1);
    cpu.set(10);
    await at(45 * SECOND);
    expect(monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('does not fire under match all when one condition holds and the other has no data', async () => {
    const s = setup();
    s.monitor.gauge({ name: 'cpu_usage_percent' }).set(95);
    await s.monitor.alerts.createRule({
      name: 'saturated',
      metric: 'cpu_usage_percent',
      aggregation: 'last',
      condition: 'gt',
      threshold: 90,
      conditions: [{ metric: 'not_recorded', condition: 'gt', threshold: 80 }],
    });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('fires under match any when one condition holds and the other has no data', async () => {
    const s = setup();
    s.monitor.gauge({ name: 'cpu_usage_percent' }).set(95);
    await s.monitor.alerts.createRule({
      name: 'saturated',
      match: 'any',
      conditions: [
        { metric: 'not_recorded', condition: 'gt', threshold: 80 },
        { metric: 'cpu_usage_percent', aggregation: 'last', condition: 'gt', threshold: 90 },
      ],
    });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
  });

  it('reads only the series matching a condition\'s labels', async () => {
    const s = setup();
    const q = s.monitor.gauge({ name: 'job_queue_size', labelNames: ['state'] });
    await s.monitor.alerts.createRule({ name: 'backlog', metric: 'job_queue_size', labels: { state: 'pending' }, aggregation: 'last', condition: 'gt', threshold: 50 });
    q.set(500, { state: 'done' });
    q.set(10, { state: 'pending' });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    q.set(60, { state: 'pending' });
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 60 }]);
  });
});

describe('evaluation', () => {
  it('counts rules, pending and firing alerts in its result', async () => {
    const s = setup();
    s.monitor.gauge({ name: 'level' }).set(10);
    await s.monitor.alerts.createRule({ name: 'a', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 });
    await s.monitor.alerts.createRule({ name: 'b', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5, duration: '1h' });
    await s.monitor.alerts.createRule({ name: 'c', metric: 'level', aggregation: 'last', condition: 'lt', threshold: 5 });
    await expect(s.monitor.alerts.evaluate()).resolves.toMatchObject({ at: T0, rules: 3, pending: 1, firing: 1 });
  });

  it('never runs two evaluations at once: a second call joins the running one', async () => {
    const s = setup();
    await s.monitor.alerts.createRule({ name: 'a', metric: 'level', condition: 'gt', threshold: 5 });
    const first = s.monitor.alerts.evaluate();
    const second = s.monitor.alerts.evaluate();
    expect(second).toBe(first);
    await first;
  });

  it('stops evaluating when the monitor closes', async () => {
    const s = setup();
    const g = s.monitor.gauge({ name: 'level' });
    await s.monitor.alerts.createRule({ name: 'a', metric: 'level', aggregation: 'last', condition: 'gt', threshold: 5 });
    await s.monitor.close();
    g.set(10);
    await s.clock.advanceAsync(MINUTE);
    expect(s.events.triggered).toEqual([]);
  });
});
