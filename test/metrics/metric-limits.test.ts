// Metric definitions are bounded: limits.maxMetrics for every definition (pulsewatch's own aside),
// limits.maxRecordedMetrics for the names recordMetric (and so POST /metrics) defines. 50,000
// recordMetric names used to define 50,000 histograms (+176 MiB of heap).
import { describe, expect, it } from 'vitest';
import { LimitError, createMonitor, parseMetricRecord, type Monitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const dropped = (reason: string) => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason });
  return { clock, monitor, events, dropped };
}

function userMetrics(monitor: Monitor): string[] {
  return [...(monitor as unknown as { registry: { all(): Iterable<{ name: string }> } }).registry.all()]
    .map((m) => m.name)
    .filter((n) => !n.startsWith('pulsewatch_'));
}

describe('limits.maxMetrics', () => {
  it('throws a LimitError from counter(), gauge() and histogram() past the limit, and still returns existing metrics', () => {
    const { monitor } = setup({ limits: { maxMetrics: 2 } });
    const a = monitor.counter({ name: 'a_total' });
    monitor.gauge({ name: 'b' });
    expect(() => monitor.counter({ name: 'c_total' })).toThrow(LimitError);
    expect(() => monitor.gauge({ name: 'd' })).toThrow(LimitError);
    let error: unknown;
    try {
      monitor.histogram({ name: 'e' });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'ERR_PULSEWATCH_LIMIT', limit: 'limits.maxMetrics', max: 2 });
    // Defining an existing metric again is a lookup, not a new definition.
    expect(monitor.counter({ name: 'a_total' })).toBe(a);
  });

  it("leaves pulsewatch's own metrics out, so a monitor at its limit still counts drops, breakers and jobs", async () => {
    const { monitor, dropped } = setup({ limits: { maxMetrics: 1 } });
    monitor.counter({ name: 'only_total' });
    const breaker = monitor.circuitBreaker('payments', async () => 'ok');
    await expect(breaker.fire()).resolves.toBe('ok');
    monitor.recordJobExecution('nightly', true, 1200);
    monitor.counter({ name: 'only_total' }).inc(-1);
    expect(dropped('invalid_value')).toBe(1);
    expect(monitor.exportPrometheusMetrics()).toContain('breaker_calls_total{breaker="payments",outcome="success"} 1');
    expect(monitor.exportPrometheusMetrics()).toContain('job_executions_total{job="nightly",outcome="success"} 1');
  });

  it('drops a recordMetric name past it as metric_limit instead of reporting a bad metricType', () => {
    const { monitor, events, dropped } = setup({ limits: { maxMetrics: 1 } });
    monitor.counter({ name: 'only_total' });
    monitor.recordMetric({ metricType: 'late_comer', value: 1 });
    expect(monitor.getMetric('late_comer')).toBeUndefined();
    expect(dropped('metric_limit')).toBe(1);
    expect(dropped('invalid_value')).toBe(0);
    expect(events.errors).toEqual([expect.objectContaining({ code: 'ERR_PULSEWATCH_LIMIT', limit: 'limits.maxMetrics' })]);
  });
});

describe('limits.maxRecordedMetrics', () => {
  it('leaves at most maxRecordedMetrics names defined after 10,000 new ones, counting the rest and reporting once', () => {
    const { monitor, events, dropped } = setup();
    for (let i = 0; i < 10_000; i++) monitor.recordMetric({ metricType: `name_${i}`, value: 1 });
    expect(userMetrics(monitor)).toHaveLength(200);
    expect(dropped('metric_limit')).toBe(9_800);
    expect(events.errors).toHaveLength(1);
    expect(events.errors[0]).toMatchObject({ code: 'ERR_PULSEWATCH_LIMIT', limit: 'limits.maxRecordedMetrics', max: 200 });
    expect(events.errors[0]!.message).toMatch(/pulsewatch_dropped_total\{reason="metric_limit"\}/);
    // Names already defined keep recording.
    monitor.recordMetric({ metricType: 'name_0', value: 1 });
    expect(monitor.getMetric('name_0')!.seriesCount).toBe(1);
    expect(dropped('metric_limit')).toBe(9_800);
  });

  it('throws the LimitError for every dropped name in strict mode', () => {
    const { monitor } = setup({ strict: true, limits: { maxRecordedMetrics: 1 } });
    monitor.recordMetric({ metricType: 'first', value: 1 });
    expect(() => monitor.recordMetric({ metricType: 'second', value: 1 })).toThrow(LimitError);
    expect(() => monitor.recordMetric({ metricType: 'third', value: 1 })).toThrow(LimitError);
  });
});

