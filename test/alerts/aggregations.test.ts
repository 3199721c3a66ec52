import { describe, expect, it } from 'vitest';
import { ConfigError, type AlertRuleInput } from '../../src/index.js';
import { MINUTE, SECOND, T0, firingValue, probe, probeValue, setup, type Setup } from './support.js';

/** Creates probe rules (always true while there is data) and returns their ids by name. */
async function probes(s: Setup, metric: string, list: Record<string, Partial<AlertRuleInput>>): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const [name, fields] of Object.entries(list)) ids[name] = (await s.monitor.alerts.createRule(probe(name, metric, fields))).id;
  return ids;
}

/** Values 1, 2, ..., n. */
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i + 1);

describe('histogram aggregations', () => {
  it('computes avg, min, max, sum, count and rate of the values in the window', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of upTo(100)) h.observe(v);
    s.clock.advance(SECOND);
    const w = { window: '1m' } as const;
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'avg' })).toBe(50.5);
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'min' })).toBe(1);
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'max' })).toBe(100);
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'sum' })).toBe(5050);
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'count' })).toBe(100);
    // rate divides by the time the counted slots cover (30 s slots, now 1 s into one): the slot
    // holding the window's start begins 1 s before it, so 1m covers 61 s and 5m 301 s.
    expect(await probeValue(s, 'latency_ms', { ...w, aggregation: 'rate' })).toBeCloseTo(100 / 61, 10);
    expect(await probeValue(s, 'latency_ms', { window: '5m', aggregation: 'rate' })).toBeCloseTo(100 / 301, 10);
  });

  it('uses avg when the rule names no aggregation', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of [10, 20, 60]) h.observe(v);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', {})).toBe(30);
  });

  it.each([
    ['p50', 50],
    ['p90', 90],
    ['p95', 95],
    ['p99', 99],
    ['p999', 100],
  ] as const)('computes %s as the nearest-rank percentile', async (aggregation, expected) => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of upTo(100).reverse()) h.observe(v);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation })).toBe(expected);
  });

  it('keeps percentiles within 1 % when the window holds thousands of values across slots', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    const values: number[] = [];
    for (let slot = 0; slot < 4; slot++) {
      for (let i = 1; i <= 1000; i++) {
        const v = i * (slot + 1);
        values.push(v);
        h.observe(v);
      }
      await s.clock.advanceAsync(30 * SECOND);
    }
    values.sort((a, b) => a - b);
    for (const [aggregation, p] of [['p50', 50], ['p90', 90], ['p99', 99]] as const) {
      const exact = values[Math.ceil((p / 100) * values.length) - 1]!;
      const got = (await probeValue(s, 'latency_ms', { window: '3m', aggregation }))!;
      expect(Math.abs(got - exact) / exact, `${aggregation}: got ${got}, exact ${exact}`).toBeLessThan(0.01);
    }
  });

  it('computes last as the mean of the newest slot that has values', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of [10, 20]) h.observe(v);
    await s.clock.advanceAsync(30 * SECOND);
    for (const v of [200, 400]) h.observe(v);
    await s.clock.advanceAsync(30 * SECOND);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', { window: '5m', aggregation: 'last' })).toBe(300);
  });

  it('leaves out values recorded before the window', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    h.observe(5000);
    await s.clock.advanceAsync(3 * MINUTE);
    h.observe(10);
    h.observe(30);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'avg' })).toBe(20);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'max' })).toBe(30);
    expect(await probeValue(s, 'latency_ms', { window: '5m', aggregation: 'max' })).toBe(5000);
  });

  it('counts values recorded at the very instant of the evaluation, as getAggregatedMetrics does', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of [100, 300]) h.observe(v);
    expect(await s.monitor.getAggregatedMetrics({ name: 'latency_ms', window: '1m' })).toMatchObject({ count: 2, mean: 200 });
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'count' })).toBe(2);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'avg' })).toBe(200);
  });

  it('gives count and sum 0 but no avg, percentile or last for a series with no values in the window', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    h.observe(10);
    await s.clock.advanceAsync(10 * MINUTE);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'count' })).toBe(0);
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'sum' })).toBe(0);
    for (const aggregation of ['avg', 'min', 'max', 'p95', 'last'] as const) {
      expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation }), aggregation).toBeNull();
    }
  });

  it('merges every series matching the labels, and only those', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms', labelNames: ['route', 'method'] });
    h.observe(100, { route: '/a', method: 'GET' });
    h.observe(300, { route: '/a', method: 'POST' });
    h.observe(5000, { route: '/b', method: 'GET' });
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'latency_ms', { window: '1m', labels: { route: '/a' } })).toBe(200);
    expect(await probeValue(s, 'latency_ms', { window: '1m', labels: { route: '/a', method: 'POST' } })).toBe(300);
    expect(await probeValue(s, 'latency_ms', { window: '1m', labels: { route: '/c' } })).toBeNull();
    expect(await probeValue(s, 'latency_ms', { window: '1m', aggregation: 'count' })).toBe(3);
  });
});

