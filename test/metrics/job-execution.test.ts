import { describe, expect, it } from 'vitest';
import { JOB_METRICS, ValidationError, createMonitor, type MetricRecordedEvent, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents, sampleValue } from '../helpers/monitor-harness.js';
import { ensurePromtool, promtool } from '../helpers/promtool.js';

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const recorded: MetricRecordedEvent[] = [];
  monitor.on('metricRecorded', (e) => recorded.push(e));
  const droppedInvalid = () => sampleValue(monitor.exportPrometheusMetrics(), 'pulsewatch_dropped_total{reason="invalid_value"}') ?? 0;
  return { clock, monitor, events, recorded, droppedInvalid };
}

type Args = [jobId: unknown, success: unknown, durationMs: unknown, metadata?: unknown];
const call = (monitor: ReturnType<typeof createMonitor>, args: Args) =>
  (monitor.recordJobExecution as (...a: unknown[]) => void)(...args);

describe('recordJobExecution validation', () => {
  it.each<[string, Args, string[]]>([
    ['an empty jobId', ['', true, 10], ['jobId']],
    ['a non-string jobId', [42, true, 10], ['jobId']],
    ['a missing jobId', [undefined, true, 10], ['jobId']],
    ['a success flag that is not a boolean', ['export-data', 'yes', 10], ['success']],
    ['a success flag given as 1', ['export-data', 1, 10], ['success']],
    ['a negative duration', ['export-data', true, -1], ['durationMs']],
    ['a NaN duration', ['export-data', true, Number.NaN], ['durationMs']],
    ['an infinite duration', ['export-data', true, Infinity], ['durationMs']],
    ['a duration given as a string', ['export-data', true, '25000'], ['durationMs']],
    ['every argument wrong', ['', 'no', -5], ['jobId', 'success', 'durationMs']],
  ])('reports %s as a ValidationError naming the argument, without throwing', (_, args, paths) => {
    const { monitor, events, recorded, droppedInvalid } = setup();
    expect(() => call(monitor, args)).not.toThrow();
    expect(events.errors).toHaveLength(1);
    const error = events.errors[0] as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('ERR_PULSEWATCH_VALIDATION');
    expect(error.issues.map((i) => i.path)).toEqual(paths);
    expect(droppedInvalid()).toBe(1);
    expect(recorded).toEqual([]);
    // Nothing was recorded: the job metrics are not even defined.
    expect(monitor.getMetric(JOB_METRICS.executions)).toBeUndefined();
    expect(monitor.getMetric(JOB_METRICS.duration)).toBeUndefined();
  });

  it('throws the ValidationError in strict mode and records nothing', () => {
    const { monitor, events } = setup({ strict: true });
    expect(() => monitor.recordJobExecution('export-data', true, -1)).toThrow(ValidationError);
    expect(() => call(monitor, ['', true, 1])).toThrow(/jobId: must be a non-empty string/);
    expect(events.errors).toEqual([]);
    expect(monitor.getMetric(JOB_METRICS.executions)).toBeUndefined();
  });

  it('keeps recording valid runs after a bad one', () => {
    const { monitor, events } = setup();
    monitor.recordJobExecution('export-data', true, -1);
    monitor.recordJobExecution('export-data', true, 100);
    expect(events.errors).toHaveLength(1);
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'job_executions_total{job="export-data",outcome="success"}')).toBe(1);
  });
});