describe('recordIssues (validating a batch before recording any of it)', () => {
  const parse = (input: object) => parseMetricRecord(input);

  it('reports new names past the limit, counting the new names earlier in the batch', () => {
    const { monitor } = setup({ limits: { maxRecordedMetrics: 3 } });
    monitor.recordMetric({ metricType: 'kept', value: 1 });
    const batch = new Map<string, string | undefined>();
    const issues = ['kept', 'a', 'a', 'b', 'c', 'kept'].map((name) => monitor.recordIssues(parse({ metricType: name, value: 1 }), batch));
    expect(issues.map((list) => list.map((i) => i.path))).toEqual([[], [], [], [], ['metricType'], []]);
    expect(issues[4]![0]!.message).toMatch(/limits\.maxRecordedMetrics \(3\)/);
  });

  it('reports a new name past limits.maxMetrics', () => {
    const { monitor } = setup({ limits: { maxMetrics: 2 } });
    monitor.counter({ name: 'one_total' });
    const batch = new Map<string, string | undefined>();
    expect(monitor.recordIssues(parse({ metricType: 'a', value: 1 }), batch)).toEqual([]);
    expect(monitor.recordIssues(parse({ metricType: 'b', value: 1 }), batch)).toEqual([{ path: 'metricType', message: expect.stringMatching(/limits\.maxMetrics/) }]);
  });

  it('reports timestamps out of range, both ways', () => {
    const { monitor } = setup();
    const batch = new Map<string, string | undefined>();
    const day = 86_400_000;
    for (const timestamp of [T0 - day - 1, -1e16, T0 + 300_001]) {
      expect(monitor.recordIssues(parse({ metricType: 'x', value: 1, timestamp }), batch)).toEqual([{ path: 'timestamp', message: expect.any(String) }]);
    }
    expect(monitor.recordIssues(parse({ metricType: 'x', value: 1, timestamp: T0 - day }), batch)).toEqual([]);
  });

  it('leaves nothing for recordParsed to drop once every record of a batch had no issue', () => {
    const { monitor, events, dropped } = setup({ limits: { maxRecordedMetrics: 2 } });
    const recorded: string[] = [];
    monitor.on('metricRecorded', (e) => recorded.push(e.name));
    const inputs = [
      { metricType: 'a', value: 1 },
      { metricType: 'b', value: 2, timestamp: T0 - 1_000 },
      { metricType: 'a', value: 3 },
    ];
    const records = inputs.map(parse);
    const batch = new Map<string, string | undefined>();
    expect(records.map((r) => monitor.recordIssues(r, batch))).toEqual([[], [], []]);
    for (const r of records) monitor.recordParsed(r);
    expect(recorded).toEqual(['a', 'b', 'a']);
    expect(events.errors).toEqual([]);
    for (const reason of ['metric_limit', 'late', 'invalid_value']) expect(dropped(reason)).toBe(0);
  });

  it('does not count a rejected name as a new name of the batch', () => {
    const { monitor } = setup({ limits: { maxRecordedMetrics: 1 } });
    const batch = new Map<string, string | undefined>();
    expect(monitor.recordIssues(parse({ metricType: 'a', value: 1, timestamp: -1e16 }), batch).map((i) => i.path)).toEqual(['timestamp']);
    expect(monitor.recordIssues(parse({ metricType: 'b', value: 1 }), batch)).toEqual([]);
  });
});
