import { describe, expect, it } from 'vitest';
import { rulePacks } from '../../src/index.js';
import { defaultRules, serviceRules, slaRules } from '../../src/alerts/packs.js';
import { alertRuleSchema } from '../../src/alerts/rule-schema.js';
import { MINUTE, SECOND, recordingNotifier, setup } from './support.js';

const activeNames = (s: ReturnType<typeof setup>): string[] => s.monitor.alerts.getActiveAlerts().map((a) => a.ruleName).sort();

describe('rule packs are valid', () => {
  it.each([
    ['defaults', rulePacks.defaults, 3],
    ['service', rulePacks.service, 19],
    ['sla', rulePacks.sla, 7],
  ] as const)('creates every rule of %s', async (_name, pack, count) => {
    const { monitor } = setup();
    const rules = pack();
    expect(rules).toHaveLength(count);
    for (const rule of rules) expect(alertRuleSchema.safeParse(rule).success, rule.name).toBe(true);
    const created = await monitor.alerts.createRules(rules);
    expect(created.map((r) => r.name)).toEqual(rules.map((r) => r.name));
    expect(new Set(created.map((r) => r.id)).size).toBe(count);
  });

  it('creates all three packs side by side in one monitor', async () => {
    const { monitor } = setup();
    await monitor.alerts.createRules([...rulePacks.defaults(), ...rulePacks.service(), ...rulePacks.sla()]);
    expect(monitor.alerts.getRules()).toHaveLength(29);
  });

  it('returns fresh plain inputs each call, which may be changed before creating them', async () => {
    const { monitor } = setup();
    const rules = defaultRules();
    rules[0]!.threshold = 1;
    expect(defaultRules()[0]!.threshold).toBe(1000);
    await expect(monitor.alerts.createRules(rules)).resolves.toMatchObject([{ threshold: 1 }, {}, {}]);
  });

  it('takes metric names and channels as options', async () => {
    const { monitor } = setup({ notifiers: [recordingNotifier('ops')] });
    const created = await monitor.alerts.createRules(defaultRules({ responseTimeMetric: 'api_latency_ms', errorRateMetric: 'errors_percent', memoryMetric: 'heap_percent', channels: ['ops'] }));
    expect(created.map((r) => [r.metric, r.channels])).toEqual([
      ['api_latency_ms', ['ops']],
      ['errors_percent', ['ops']],
      ['heap_percent', ['ops']],
    ]);
    const sla = await monitor.alerts.createRules(slaRules({ metric: 'delivery_ms', target: 2000, window: '30m' }));
    expect(sla[0]).toMatchObject({ metric: 'delivery_ms', window: 1_800_000, aggregation: { type: 'compliance', under: 2000 } });
  });

  it('converts the service pack\'s latency thresholds to the unit given', () => {
    const byName = (unit: 'seconds' | 'ms') => new Map(serviceRules({ unit }).map((r) => [r.name, r]));
    const seconds = byName('seconds');
    const ms = byName('ms');
    expect([seconds.get('Response time warning')!.threshold, ms.get('Response time warning')!.threshold]).toEqual([2, 2000]);
    expect([seconds.get('Database critical')!.threshold, ms.get('Database critical')!.threshold]).toEqual([2, 2000]);
    expect(ms.get('Slow query percentage')!.aggregation).toEqual({ type: 'compliance', under: 500 });
    // Percentages and counts do not change with the unit.
    expect(ms.get('Error rate critical')!.threshold).toBe(15);
    expect(ms.get('Queue depth critical')!.threshold).toBe(200);
  });

  it('rejects a pack naming a channel no notifier has', async () => {
    const { monitor } = setup();
    await expect(monitor.alerts.createRules(serviceRules({ channels: ['nowhere'] }))).rejects.toMatchObject({ issues: [{ path: 'channels' }] });
  });
});

