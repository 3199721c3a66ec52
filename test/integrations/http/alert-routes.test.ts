/**
 * The alert routes of createMonitoringHandler (seed 003's REST API): rule CRUD, an alert fired by
 * metrics posted through the API, acknowledge, resolve, history, pending, and a failing store.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, MemoryStorage, type AlertRecord, type AlertRule, type MonitorOptions, type PulsewatchError, type StorageAdapter } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { delegatingStorage } from '../../helpers/delegating-storage.js';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const TOKEN = 'pw_alerts_4d6f8a0c2e1b3d5f';
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

/** Seed 003's rule body. */
const SEED_RULE = { name: 'High Response Time', metricType: 'response_time', condition: 'greater_than', threshold: 1000, duration: '5m', enabled: true, cooldownPeriod: 1800 };

const closing = closeAfterEach();

function setup(monitorOptions: Partial<MonitorOptions> = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ service: 'test', clock, ...monitorOptions });
  closing(monitor);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  const handler = createMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN });
  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> =>
    handler(
      new Request(`http://localhost${BASE}${path}`, {
        method,
        headers: { authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      }),
    );
  const json = async <T>(response: Response): Promise<T> => (await response.json()) as T;
  /** Creates the rule through the API and returns it. */
  const createRule = async (fields: Record<string, unknown> = {}): Promise<AlertRule> => {
    const response = await call('POST', '/alerts/rules', { ...SEED_RULE, ...fields });
    expect(response.status, await response.clone().text()).toBe(201);
    return (await json<{ rule: AlertRule }>(response)).rule;
  };
  /** Posts response_time values through the API, stamped now. */
  const postValues = async (...values: number[]): Promise<void> => {
    const records = values.map((value) => ({ metricType: 'response_time', value, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' }, timestamp: new Date(clock.now()).toISOString() }));
    expect((await call('POST', '/metrics', records)).status).toBe(202);
  };
  /**
   * Makes a rule fire: values over its threshold posted through the API, one evaluation (pending),
   * the clock moved past the rule's 5 minute duration, and one more evaluation.
   */
  const fire = async (rule: AlertRule): Promise<AlertRecord> => {
    await postValues(1_500, 1_600);
    await monitor.alerts.evaluate();
    await clock.advanceAsync(5 * MINUTE);
    await monitor.alerts.evaluate();
    const alert = monitor.alerts.getActiveAlerts().find((a) => a.ruleId === rule.id);
    expect(alert, 'the rule should be firing').toBeDefined();
    return alert!;
  };
  return { clock, monitor, errors, call, json, createRule, postValues, fire };
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const errorOf = async (response: Response): Promise<ErrorBody['error']> => ((await response.json()) as ErrorBody).error;

describe('alert rule CRUD', () => {
  it('POST /alerts/rules answers 409 CONFLICT for an id a rule already has, and keeps that rule', async () => {
    const { call, json, createRule, monitor } = setup();
    await createRule({ id: 'latency', threshold: 1000 });
    const response = await call('POST', '/alerts/rules', { ...SEED_RULE, id: 'latency', threshold: 5 });
    expect(response.status).toBe(409);
    expect(await json(response)).toMatchObject({ error: { code: 'CONFLICT', message: expect.stringContaining('"latency"') } });
    expect(monitor.alerts.getRule('latency')?.threshold).toBe(1000);
  });

  it('POST /alerts/rules creates a seed 003 rule: 201 { rule } with an id, durations in ms', async () => {
    const { call, json, monitor } = setup();
    const response = await call('POST', '/alerts/rules', SEED_RULE);
    expect(response.status).toBe(201);
    const { rule } = await json<{ rule: AlertRule }>(response);
    expect(rule.id).toEqual(expect.any(String));
    expect(rule.id.length).toBeGreaterThan(0);
    expect(rule).toMatchObject({ name: 'High Response Time', metricType: 'response_time', condition: 'greater_than', threshold: 1000, duration: 300_000, enabled: true, cooldownPeriod: 1800, createdAt: T0 });
    expect(monitor.alerts.getRule(rule.id)).toEqual(rule);
  });

  it('takes a duration with its unit and a metric instead of metricType', async () => {
    const { createRule } = setup();
    expect((await createRule({ duration: '300s' })).duration).toBe(300_000);
    const rule = await createRule({ metricType: undefined, metric: 'response_time', duration: 0, name: 'other' });
    expect(rule).toMatchObject({ metric: 'response_time', duration: 0 });
  });

  it('answers 400 VALIDATION_FAILED with issues for an invalid rule, and creates nothing', async () => {
    const { call, monitor } = setup();
    const response = await call('POST', '/alerts/rules', { name: '', metricType: 'response_time', condition: 'bigger_than', threshold: 'high', duration: 'soon' });
    expect(response.status).toBe(400);
    const error = await errorOf(response);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues!.map((i) => i.path)).toEqual(expect.arrayContaining(['name', 'condition', 'threshold', 'duration']));
    const missing = await call('POST', '/alerts/rules', { name: 'no metric' });
    expect(missing.status).toBe(400);
    expect((await errorOf(missing)).issues!.map((i) => i.path)).toEqual(expect.arrayContaining(['metric', 'condition', 'threshold']));
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('answers 400 for a body that is not a JSON object', async () => {
    const { call } = setup();
    for (const body of ['[]', '"rule"', 'null', '']) {
      const response = await call('POST', '/alerts/rules', body);
      expect(response.status, JSON.stringify(body)).toBe(400);
    }
    const invalid = await call('POST', '/alerts/rules', '{"name":');
    expect(invalid.status).toBe(400);
    expect((await errorOf(invalid)).code).toBe('INVALID_JSON');
  });

  it('GET /alerts/rules lists the rules and GET /alerts/rules/:id answers one', async () => {
    const { call, json, createRule } = setup();
    expect(await json(await call('GET', '/alerts/rules'))).toEqual({ rules: [] });
    const a = await createRule();
    const b = await createRule({ name: 'Very High Response Time', threshold: 5000 });
    const list = await json<{ rules: AlertRule[] }>(await call('GET', '/alerts/rules'));
    expect(list.rules.map((r) => r.id)).toEqual([a.id, b.id]);
    const one = await call('GET', `/alerts/rules/${b.id}`);
    expect(one.status).toBe(200);
    expect(await json(one)).toEqual({ rule: b });
  });

  it('GET /alerts/rules/:id answers 404 NOT_FOUND for an unknown id', async () => {
    const { call } = setup();
    const response = await call('GET', '/alerts/rules/nope');
    expect(response.status).toBe(404);
    const error = await errorOf(response);
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('nope');
  });

  it('PUT /alerts/rules/:id applies a patch and keeps the other fields', async () => {
    const { call, json, createRule, clock, monitor } = setup();
    const rule = await createRule();
    clock.advance(1_000);
    const response = await call('PUT', `/alerts/rules/${rule.id}`, { threshold: 2000 });
    expect(response.status).toBe(200);
    const updated = (await json<{ rule: AlertRule }>(response)).rule;
    expect(updated).toMatchObject({ id: rule.id, threshold: 2000, name: rule.name, duration: 300_000, cooldownPeriod: 1800, createdAt: T0, updatedAt: T0 + 1_000 });
    expect(monitor.alerts.getRule(rule.id)?.threshold).toBe(2000);
    expect((await json<{ rule: AlertRule }>(await call('GET', `/alerts/rules/${rule.id}`))).rule.threshold).toBe(2000);
  });

  it('PUT answers 400 for an invalid patch (the rule stays) and 404 for an unknown id', async () => {
    const { call, createRule, monitor } = setup();
    const rule = await createRule();
    const bad = await call('PUT', `/alerts/rules/${rule.id}`, { threshold: 'lots', condition: 'bigger' });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).issues!.map((i) => i.path)).toEqual(expect.arrayContaining(['threshold', 'condition']));
    expect(monitor.alerts.getRule(rule.id)?.threshold).toBe(1000);
    expect((await call('PUT', `/alerts/rules/${rule.id}`, [1])).status).toBe(400);
    const unknown = await call('PUT', '/alerts/rules/nope', { threshold: 1 });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('NOT_FOUND');
  });

  it('DELETE /alerts/rules/:id answers 200 { deleted }, then 404', async () => {
    const { call, json, createRule, monitor } = setup();
    const rule = await createRule();
    const response = await call('DELETE', `/alerts/rules/${rule.id}`);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ deleted: rule.id });
    expect(monitor.alerts.getRules()).toEqual([]);
    expect((await call('GET', `/alerts/rules/${rule.id}`)).status).toBe(404);
    const again = await call('DELETE', `/alerts/rules/${rule.id}`);
    expect(again.status).toBe(404);
    expect((await errorOf(again)).code).toBe('NOT_FOUND');
  });
});

describe('alerts fired by metrics posted through the API', () => {
  it('GET /alerts/pending lists an alert waiting for its duration, and GET /alerts/active the firing one', async () => {
    const { call, json, createRule, postValues, monitor, clock } = setup();
    const rule = await createRule();
    await postValues(1_500, 1_600);
    await monitor.alerts.evaluate();
    const pending = await json<{ pending: { ruleId: string; activeAt: number; value: number }[] }>(await call('GET', '/alerts/pending'));
    expect(pending.pending).toEqual([{ ruleId: rule.id, labels: expect.objectContaining({ alertname: 'High Response Time' }), activeAt: T0, value: expect.closeTo(1_550, -1) }]);
    expect(await json(await call('GET', '/alerts/active'))).toEqual({ alerts: [] });

    // Past the rule's duration: firing.
    await clock.advanceAsync(5 * MINUTE);
    await monitor.alerts.evaluate();
    const active = await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/active'));
    expect(active.alerts).toHaveLength(1);
    expect(active.alerts[0]).toMatchObject({ ruleId: rule.id, ruleName: 'High Response Time', status: 'firing', threshold: 1000, activeAt: T0 });
    expect(active.alerts[0]!.value).toBeCloseTo(1_550, -1);
    expect(await json(await call('GET', '/alerts/pending'))).toEqual({ pending: [] });
    // The JSON snapshot counts it too.
    expect(((await json<{ alerts: { active: number } }>(await call('GET', '/metrics'))).alerts.active)).toBe(1);
  });

  it('does not fire for values under the threshold', async () => {
    const { call, json, createRule, postValues, monitor, clock } = setup();
    await createRule();
    await postValues(200, 300);
    await monitor.alerts.evaluate();
    await clock.advanceAsync(5 * MINUTE);
    await monitor.alerts.evaluate();
    expect(await json(await call('GET', '/alerts/active'))).toEqual({ alerts: [] });
    expect(await json(await call('GET', '/alerts/pending'))).toEqual({ pending: [] });
  });

  it('POST /alerts/:id/acknowledge records who acknowledged it', async () => {
    const { call, json, createRule, fire, clock, monitor } = setup();
    const alert = await fire(await createRule());
    const acknowledgedAt = clock.now();
    const response = await call('POST', `/alerts/${alert.id}/acknowledge`, { by: 'alice' });
    expect(response.status).toBe(200);
    const { alert: acked } = await json<{ alert: AlertRecord }>(response);
    expect(acked).toMatchObject({ id: alert.id, status: 'firing', acknowledgedBy: 'alice', acknowledgedAt });
    expect(monitor.alerts.getActiveAlerts()[0]).toMatchObject({ acknowledgedBy: 'alice' });
    // Acknowledging again keeps the first acknowledgement.
    clock.advance(1_000);
    const again = await json<{ alert: AlertRecord }>(await call('POST', `/alerts/${alert.id}/acknowledge`, { by: 'bob' }));
    expect(again.alert).toMatchObject({ acknowledgedBy: 'alice', acknowledgedAt });
  });

  it('acknowledge without a body is by "http"; a bad body is a 400; an unknown alert a 404', async () => {
    const { call, json, createRule, fire } = setup();
    const alert = await fire(await createRule());
    expect((await call('POST', `/alerts/${alert.id}/acknowledge`, { by: '' })).status).toBe(400);
    const extra = await call('POST', `/alerts/${alert.id}/acknowledge`, { by: 'alice', note: 'x' });
    expect(extra.status).toBe(400);
    expect((await errorOf(extra)).code).toBe('VALIDATION_FAILED');
    expect((await call('POST', `/alerts/${alert.id}/acknowledge`, { by: 42 })).status).toBe(400);
    const unknown = await call('POST', '/alerts/nope/acknowledge', { by: 'alice' });
    expect(unknown.status).toBe(404);
    expect((await errorOf(unknown)).code).toBe('NOT_FOUND');
    const response = await call('POST', `/alerts/${alert.id}/acknowledge`);
    expect(response.status).toBe(200);
    expect((await json<{ alert: AlertRecord }>(response)).alert.acknowledgedBy).toBe('http');
  });

  it('POST /alerts/:id/resolve resolves it: out of active, resolved in history', async () => {
    const { call, json, createRule, fire, clock } = setup();
    const rule = await createRule();
    const alert = await fire(rule);
    clock.advance(1_000);
    const response = await call('POST', `/alerts/${alert.id}/resolve`);
    expect(response.status).toBe(200);
    const { alert: resolved } = await json<{ alert: AlertRecord }>(response);
    expect(resolved).toMatchObject({ id: alert.id, status: 'resolved', endsAt: clock.now() });
    expect(await json(await call('GET', '/alerts/active'))).toEqual({ alerts: [] });
    // Resolving it again: it is no longer an active alert.
    expect((await call('POST', `/alerts/${alert.id}/resolve`)).status).toBe(404);

    const history = await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history?status=resolved'));
    expect(history.alerts.map((a) => a.id)).toContain(alert.id);
    expect(history.alerts.every((a) => a.status === 'resolved')).toBe(true);
    const firing = await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history?status=firing'));
    expect(firing.alerts.map((a) => a.id)).not.toContain(alert.id);
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', `/alerts/history?ruleId=${rule.id}`))).alerts).toHaveLength(1);
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history?ruleId=other'))).alerts).toEqual([]);
  });

  it('GET /alerts/history filters by from/to (epoch ms or ISO 8601) and limit', async () => {
    const { call, json, createRule, fire, clock } = setup();
    const a = await fire(await createRule());
    clock.advance(MINUTE);
    const b = await fire(await createRule({ name: 'Other', threshold: 1200 }));
    const all = await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history'));
    expect(all.alerts.map((x) => x.id).sort()).toEqual([a.id, b.id].sort());
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history?limit=1'))).alerts).toHaveLength(1);
    const future = new Date(clock.now() + MINUTE).toISOString();
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', `/alerts/history?from=${encodeURIComponent(future)}`))).alerts).toEqual([]);
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', `/alerts/history?to=${T0}`))).alerts).toEqual([]);
    expect((await json<{ alerts: AlertRecord[] }>(await call('GET', `/alerts/history?from=${T0}&to=${clock.now() + 1}`))).alerts).toHaveLength(2);
  });

  it('GET /alerts/history answers 400 with issues for a bad limit, status or time', async () => {
    const { call } = setup();
    const cases: [string, string][] = [
      ['limit=abc', 'limit'],
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['limit=1.5', 'limit'],
      ['status=open', 'status'],
      ['from=yesterday', 'from'],
      ['to=2026-13-45', 'to'],
    ];
    for (const [query, path] of cases) {
      const response = await call('GET', `/alerts/history?${query}`);
      expect(response.status, query).toBe(400);
      const error = await errorOf(response);
      expect(error.code, query).toBe('VALIDATION_FAILED');
      expect(error.issues!.map((i) => i.path), query).toContain(path);
    }
  });

  it('DELETE of a firing rule resolves its alert', async () => {
    const { call, json, createRule, fire } = setup();
    const rule = await createRule();
    const alert = await fire(rule);
    expect((await call('DELETE', `/alerts/rules/${rule.id}`)).status).toBe(200);
    expect(await json(await call('GET', '/alerts/active'))).toEqual({ alerts: [] });
    const history = await json<{ alerts: AlertRecord[] }>(await call('GET', '/alerts/history?status=resolved'));
    expect(history.alerts.map((a) => a.id)).toContain(alert.id);
  });
});

describe('a failing store', () => {
  const SECRET = 'postgres://monitor:hunter2@db.internal:5432';

  function failing(overrides: Partial<StorageAdapter>): StorageAdapter {
    return delegatingStorage(new MemoryStorage(), { name: 'flaky-db', ...overrides });
  }

  it('GET /alerts/history answers 503 STORAGE_UNAVAILABLE without the underlying error, and reports it', async () => {
    const storage = failing({
      queryAlerts: async () => {
        throw new Error(`connect ECONNREFUSED ${SECRET}`);
      },
    });
    const { call, errors } = setup({ storage });
    const response = await call('GET', '/alerts/history?status=resolved');
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'STORAGE_UNAVAILABLE', message: expect.any(String) } });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('db.internal');
    expect(text).not.toMatch(/\bat [\w.<>]+ \(/);
    expect(errors.map((e) => e.code)).toContain('ERR_PULSEWATCH_STORAGE');
  });

  it('POST /alerts/rules answers 503 when the rule cannot be saved, and the rule is not created', async () => {
    const storage = failing({
      saveRule: async () => {
        throw new Error(`write failed: ${SECRET}`);
      },
    });
    const { call, monitor } = setup({ storage });
    const response = await call('POST', '/alerts/rules', SEED_RULE);
    expect(response.status).toBe(503);
    const text = await response.text();
    expect((JSON.parse(text) as ErrorBody).error.code).toBe('STORAGE_UNAVAILABLE');
    expect(text).not.toContain('hunter2');
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('DELETE /alerts/rules/:id answers 503 when the store refuses, and the rule stays', async () => {
    let down = false;
    const inner = new MemoryStorage();
    const storage = delegatingStorage(inner, {
      name: 'flaky-db',
      deleteRule: async (id, options) => {
        if (down) throw new Error(`delete failed: ${SECRET}`);
        return inner.deleteRule(id, options);
      },
    });
    const { call, createRule, monitor } = setup({ storage });
    const rule = await createRule();
    down = true;
    const response = await call('DELETE', `/alerts/rules/${rule.id}`);
    expect(response.status).toBe(503);
    expect(await response.text()).not.toContain('hunter2');
    expect(monitor.alerts.getRule(rule.id)).toBeDefined();
  });
});