describe('recordJobExecution', () => {
  it('counts runs in job_executions_total{job,outcome} by outcome', () => {
    const { monitor, events } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.recordJobExecution('content-generation', true, 20_000);
    monitor.recordJobExecution('content-generation', false, 45_000, { error: 'Timeout' });
    monitor.recordJobExecution('export-data', true, 3_000);
    expect(events.errors).toEqual([]);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('# TYPE job_executions_total counter');
    expect(sampleValue(text, 'job_executions_total{job="content-generation",outcome="success"}')).toBe(2);
    expect(sampleValue(text, 'job_executions_total{job="content-generation",outcome="failure"}')).toBe(1);
    expect(sampleValue(text, 'job_executions_total{job="export-data",outcome="success"}')).toBe(1);
    expect(sampleValue(text, 'job_executions_total{job="export-data",outcome="failure"}')).toBeUndefined();
  });

  it('records durations in seconds in the histogram job_duration_seconds{job,outcome}, from a duration given in ms', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.recordJobExecution('content-generation', true, 20_000);
    monitor.recordJobExecution('content-generation', false, 45_000);
    const duration = monitor.getMetric(JOB_METRICS.duration)!;
    expect(duration.kind).toBe('histogram');
    expect(duration.name).toBe('job_duration_seconds');
    expect(duration.unit).toBe('seconds');
    expect(duration.labelNames).toEqual(['job', 'outcome']);
    expect(await monitor.getAggregatedMetrics({ name: JOB_METRICS.duration, labels: { job: 'content-generation' } })).toMatchObject({
      count: 3,
      sum: 90,
      min: 20,
      max: 45,
      p50: 25,
    });
    expect(
      await monitor.getAggregatedMetrics({ name: JOB_METRICS.duration, labels: { job: 'content-generation', outcome: 'failure' } }),
    ).toMatchObject({ count: 1, sum: 45 });
    const text = monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'job_duration_seconds_sum{job="content-generation",outcome="success"}')).toBe(45);
    // Buckets fit jobs that run seconds to minutes (seed 000's 60 s and 120 s bottlenecks).
    expect(sampleValue(text, 'job_duration_seconds_bucket{job="content-generation",outcome="success",le="30.0"}')).toBe(2);
    expect(sampleValue(text, 'job_duration_seconds_bucket{job="content-generation",outcome="failure",le="30.0"}')).toBe(0);
    expect(sampleValue(text, 'job_duration_seconds_bucket{job="content-generation",outcome="failure",le="60.0"}')).toBe(1);
  });

  it('accepts a zero duration', () => {
    const { monitor, events } = setup();
    monitor.recordJobExecution('noop', true, 0);
    expect(events.errors).toEqual([]);
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'job_duration_seconds_count{job="noop",outcome="success"}')).toBe(1);
  });

  it('does not turn metadata into metric labels', () => {
    const { monitor } = setup();
    monitor.recordJobExecution('content-generation', false, 1_000, { error: 'Timeout', attempt: 3 });
    const text = monitor.exportPrometheusMetrics();
    expect(text).not.toContain('Timeout');
    expect(text).not.toContain('attempt');
  });

  it('emits metricRecorded with the duration in ms, the job labels and the scalar metadata', () => {
    const { clock, monitor, recorded } = setup();
    clock.advance(5_000);
    monitor.recordJobExecution('content-generation', false, 45_000, { error: 'Timeout', attempt: 3, retried: true, details: { a: 1 } });
    expect(recorded).toEqual([
      {
        name: JOB_METRICS.duration,
        value: 45_000,
        unit: 'ms',
        labels: { job: 'content-generation', outcome: 'failure', error: 'Timeout', attempt: '3', retried: 'true' },
        timestamp: T0 + 5_000,
      },
    ]);
  });

  it('writes runs to storage as rollups when the slot closes', async () => {
    const { clock, monitor } = setup({ service: 'worker' });
    monitor.recordJobExecution('export-data', true, 3_000);
    monitor.recordJobExecution('export-data', true, 5_000);
    await clock.advanceAsync(30_000);
    const counts = await monitor.storage.queryRollups({ name: JOB_METRICS.executions });
    expect(counts).toEqual([
      expect.objectContaining({ kind: 'counter', labels: { job: 'export-data', outcome: 'success' }, count: 2, sum: 2, last: 2, service: 'worker' }),
    ]);
    const durations = await monitor.storage.queryRollups({ name: JOB_METRICS.duration, labels: { job: 'export-data' } });
    expect(durations).toEqual([expect.objectContaining({ kind: 'histogram', count: 2, sum: 8, min: 3, max: 5 })]);
  });

  it('passes promtool check metrics with no lint complaint (job_duration_milliseconds failed the base-unit lint)', () => {
    ensurePromtool();
    const { monitor } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.recordJobExecution('content-generation', false, 45_000);
    const run = promtool(['check', 'metrics'], monitor.exportPrometheusMetrics());
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe('recordJobExecution with hostile arguments (issue 14, item 6)', () => {
  const throwing = new Proxy({}, { ownKeys: () => { throw new Error('trap'); }, get: () => { throw new Error('trap'); } });
  const hostile: Args[] = [
    [null, null, null, null],
    [{}, {}, {}, {}],
    [{ toString: () => { throw new Error('toString'); } }, true, 1],
    [Symbol('job'), true, 1],
    ['x'.repeat(1_000_000), true, 1],
    ['export', true, 10n],
    ['export', true, Number.MAX_VALUE],
    ['export', true, 1, throwing],
    ['export', true, 1, 'metadata'],
    [throwing, throwing, throwing, throwing],
  ];

  it.each(hostile.map((args, i) => [i, args] as const))('case %i: never throws outside strict mode', (_, args) => {
    const { monitor } = setup();
    expect(() => call(monitor, args)).not.toThrow();
  });

  it('reports a huge job id instead of keeping it as a label value', () => {
    const { monitor, events } = setup();
    call(monitor, ['x'.repeat(1_000_000), true, 1]);
    expect(events.errors[0]!.message).toBe('invalid job execution: jobId: must be at most 256 characters, got 1000000');
    expect(monitor.getMetric(JOB_METRICS.executions)).toBeUndefined();
  });

  it('records the run with metadata that throws, leaving the metadata out of the event', () => {
    const { monitor, recorded } = setup();
    call(monitor, ['export', true, 1, throwing]);
    expect(recorded.map((e) => e.labels)).toEqual([{ job: 'export', outcome: 'success' }]);
  });

  it('keeps a "__proto__" metadata key as data, not as a prototype', () => {
    const { monitor, recorded } = setup();
    call(monitor, ['export', true, 1, JSON.parse('{"__proto__": "x", "tenant": "acme"}')]);
    expect(Object.getPrototypeOf(recorded[0]!.labels)).toBe(Object.prototype);
    expect(recorded[0]!.labels).toMatchObject({ tenant: 'acme' });
  });

  it('reports, instead of throwing, when the job metric names are taken by another definition', () => {
    const { monitor, events } = setup();
    monitor.gauge({ name: JOB_METRICS.duration });
    expect(() => monitor.recordJobExecution('export', true, 1)).not.toThrow();
    expect(events.errors).toHaveLength(1);
  });
});