describe('errorRate and compliance', () => {
  it('counts status 5xx as errors by default and leaves 4xx out', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    for (let i = 0; i < 14; i++) h.observe(0.1, { route: '/a', status: '200' });
    for (let i = 0; i < 4; i++) h.observe(0.1, { route: '/a', status: '404' });
    h.observe(0.1, { route: '/a', status: '500' });
    h.observe(0.1, { route: '/a', status: '503' });
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'http_request_duration_seconds', { window: '1m', aggregation: 'errorRate' })).toBe(10);
  });

  it('counts success="false" and status or outcome failure as errors by default', async () => {
    const s = setup();
    const tracked = s.monitor.histogram({ name: 'op_duration_seconds', labelNames: ['success'], unit: 'seconds' });
    for (const success of ['true', 'true', 'true', 'false']) tracked.observe(0.1, { success });
    const jobs = s.monitor.histogram({ name: 'job_ms', labelNames: ['outcome'] });
    for (const outcome of ['success', 'failure']) jobs.observe(10, { outcome });
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'op_duration_seconds', { window: '1m', aggregation: 'errorRate' })).toBe(25);
    expect(await probeValue(s, 'job_ms', { window: '1m', aggregation: { type: 'errorRate' } })).toBe(50);
  });

  it('uses custom errorLabels instead of the defaults: exact values, lists and class patterns', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'rpc_ms', labelNames: ['code', 'status'] });
    h.observe(1, { code: 'OK', status: '200' });
    h.observe(1, { code: 'OK', status: '503' });
    h.observe(1, { code: 'E_TIMEOUT', status: '200' });
    h.observe(1, { code: 'E_REFUSED', status: '429' });
    h.observe(1, { code: 'OK', status: '404' });
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'rpc_ms', { window: '1m', aggregation: { type: 'errorRate', errorLabels: { code: 'E_TIMEOUT' } } })).toBe(20);
    expect(await probeValue(s, 'rpc_ms', { window: '1m', aggregation: { type: 'errorRate', errorLabels: { code: ['E_TIMEOUT', 'E_REFUSED'] } } })).toBe(40);
    expect(await probeValue(s, 'rpc_ms', { window: '1m', aggregation: { type: 'errorRate', errorLabels: { status: '4xx' } } })).toBe(40);
  });

  it('computes errorRate per group with groupBy', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'req_ms', labelNames: ['route', 'status'] });
    h.observe(1, { route: '/a', status: '200' });
    h.observe(1, { route: '/a', status: '500' });
    h.observe(1, { route: '/b', status: '200' });
    const rule = await s.monitor.alerts.createRule(probe('errors by route', 'req_ms', { window: '1m', aggregation: 'errorRate', groupBy: ['route'] }));
    await s.at(SECOND);
    expect(firingValue(s.monitor, rule.id, { route: '/a' })).toBe(50);
    expect(firingValue(s.monitor, rule.id, { route: '/b' })).toBe(0);
  });

  it('has no errorRate without observations', async () => {
    const s = setup();
    s.monitor.histogram({ name: 'req_ms', labelNames: ['status'] });
    expect(await probeValue(s, 'req_ms', { window: '1m', aggregation: 'errorRate' })).toBeNull();
  });

  it('computes compliance as the percent of values at or under the target', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    for (const v of upTo(100)) h.observe(v * 100);
    s.clock.advance(SECOND);
    expect(await probeValue(s, 'message_latency_ms', { window: '1m', aggregation: { type: 'compliance', under: 9000 } })).toBe(90);
    expect(await probeValue(s, 'message_latency_ms', { window: '1m', aggregation: { type: 'compliance', under: 10_000 } })).toBe(100);
    expect(await probeValue(s, 'message_latency_ms', { window: '1m', aggregation: { type: 'compliance', under: 50 } })).toBe(0);
  });
});

