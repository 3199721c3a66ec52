import { describe, expect, it } from 'vitest';
import { JOB_METRICS, ValidationError, createMonitor, type MetricRecordedEvent, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents, sampleValue } from '../helpers/monitor-harness.js';

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
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'job_executions_total{job="export-data",status="success"}')).toBe(1);
  });
});

describe('recordJobExecution', () => {
  it('counts runs in job_executions_total{job,status} by outcome', () => {
    const { monitor, events } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.recordJobExecution('content-generation', true, 20_000);
    monitor.recordJobExecution('content-generation', false, 45_000, { error: 'Timeout' });
    monitor.recordJobExecution('export-data', true, 3_000);
    expect(events.errors).toEqual([]);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('# TYPE job_executions_total counter');
    expect(sampleValue(text, 'job_executions_total{job="content-generation",status="success"}')).toBe(2);
    expect(sampleValue(text, 'job_executions_total{job="content-generation",status="failure"}')).toBe(1);
    expect(sampleValue(text, 'job_executions_total{job="export-data",status="success"}')).toBe(1);
    expect(sampleValue(text, 'job_executions_total{job="export-data",status="failure"}')).toBeUndefined();
  });

  it('records durations in the histogram job_duration_milliseconds{job,status}', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.recordJobExecution('content-generation', true, 20_000);
    monitor.recordJobExecution('content-generation', false, 45_000);
    const duration = monitor.getMetric(JOB_METRICS.duration)!;
    expect(duration.kind).toBe('histogram');
    expect(duration.unit).toBe('milliseconds');
    expect(duration.labelNames).toEqual(['job', 'status']);
    expect(await monitor.getAggregatedMetrics({ name: JOB_METRICS.duration, labels: { job: 'content-generation' } })).toMatchObject({
      count: 3,
      sum: 90_000,
      min: 20_000,
      max: 45_000,
      p50: 25_000,
    });
    expect(
      await monitor.getAggregatedMetrics({ name: JOB_METRICS.duration, labels: { job: 'content-generation', status: 'failure' } }),
    ).toMatchObject({ count: 1, sum: 45_000 });
    const text = monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'job_duration_milliseconds_sum{job="content-generation",status="success"}')).toBe(45_000);
    // Buckets fit jobs that run seconds to minutes (seed 000's 60 s and 120 s bottlenecks).
    expect(sampleValue(text, 'job_duration_milliseconds_bucket{job="content-generation",status="success",le="30000.0"}')).toBe(2);
    expect(sampleValue(text, 'job_duration_milliseconds_bucket{job="content-generation",status="failure",le="30000.0"}')).toBe(0);
    expect(sampleValue(text, 'job_duration_milliseconds_bucket{job="content-generation",status="failure",le="60000.0"}')).toBe(1);
  });

  it('accepts a zero duration', () => {
    const { monitor, events } = setup();
    monitor.recordJobExecution('noop', true, 0);
    expect(events.errors).toEqual([]);
    expect(sampleValue(monitor.exportPrometheusMetrics(), 'job_duration_milliseconds_count{job="noop",status="success"}')).toBe(1);
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
        labels: { job: 'content-generation', status: 'failure', error: 'Timeout', attempt: '3', retried: 'true' },
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
      expect.objectContaining({ kind: 'counter', labels: { job: 'export-data', status: 'success' }, count: 2, sum: 2, last: 2, service: 'worker' }),
    ]);
    const durations = await monitor.storage.queryRollups({ name: JOB_METRICS.duration, labels: { job: 'export-data' } });
    expect(durations).toEqual([expect.objectContaining({ kind: 'histogram', count: 2, sum: 8_000, min: 3_000, max: 5_000 })]);
  });
});
