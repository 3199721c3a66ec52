import { describe, expect, it } from 'vitest';
import {
  ValidationError,
  createMonitor,
  isValidationError,
  parseMetricRecord,
  type MetricRecordInput,
  type MetricRecordedEvent,
  type MonitorOptions,
} from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const recorded: MetricRecordedEvent[] = [];
  monitor.on('metricRecorded', (e) => recorded.push(e));
  const droppedInvalid = () => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason: 'invalid_value' });
  return { clock, monitor, events, recorded, droppedInvalid };
}

/** The issue paths of the one error the monitor emitted for a record. */
function rejectedPaths(input: unknown): string[] {
  const { monitor, events, recorded, droppedInvalid } = setup();
  expect(() => monitor.recordMetric(input as MetricRecordInput)).not.toThrow();
  expect(events.errors).toHaveLength(1);
  const error = events.errors[0]!;
  expect(error).toBeInstanceOf(ValidationError);
  expect(error.code).toBe('ERR_PULSEWATCH_VALIDATION');
  expect(recorded).toEqual([]);
  expect(droppedInvalid()).toBe(1);
  return (error as ValidationError).issues.map((i) => i.path);
}

describe('recordMetric validation', () => {
  it('reports a negative value as a ValidationError on "value" instead of throwing', () => {
    expect(rejectedPaths({ metricType: 'response_time', value: -1, unit: 'ms' })).toEqual(['value']);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Infinity],
    ['a numeric string', '250'],
    ['a missing value', undefined],
  ])('reports %s as a value issue', (_, value) => {
    expect(rejectedPaths({ metricType: 'response_time', value })).toEqual(['value']);
  });

  it('reports a missing, empty or non-string metricType on "metricType"', () => {
    expect(rejectedPaths({ value: 1 })).toEqual(['metricType']);
    expect(rejectedPaths({ metricType: '', value: 1 })).toEqual(['metricType']);
    expect(rejectedPaths({ metricType: 42, value: 1 })).toEqual(['metricType']);
  });

  it('reports a metricType that cannot be a metric name on "metricType"', () => {
    expect(rejectedPaths({ metricType: 'response-time', value: 1 })).toEqual(['metricType']);
    expect(rejectedPaths({ metricType: '9lives', value: 1 })).toEqual(['metricType']);
    expect(rejectedPaths({ metricType: '__reserved', value: 1 })).toEqual(['metricType']);
  });

  it('reports a tag whose name cannot be a label on "tags.<name>"', () => {
    expect(rejectedPaths({ metricType: 'response_time', value: 1, tags: { 'bad-name': 'x' } })).toEqual(['tags.bad-name']);
    expect(rejectedPaths({ metricType: 'response_time', value: 1, tags: { le: '0.5' } })).toEqual(['tags.le']);
  });

  it('reports a tag whose value is not a string, number or boolean on "tags.<name>"', () => {
    expect(rejectedPaths({ metricType: 'response_time', value: 1, tags: { endpoint: { path: '/x' } } })).toEqual(['tags.endpoint']);
    expect(rejectedPaths({ metricType: 'response_time', value: 1, tags: { retries: Number.NaN } })).toEqual(['tags.retries']);
  });

  it('reports an extra field that cannot become a label under its own name', () => {
    expect(rejectedPaths({ metricType: 'response_time', value: 1, 'organization-id': 'org-1' })).toEqual(['organization-id']);
    expect(rejectedPaths({ metricType: 'response_time', value: 1, details: { a: 1 } })).toEqual(['details']);
  });

  it('reports a timestamp that is not a date on "timestamp"', () => {
    expect(rejectedPaths({ metricType: 'response_time', value: 1, timestamp: 'yesterday-ish' })).toEqual(['timestamp']);
    expect(rejectedPaths({ metricType: 'response_time', value: 1, timestamp: new Date(Number.NaN) })).toEqual(['timestamp']);
    expect(rejectedPaths({ metricType: 'response_time', value: 1, timestamp: true })).toEqual(['timestamp']);
  });

  it('reports something that is not a record at all', () => {
    expect(rejectedPaths(null)).toEqual(['']);
    expect(rejectedPaths('response_time=250')).toEqual(['']);
  });

  it('names every failing field of one record, schema and name problems together', () => {
    const paths = rejectedPaths({ metricType: 'response-time', value: -5, tags: { 'bad-name': 'x', ok: 'fine' }, timestamp: 'nope' });
    expect(paths.sort()).toEqual(['metricType', 'tags.bad-name', 'timestamp', 'value']);
  });

  it('reports a unit that differs from the one the metricType was first recorded in, on "unit"', () => {
    const { monitor, events, recorded, droppedInvalid } = setup();
    monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms' });
    monitor.recordMetric({ metricType: 'response_time', value: 0.25, unit: 's' });
    expect(events.errors).toHaveLength(1);
    expect((events.errors[0] as ValidationError).issues.map((i) => i.path)).toEqual(['unit']);
    expect(events.errors[0]!.message).toContain('"ms"');
    expect(recorded.map((r) => r.value)).toEqual([250]);
    expect(droppedInvalid()).toBe(1);
    // The mismatching value never reached the histogram.
    expect(monitor.exportPrometheusMetrics()).toContain('response_time_count 1');
  });

  it('reports a metricType whose name another kind of metric already holds, on "metricType"', () => {
    const { monitor, events } = setup();
    monitor.counter({ name: 'orders_created', help: 'orders' });
    monitor.recordMetric({ metricType: 'ORDERS_CREATED', value: 1 });
    expect(events.errors).toHaveLength(1);
    expect((events.errors[0] as ValidationError).issues.map((i) => i.path)).toEqual(['metricType']);
    expect(monitor.getMetric('orders_created')!.kind).toBe('counter');
  });

  it('throws the ValidationError instead of emitting it in strict mode', () => {
    const { monitor, events, recorded } = setup({ strict: true });
    let thrown: unknown;
    try {
      monitor.recordMetric({ metricType: 'response_time', value: -1 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).code).toBe('ERR_PULSEWATCH_VALIDATION');
    expect((thrown as ValidationError).issues.map((i) => i.path)).toEqual(['value']);
    expect(events.errors).toEqual([]);
    expect(recorded).toEqual([]);
    expect(monitor.getMetric('response_time')).toBeUndefined();
  });

  it('throws on a unit mismatch in strict mode too', () => {
    const { monitor } = setup({ strict: true });
    monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms' });
    expect(() => monitor.recordMetric({ metricType: 'response_time', value: 1, unit: 'percent' })).toThrow(ValidationError);
  });
});