describe('counter aggregations', () => {
  it('computes rate, sum and count from the increase over the window, and last as the current total', async () => {
    const s = setup();
    const c = s.monitor.counter({ name: 'http_requests_total', labelNames: ['status'] });
    const ids = await probes(s, 'http_requests_total', {
      rate: { aggregation: 'rate', window: '1m' },
      sum: { aggregation: 'sum', window: '1m' },
      count: { aggregation: 'count', window: '1m' },
      last: { aggregation: 'last', window: '1m' },
      ok: { aggregation: 'sum', window: '1m', labels: { status: '200' } },
      errors: { aggregation: 'sum', window: '1m', labels: { status: '500' } },
      errorRate: { aggregation: 'errorRate', window: '1m' },
    });
    // Counted before the first evaluation: the window starts at its start, not at the engine's
    // first evaluation (issue 15), so these 10 count too.
    c.inc({ status: '200' }, 10);
    await s.at(0);
    for (let step = 1; step <= 4; step++) {
      c.inc({ status: '200' }, 15);
      if (step === 2) c.inc({ status: '500' }, 5);
      await s.at(step * 15 * SECOND);
    }
    const value = (name: string) => firingValue(s.monitor, ids[name]!);
    expect(value('ok')).toBe(70);
    expect(value('errors')).toBe(5);
    expect(value('sum')).toBe(75);
    expect(value('count')).toBe(75);
    expect(value('rate')).toBeCloseTo(75 / 60, 10);
    expect(value('last')).toBe(75);
    expect(value('errorRate')).toBeCloseTo((5 / 75) * 100, 10);
  });

  it('reads only the increase inside the window as time moves on', async () => {
    const s = setup();
    const c = s.monitor.counter({ name: 'jobs_total' });
    const rule = await s.monitor.alerts.createRule(probe('jobs per minute', 'jobs_total', { aggregation: 'sum', window: '1m' }));
    c.inc(1);
    await s.at(0);
    c.inc(30);
    await s.at(30 * SECOND);
    c.inc(6);
    await s.at(MINUTE);
    // The 1 counted before the first evaluation is inside the window: it counts (issue 15).
    expect(firingValue(s.monitor, rule.id)).toBe(37);
    await s.at(90 * SECOND);
    expect(firingValue(s.monitor, rule.id)).toBe(6);
    await s.at(3 * MINUTE);
    expect(firingValue(s.monitor, rule.id)).toBe(0);
  });

  it('fires a rate rule once requests pick up', async () => {
    const s = setup();
    const c = s.monitor.counter({ name: 'http_requests_total' });
    await s.monitor.alerts.createRule({ name: 'busy', metric: 'http_requests_total', aggregation: 'rate', window: '1m', condition: 'gt', threshold: 10 });
    c.inc(1);
    for (let t = 0; t <= 2 * MINUTE; t += 15 * SECOND) {
      if (t >= MINUTE) c.inc(300);
      await s.at(t);
    }
    expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
    expect(s.monitor.alerts.getActiveAlerts()[0]!.value).toBeGreaterThan(10);
  });

  it('computes errorRate of a counter by its status label, per group', async () => {
    const s = setup();
    const c = s.monitor.counter({ name: 'job_executions_total', labelNames: ['job', 'status'] });
    const rule = await s.monitor.alerts.createRule(probe('job failures', 'job_executions_total', { aggregation: 'errorRate', window: '5m', groupBy: ['job'] }));
    await s.at(0);
    c.inc({ job: 'mail', status: 'success' }, 3);
    c.inc({ job: 'mail', status: 'failure' }, 1);
    c.inc({ job: 'sms', status: 'success' }, 10);
    await s.at(15 * SECOND);
    expect(firingValue(s.monitor, rule.id, { job: 'mail' })).toBe(25);
    expect(firingValue(s.monitor, rule.id, { job: 'sms' })).toBe(0);
  });
});