describe('rule packs fire on data that crosses their thresholds', () => {
  it('defaults: error rate after 3 m, response time after 5 m, memory after 10 m (seed 003)', async () => {
    const s = setup();
    await s.monitor.alerts.createRules(rulePacks.defaults());
    const record = (): void => {
      s.monitor.recordMetric({ metricType: 'response_time', value: 1500, unit: 'ms' });
      s.monitor.recordMetric({ metricType: 'error_rate', value: 8, unit: 'percent' });
      s.monitor.recordMetric({ metricType: 'memory_usage', value: 95, unit: 'percent' });
    };
    record();
    const seen = new Map<number, string[]>();
    for (let t = 15 * SECOND; t <= 11 * MINUTE; t += 15 * SECOND) {
      record();
      await s.at(t);
      seen.set(t, activeNames(s));
    }
    expect(seen.get(3 * MINUTE)).toEqual([]);
    expect(seen.get(3 * MINUTE + 15 * SECOND)).toEqual(['High Error Rate']);
    expect(seen.get(5 * MINUTE + 15 * SECOND)).toEqual(['High Error Rate', 'High Response Time']);
    expect(seen.get(10 * MINUTE)).toEqual(['High Error Rate', 'High Response Time']);
    expect(seen.get(10 * MINUTE + 15 * SECOND)).toEqual(['High Error Rate', 'High Memory Usage', 'High Response Time']);
    expect(s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === 'High Error Rate')).toMatchObject({ severity: 'error', type: 'error', value: 8 });
  });

  it('defaults: nothing fires on healthy data', async () => {
    const s = setup();
    await s.monitor.alerts.createRules(rulePacks.defaults());
    for (let t = 0; t <= 12 * MINUTE; t += 15 * SECOND) {
      s.monitor.recordMetric({ metricType: 'response_time', value: 200, unit: 'ms' });
      s.monitor.recordMetric({ metricType: 'error_rate', value: 1, unit: 'percent' });
      s.monitor.recordMetric({ metricType: 'memory_usage', value: 60, unit: 'percent' });
      await s.at(t + SECOND);
    }
    expect(activeNames(s)).toEqual([]);
  });

  it('service: every rule but the spike fires on a slow, failing, saturated service (seed 002)', async () => {
    const s = setup();
    await s.monitor.alerts.createRules(rulePacks.service());
    const http = s.monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const db = s.monitor.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' });
    const queue = s.monitor.gauge({ name: 'job_queue_size', labelNames: ['state'] });
    const cpu = s.monitor.gauge({ name: 'system_cpu_usage_percent' });
    const mem = s.monitor.gauge({ name: 'system_memory_usage_percent' });
    queue.set(250, { state: 'pending' });
    queue.set(5, { state: 'active' });
    cpu.set(97);
    mem.set(96);
    for (let t = 0; t <= 3 * MINUTE; t += 15 * SECOND) {
      for (let i = 0; i < 8; i++) http.observe(6, { route: '/api', status: '200' });
      for (let i = 0; i < 2; i++) http.observe(6, { route: '/api', status: '500' });
      db.observe(3);
      s.monitor.recordJobExecution('mail', true, 1000);
      s.monitor.recordJobExecution('mail', false, 1000);
      await s.at(t + SECOND);
    }
    const expected = serviceRules()
      .map((r) => r.name)
      .filter((n) => n !== 'Response time spike')
      .sort();
    expect(activeNames(s)).toEqual(expected);
    const jobAlerts = s.monitor.alerts.getActiveAlerts().filter((a) => a.type === 'job');
    expect(jobAlerts.every((a) => a.labels.job === 'mail' && a.value === 50)).toBe(true);
    expect(s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === 'Error rate critical')).toMatchObject({ severity: 'critical', value: 20 });
    expect(s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === 'Queue depth critical')).toMatchObject({ value: 250 });
  });

  it("service: jobLabel groups the job failure rules by monitor.jobs' `type` label on job_outcomes_total", async () => {
    const s = setup();
    const rules = serviceRules({ jobMetric: 'job_outcomes_total', jobLabel: 'type' }).filter((r) => r.type === 'job');
    expect(rules.map((r) => r.groupBy)).toEqual([['type'], ['type'], ['type']]);
    await s.monitor.alerts.createRules(rules);
    const outcomes = s.monitor.counter({ name: 'job_outcomes_total', labelNames: ['type', 'outcome'] });
    for (let t = 0; t <= 3 * MINUTE; t += 15 * SECOND) {
      outcomes.inc({ type: 'export', outcome: 'success' }, 4);
      outcomes.inc({ type: 'export', outcome: 'failure' }, 1);
      outcomes.inc({ type: 'mail', outcome: 'success' }, 5);
      await s.at(t + SECOND);
    }
    // 20 % of export's jobs fail (medium and high fire, critical at 25 % does not); mail never fails.
    const jobAlerts = s.monitor.alerts.getActiveAlerts().filter((a) => a.type === 'job');
    expect(jobAlerts.map((a) => [a.ruleName, a.labels.type, a.value]).sort()).toEqual([
      ['Job failure rate high', 'export', 20],
      ['Job failure rate medium', 'export', 20],
    ]);
  });

  it('service: the spike rule fires when the last 5 minutes run 1.5x slower than the hour', async () => {
    const s = setup({ alerts: { evaluationInterval: '1h' } });
    await s.monitor.alerts.createRules(rulePacks.service().filter((r) => r.name === 'Response time spike'));
    const http = s.monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds' });
    for (let k = 0; k < 130; k++) {
      http.observe(k < 120 ? 0.2 : 0.8);
      await s.clock.advanceAsync(30 * SECOND);
    }
    await s.at(65 * MINUTE);
    expect(s.monitor.alerts.getPendingAlerts()).toHaveLength(1);
    await s.at(65 * MINUTE + 2 * MINUTE);
    expect(activeNames(s)).toEqual(['Response time spike']);
  });

  it('sla: compliance, the slowest message, the mean and p95 fire on a slow hour (seed 004)', async () => {
    const s = setup();
    await s.monitor.alerts.createRules(rulePacks.sla());
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    for (let i = 0; i < 90; i++) h.observe(1000);
    for (let i = 0; i < 10; i++) h.observe(40_000);
    await s.at(SECOND);
    expect(activeNames(s)).toEqual(['Mean latency high', 'Message over 30s', 'P95 latency high', 'SLA compliance']);
    expect(s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === 'SLA compliance')).toMatchObject({ severity: 'critical', value: 90, type: 'sla' });
  });

  it('sla: nothing fires when every message is well under the target', async () => {
    const s = setup();
    await s.monitor.alerts.createRules(rulePacks.sla());
    const h = s.monitor.histogram({ name: 'message_latency_ms' });
    for (let i = 0; i < 100; i++) h.observe(800 + i);
    await s.at(SECOND);
    expect(activeNames(s)).toEqual([]);
  });
});