describe('parseMetricRecord', () => {
  it('throws the ValidationError directly, with every failing field', () => {
    let thrown: unknown;
    try {
      parseMetricRecord({ metricType: '', value: 'fast' });
    } catch (error) {
      thrown = error;
    }
    expect(isValidationError(thrown)).toBe(true);
    expect((thrown as ValidationError).issues.map((i) => i.path).sort()).toEqual(['metricType', 'value']);
    expect((thrown as Error).message).toMatch(/^invalid metric record: /);
  });

  it('returns the lower-cased name, the value, the unit, labels from tags and extra fields, and the timestamp in ms', () => {
    expect(
      parseMetricRecord({
        metricType: 'API_RESPONSE_TIME',
        value: 250,
        unit: 'ms',
        service: 'api',
        endpoint: '/api/reservations',
        organizationId: 'org-123',
        tags: { method: 'GET', cached: false, attempt: 2 },
        timestamp: '2024-01-15T10:30:00.000Z',
      }),
    ).toEqual({
      name: 'api_response_time',
      value: 250,
      unit: 'ms',
      labels: { attempt: '2', cached: 'false', endpoint: '/api/reservations', method: 'GET', organizationId: 'org-123', service: 'api' },
      timestamp: Date.UTC(2024, 0, 15, 10, 30),
    });
  });

  it('accepts a Date or epoch milliseconds as the timestamp, and no timestamp at all', () => {
    const at = Date.UTC(2025, 5, 1, 12);
    expect(parseMetricRecord({ metricType: 'x', value: 0, timestamp: new Date(at) }).timestamp).toBe(at);
    expect(parseMetricRecord({ metricType: 'x', value: 0, timestamp: at }).timestamp).toBe(at);
    expect(parseMetricRecord({ metricType: 'x', value: 0 }).timestamp).toBeUndefined();
  });

  it('lets a tag override an extra field of the same name', () => {
    expect(parseMetricRecord({ metricType: 'x', value: 1, service: 'outer', tags: { service: 'inner' } }).labels).toEqual({ service: 'inner' });
  });

  it('does not modify the input', () => {
    const input = Object.freeze({ metricType: 'Response_Time', value: 3, tags: Object.freeze({ a: 1 }) });
    expect(() => parseMetricRecord(input)).not.toThrow();
    expect(input).toEqual({ metricType: 'Response_Time', value: 3, tags: { a: 1 } });
  });
});