describe('gauge aggregations', () => {
  it('computes avg, min, max and count over the values set in the window, and last as the latest value', async () => {
    const s = setup();
    const g = s.monitor.gauge({ name: 'memory_usage_percent' });
    const ids = await probes(s, 'memory_usage_percent', {
      last: { aggregation: 'last', window: '1m' },
      avg: { aggregation: 'avg', window: '1m' },
      min: { aggregation: 'min', window: '1m' },
      max: { aggregation: 'max', window: '1m' },
      count: { aggregation: 'count', window: '1m' },
    });
    for (const [i, v] of [10, 20, 30, 40].entries()) {
      g.set(v);
      await s.at((i + 1) * 15 * SECOND);
    }
    const value = (name: string) => firingValue(s.monitor, ids[name]!);
    expect([value('last'), value('avg'), value('min'), value('max'), value('count')]).toEqual([40, 25, 10, 40, 4]);
    // Gauges are read from their slots' rollups (count, sum, min, max of the values set), no
    // longer from samples taken at each evaluation: a window reaches back by whole 30 s slots.
    // [T0+15s, T0+75s) still overlaps the first slot [T0, T0+30s), which held 10 and 20.
    await s.at(75 * SECOND);
    expect([value('last'), value('avg'), value('min'), value('max')]).toEqual([40, 25, 10, 40]);
    // [T0+35s, T0+95s): the slot of 30 and 40, and the closed slot [T0+60s, T0+90s) in which the
    // gauge was not set: its rollup holds the value it kept, 40, once.
    await s.at(95 * SECOND);
    expect([value('last'), value('avg'), value('min'), value('max'), value('count')]).toEqual([40, 110 / 3, 30, 40, 3]);
  });

  it('reads a gauge whose value comes from a collect callback', async () => {
    const s = setup();
    let heap = 50;
    s.monitor.gauge({ name: 'heap_used_percent', collect: () => heap });
    await s.monitor.alerts.createRule({ name: 'heap', metric: 'heap_used_percent', aggregation: 'last', window: '1m', condition: 'gt', threshold: 90 });
    await s.at(0);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    heap = 95;
    await s.at(15 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 95 }]);
  });

  it('uses avg by default, as the seed 003 rules expect', async () => {
    const s = setup();
    const g = s.monitor.gauge({ name: 'memory_usage' });
    const rule = await s.monitor.alerts.createRule(probe('memory', 'memory_usage', { window: '1m' }));
    g.set(80);
    await s.at(15 * SECOND);
    g.set(100);
    await s.at(30 * SECOND);
    expect(firingValue(s.monitor, rule.id)).toBe(90);
  });
});

describe('aggregations that do not apply', () => {
  it.each([
    ['counter', 'p95'],
    ['counter', 'avg'],
    ['gauge', 'p99'],
    ['gauge', 'rate'],
    ['gauge', 'errorRate'],
  ] as const)('reports %s with %s once as a ConfigError and fires nothing', async (kind, aggregation) => {
    const s = setup();
    if (kind === 'counter') s.monitor.counter({ name: 'm_total' }).inc(5);
    else s.monitor.gauge({ name: 'm_total' }).set(5);
    await s.monitor.alerts.createRule(probe('misfit', 'm_total', { aggregation }));
    await s.at(0);
    await s.at(15 * SECOND);
    await s.at(30 * SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toEqual([]);
    const configErrors = s.events.errors.filter((e) => e instanceof ConfigError);
    expect(configErrors).toHaveLength(1);
    expect(configErrors[0]!.message).toContain('misfit');
  });
});

describe('windows longer than memory holds', () => {
  it('reads older slots back from storage after they were flushed', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    // One value per 30 s slot for 20 minutes; memory holds 10 slots (5 minutes).
    for (let k = 0; k < 40; k++) {
      h.observe(k < 30 ? 100 : 400);
      await s.clock.advanceAsync(30 * SECOND);
    }
    s.clock.advance(SECOND);
    expect((await s.monitor.storage.queryRollups({ name: 'latency_ms' })).length).toBe(40);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'count' })).toBe(40);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'avg' })).toBe(175);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'p50' })).toBeCloseTo(100, 0);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'p95' })).toBeCloseTo(400, -1);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'min' })).toBe(100);
    expect(await probeValue(s, 'latency_ms', { window: '10m', aggregation: 'avg' })).toBe(250);
    expect(await probeValue(s, 'latency_ms', { window: '10m', aggregation: 'count' })).toBe(20);
  });

  it('counts a slot once when it is both still in memory and in storage (a series observed only now and then)', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms' });
    for (const v of [100, 200, 300, 400, 500]) h.observe(v);
    await s.clock.advanceAsync(20 * MINUTE);
    s.clock.advance(SECOND);
    const reference = await s.monitor.getAggregatedMetrics({ name: 'latency_ms', window: '1h' });
    expect(reference).toMatchObject({ count: 5, sum: 1500 });
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'count' })).toBe(5);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'sum' })).toBe(1500);
  });

  it('agrees with getAggregatedMetrics over a long window', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'latency_ms', labelNames: ['route'] });
    for (let k = 0; k < 60; k++) {
      for (let i = 0; i < 5; i++) h.observe(10 + ((k * 7 + i * 13) % 90), { route: k % 3 === 0 ? '/a' : '/b' });
      await s.clock.advanceAsync(30 * SECOND);
    }
    s.clock.advance(SECOND);
    const ref = await s.monitor.getAggregatedMetrics({ name: 'latency_ms', window: '1h' });
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'count' })).toBe(ref.count);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'sum' })).toBeCloseTo(ref.sum, 6);
    expect(await probeValue(s, 'latency_ms', { window: '1h', aggregation: 'max' })).toBe(ref.max);
  });
});

