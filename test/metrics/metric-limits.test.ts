// Metric definitions are bounded: limits.maxMetrics for every definition (pulsewatch's own aside),
// limits.maxRecordedMetrics for the names recordMetric (and so POST /metrics) defines. 50,000
// recordMetric names used to define 50,000 histograms (+176 MiB of heap).
import { describe, expect, it } from 'vitest';
import { LimitError, createMonitor, type MonitorOptions, type RecordBatchResult } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const dropped = (reason: string) => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason });
  return { clock, monitor, events, dropped };
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
    const names = Array.from({ length: 10_000 }, (_, i) => `name_${i}`);
    for (const name of names) monitor.recordMetric({ metricType: name, value: 1 });
    expect(names.filter((name) => monitor.getMetric(name) !== undefined)).toHaveLength(200);
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

describe('recordMetrics (validating a batch before recording any of it)', () => {
  const paths = (result: RecordBatchResult) => result.issues.map((i) => [i.index, i.path]);

  it('reports new names past the limit, counting the new names earlier in the batch', () => {
    const { monitor } = setup({ limits: { maxRecordedMetrics: 3 } });
    monitor.recordMetric({ metricType: 'kept', value: 1 });
    const result = monitor.recordMetrics(['kept', 'a', 'a', 'b', 'c', 'kept'].map((name) => ({ metricType: name, value: 1 })));
    expect(paths(result)).toEqual([[4, 'metricType']]);
    expect(result.issues[0]!.message).toMatch(/limits\.maxRecordedMetrics \(3\)/);
    expect(result.accepted).toBe(0);
    expect(monitor.getMetric('a')).toBeUndefined();
  });

  it('reports a new name past limits.maxMetrics', () => {
    const { monitor } = setup({ limits: { maxMetrics: 2 } });
    monitor.counter({ name: 'one_total' });
    const result = monitor.recordMetrics([
      { metricType: 'a', value: 1 },
      { metricType: 'b', value: 1 },
    ]);
    expect(result.issues).toEqual([{ index: 1, path: 'metricType', message: expect.stringMatching(/limits\.maxMetrics/) }]);
  });

  it('reports timestamps out of range, both ways', () => {
    const { monitor } = setup();
    const day = 86_400_000;
    const result = monitor.recordMetrics([T0 - day - 1, -1e16, T0 + 300_001, T0 - day].map((timestamp) => ({ metricType: 'x', value: 1, timestamp })));
    expect(paths(result)).toEqual([
      [0, 'timestamp'],
      [1, 'timestamp'],
      [2, 'timestamp'],
    ]);
  });

  it('records a batch without issues and drops nothing of it, a record of a past slot included', () => {
    const { monitor, events, dropped } = setup({ limits: { maxRecordedMetrics: 2 } });
    const recorded: string[] = [];
    monitor.on('metricRecorded', (e) => recorded.push(e.name));
    const result = monitor.recordMetrics([
      { metricType: 'a', value: 1 },
      { metricType: 'b', value: 2, timestamp: T0 - 1_000 },
      { metricType: 'a', value: 3 },
    ]);
    expect(result).toEqual({ accepted: 3, issues: [], truncatedIssues: 0 });
    expect(recorded).toEqual(['a', 'b', 'a']);
    expect(events.errors).toEqual([]);
    for (const reason of ['metric_limit', 'late', 'invalid_value']) expect(dropped(reason)).toBe(0);
  });

  it('does not count a rejected name as a new name of the batch', () => {
    const { monitor } = setup({ limits: { maxRecordedMetrics: 1 } });
    const result = monitor.recordMetrics([
      { metricType: 'a', value: 1, timestamp: -1e16 },
      { metricType: 'b', value: 1 },
    ]);
    expect(paths(result)).toEqual([[0, 'timestamp']]);
  });
});