describe('recordMetric', () => {
  it('records seed 003 records into a histogram named after the metricType, labelled by tags', async () => {
    const { monitor, events } = setup();
    monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } });
    monitor.recordMetric({ metricType: 'response_time', value: 150, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } });
    monitor.recordMetric({ metricType: 'response_time', value: 900, unit: 'ms', tags: { endpoint: '/api/users', method: 'POST' } });
    expect(events.errors).toEqual([]);
    expect(monitor.getMetric('response_time')?.kind).toBe('histogram');
    const projects = await monitor.getAggregatedMetrics({ name: 'response_time', labels: { endpoint: '/api/projects' } });
    expect(projects).toMatchObject({ count: 2, sum: 400, min: 150, max: 250 });
    const all = await monitor.getAggregatedMetrics({ name: 'response_time' });
    expect(all).toMatchObject({ count: 3, sum: 1300, series: 2 });
    expect(monitor.exportPrometheusMetrics()).toContain('response_time_count{endpoint="/api/users",method="POST"} 1');
  });

  it('lower-cases the metricType into the metric name, so both spellings share one metric', async () => {
    const { monitor } = setup();
    monitor.recordMetric({ metricType: 'API_RESPONSE_TIME', value: 250, unit: 'ms' });
    monitor.recordMetric({ metricType: 'api_response_time', value: 350, unit: 'ms' });
    expect(monitor.getMetric('API_RESPONSE_TIME')).toBeUndefined();
    expect(await monitor.getAggregatedMetrics({ name: 'api_response_time' })).toMatchObject({ count: 2, sum: 600 });
  });

  it("turns seed 002's extra scalar fields (service, endpoint, organizationId) into labels", async () => {
    const { monitor, events } = setup();
    monitor.recordMetric({
      metricType: 'API_RESPONSE_TIME',
      name: 'api_endpoint_performance',
      value: 250,
      unit: 'ms',
      service: 'api',
      endpoint: '/api/reservations',
      organizationId: 'org-123',
    });
    expect(events.errors).toEqual([]);
    const stats = await monitor.getAggregatedMetrics({ name: 'api_response_time', labels: { service: 'api', organizationId: 'org-123' } });
    expect(stats).toMatchObject({ count: 1, sum: 250 });
    expect(monitor.exportPrometheusMetrics()).toContain(
      'api_response_time_count{endpoint="/api/reservations",name="api_endpoint_performance",organizationId="org-123",service="api"} 1',
    );
  });

  it('keeps the unit of the first record for later records that omit it', () => {
    const { monitor, events, recorded } = setup();
    monitor.recordMetric({ metricType: 'error_rate', value: 2.5, unit: 'percent' });
    monitor.recordMetric({ metricType: 'error_rate', value: 3 });
    monitor.recordMetric({ metricType: 'error_rate', value: 4, unit: 'percent' });
    expect(events.errors).toEqual([]);
    expect(recorded.map((r) => r.unit)).toEqual(['percent', 'percent', 'percent']);
    // Percent records get percent buckets.
    expect(monitor.exportPrometheusMetrics()).toContain('error_rate_bucket{le="5.0"} 3');
  });

  it('emits metricRecorded with the name, value, unit, labels and the timestamp (now by default)', () => {
    const { clock, monitor, recorded } = setup();
    clock.advance(1234);
    monitor.recordMetric({ metricType: 'Response_Time', value: 250, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } });
    expect(recorded).toEqual([
      { name: 'response_time', value: 250, unit: 'ms', labels: { endpoint: '/api/projects', method: 'GET' }, timestamp: T0 + 1234 },
    ]);
  });

  it('emits metricRecorded with the timestamp given, as ms', () => {
    const { clock, monitor, recorded } = setup();
    clock.advance(60_000);
    monitor.recordMetric({ metricType: 'queue_depth', value: 4, timestamp: new Date(T0 + 45_000).toISOString() });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({ name: 'queue_depth', value: 4, timestamp: T0 + 45_000, labels: {} });
    expect(recorded[0]!.unit).toBeUndefined();
  });

  it('records a value with a timestamp in the current slot like one without', async () => {
    const { clock, monitor } = setup();
    clock.advance(10_000);
    monitor.recordMetric({ metricType: 'response_time', value: 100, unit: 'ms' });
    monitor.recordMetric({ metricType: 'response_time', value: 300, unit: 'ms', timestamp: T0 + 1_000 });
    await monitor.flush();
    const rollups = await monitor.storage.queryRollups({ name: 'response_time' });
    expect(rollups).toHaveLength(1);
    expect(rollups[0]).toMatchObject({ start: T0, count: 2, sum: 400, min: 100, max: 300 });
  });

  it('writes a value timestamped before the current slot as its own rollup of that slot', async () => {
    const { clock, monitor } = setup({ service: 'billing' });
    await clock.advanceAsync(75_000); // current slot: [T0+60s, T0+90s)
    monitor.recordMetric({ metricType: 'response_time', value: 900, unit: 'ms', tags: { endpoint: '/api/late' }, timestamp: T0 + 40_000 });
    // Not in the current slot: the late value is in no in-memory total. Its series exists (late
    // label sets count against the series limit like current ones), empty.
    expect(monitor.exportPrometheusMetrics()).toContain('response_time_count{endpoint="/api/late"} 0');
    await monitor.flush();
    const rollups = await monitor.storage.queryRollups({ name: 'response_time' });
    expect(rollups).toEqual([
      expect.objectContaining({
        name: 'response_time',
        kind: 'histogram',
        labels: { endpoint: '/api/late' },
        start: T0 + 30_000,
        end: T0 + 60_000,
        count: 1,
        sum: 900,
        min: 900,
        max: 900,
        service: 'billing',
      }),
    ]);
  });

  it('counts a late value in aggregates over a window that covers its slot, once', async () => {
    const { clock, monitor } = setup();
    monitor.recordMetric({ metricType: 'response_time', value: 100, unit: 'ms' });
    await clock.advanceAsync(75_000);
    monitor.recordMetric({ metricType: 'response_time', value: 900, unit: 'ms', timestamp: T0 + 40_000 });
    // Still waiting to be written, then written: counted either way, never twice.
    expect(await monitor.getAggregatedMetrics({ name: 'response_time', window: '5m' })).toMatchObject({ count: 2, sum: 1000 });
    await monitor.flush();
    expect(await monitor.getAggregatedMetrics({ name: 'response_time', window: '5m' })).toMatchObject({ count: 2, sum: 1000 });
    // Windows count the slots they overlap: [T0+55s, now] overlaps the late value's slot [T0+30s, T0+60s)...
    expect(await monitor.getAggregatedMetrics({ name: 'response_time', window: '20s' })).toMatchObject({ count: 1, sum: 900 });
    // ...and [T0+65s, now] does not.
    expect(await monitor.getAggregatedMetrics({ name: 'response_time', window: '10s' })).toMatchObject({ count: 0 });
  });

  it('never throws into the caller for invalid input, whatever is passed', () => {
    const { monitor, events } = setup();
    const inputs: unknown[] = [undefined, 0, [], { metricType: 'x' }, { metricType: 'x', value: 1, tags: 'nope' }, { metricType: 'x', value: 1, tags: [1] }];
    for (const input of inputs) expect(() => monitor.recordMetric(input as MetricRecordInput)).not.toThrow();
    expect(events.errors).toHaveLength(inputs.length);
    expect(events.errors.every(isValidationError)).toBe(true);
  });
});