describe('seed-style metrics from recordMetric', () => {
  it('alerts on a metric recorded with recordMetric, seed 003\'s way', async () => {
    const s = setup();
    await s.monitor.alerts.createRule({ name: 'High Response Time', metricType: 'response_time', aggregation: 'avg', window: '5m', condition: 'greater_than', threshold: 1000 });
    for (const value of [900, 1500, 1800]) s.monitor.recordMetric({ metricType: 'response_time', value, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } });
    await s.at(SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ ruleName: 'High Response Time', value: 1400, threshold: 1000 }]);
  });

  it('matches a rule\'s label matchers against the record\'s tags and extra fields', async () => {
    const s = setup();
    const rule = await s.monitor.alerts.createRule(probe('org latency', 'api_latency', { labels: { organizationId: 'org-1', endpoint: '/x' }, window: '1m' }));
    s.monitor.recordMetric({ metricType: 'api_latency', value: 100, unit: 'ms', organizationId: 'org-1', tags: { endpoint: '/x' } });
    s.monitor.recordMetric({ metricType: 'api_latency', value: 900, unit: 'ms', organizationId: 'org-2', tags: { endpoint: '/x' } });
    await s.at(SECOND);
    expect(firingValue(s.monitor, rule.id)).toBe(100);
  });

  it('finds a metric recorded with an upper-case metricType when the rule uses the same metricType', async () => {
    const s = setup();
    await s.monitor.alerts.createRule({ name: 'Slow API', metricType: 'API_RESPONSE_TIME', aggregation: 'avg', window: '5m', condition: 'greater_than', threshold: 2000 });
    s.monitor.recordMetric({ metricType: 'API_RESPONSE_TIME', value: 2500, unit: 'ms', service: 'api' });
    await s.at(SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 2500 }]);
  });

  it('alerts on job metrics from recordJobExecution', async () => {
    const s = setup();
    // Durations are given in ms and stored in seconds (job_duration_seconds, the base unit).
    await s.monitor.alerts.createRule({ name: 'Slow job', metric: 'job_duration_seconds', labels: { job: 'content-generation' }, aggregation: 'max', window: '5m', condition: 'gt', threshold: 60, severity: 'warning' });
    s.monitor.recordJobExecution('content-generation', true, 25_000);
    s.monitor.recordJobExecution('content-generation', false, 95_000);
    s.monitor.recordJobExecution('other', true, 500_000);
    await s.at(SECOND);
    expect(s.monitor.alerts.getActiveAlerts()).toMatchObject([{ value: 95 }]);
  });
});

describe('timestamps', () => {
  it('evaluates at the clock\'s time', async () => {
    const s = setup();
    s.clock.advance(12_345);
    expect((await s.monitor.alerts.evaluate()).at).toBe(T0 + 12_345);
  });
});
