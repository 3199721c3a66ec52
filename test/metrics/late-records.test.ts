// recordMetric timestamps are kept within [now - limits.maxRecordAge, now + limits.maxClockSkew]
// (a timestamp of -1e16 overflowed PostgreSQL's integer and stopped every later write), and late
// records count against the series limit (1M late records with distinct tags left 9,998 label
// sets against a limit of 1,000).
import { describe, expect, it } from 'vitest';
import { OVERFLOW_LABEL_VALUE, ValidationError, createMonitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';


function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const recorded: number[] = [];
  monitor.on('metricRecorded', (e) => recorded.push(e.timestamp));
  const dropped = (reason: string) => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason });
  return { clock, monitor, events, recorded, dropped };
}

describe('record timestamps', () => {
  it('drops a record older than limits.maxRecordAge as late, counted and reported once', () => {
    const { clock, monitor, events, recorded, dropped } = setup({ limits: { maxRecordAge: '1h' } });
    clock.advance(2 * 3_600_000);
    for (const timestamp of [T0, -1e16, new Date(0).toISOString()]) monitor.recordMetric({ metricType: 'x', value: 1, timestamp });
    expect(recorded).toEqual([]);
    expect(dropped('late')).toBe(3);
    expect(dropped('invalid_value')).toBe(0);
    // Checked before the metric is defined: a dropped record defines nothing.
    expect(monitor.getMetric('x')).toBeUndefined();
    expect(events.errors).toHaveLength(1);
    expect((events.errors[0] as ValidationError).issues.map((i) => i.path)).toEqual(['timestamp']);
  });

  it('gives late records percentiles, read back from the store like current ones (their rollups carry the value\'s HDR bucket)', async () => {
    const { clock, monitor } = setup();
    clock.advance(2 * 3_600_000);
    const now = clock.now();
    for (let i = 0; i < 10; i++) monitor.recordMetric({ metricType: 'response_time', value: 280 + i * 10, unit: 'ms', timestamp: now - 90 * 60_000 + i * 60_000 });
    await monitor.flush();
    const a = await monitor.getAggregatedMetrics({ name: 'response_time', window: '2h' });
    expect(a.count).toBe(10);
    // 280..370 ms: the percentiles within the histogram's relative precision.
    expect(a.p50).toBeGreaterThan(315);
    expect(a.p50).toBeLessThan(335);
    expect(a.p95).toBeGreaterThan(360);
    expect(a.p95).toBeLessThanOrEqual(371);
    await monitor.close();
  });

  it('keeps a record exactly maxRecordAge old', () => {
    const { clock, monitor, recorded } = setup({ limits: { maxRecordAge: '1h' } });
    clock.advance(2 * 3_600_000);
    monitor.recordMetric({ metricType: 'x', value: 1, timestamp: T0 + 3_600_000 });
    expect(recorded).toEqual([T0 + 3_600_000]);
  });

  it('refuses a record more than limits.maxClockSkew ahead as invalid, naming timestamp', () => {
    const { monitor, events, recorded, dropped } = setup({ limits: { maxClockSkew: '1m' } });
    monitor.recordMetric({ metricType: 'x', value: 1, timestamp: T0 + 60_000 });
    monitor.recordMetric({ metricType: 'x', value: 1, timestamp: T0 + 60_001 });
    monitor.recordMetric({ metricType: 'x', value: 1, timestamp: 1e16 });
    expect(recorded).toEqual([T0 + 60_000]);
    expect(dropped('invalid_value')).toBe(2);
    expect(events.errors.map((e) => (e as ValidationError).issues.map((i) => i.path))).toEqual([['timestamp'], ['timestamp']]);
  });

  it('throws the ValidationError for a timestamp too far ahead in strict mode', () => {
    const { monitor } = setup({ strict: true });
    expect(() => monitor.recordMetric({ metricType: 'x', value: 1, timestamp: T0 + 86_400_000 })).toThrow(ValidationError);
  });
});

describe('late records and the series limit', () => {
  it('fold late label sets past the limit into the overflow series', async () => {
    const { clock, monitor, dropped } = setup({ limits: { maxSeriesPerMetric: 10 } });
    await clock.advanceAsync(10 * 60_000);
    for (let i = 0; i < 1_000; i++) monitor.recordMetric({ metricType: 'lat_ms', value: 1, tags: { user: `u${i}` }, timestamp: T0 + 1_000 });
    expect(monitor.getMetric('lat_ms')!.seriesCount).toBe(11);
    const overflow = monitor.getMetric('pulsewatch_series_overflow_total') as { get(l: object): number };
    expect(overflow.get({ metric: 'lat_ms' })).toBe(990);
    await clock.advanceAsync(1_000);
    await monitor.flush();
    const rollups = await monitor.storage.queryRollups({ name: 'lat_ms' });
    const labelSets = new Set(rollups.map((r) => JSON.stringify(r.labels)));
    expect(labelSets.size).toBeLessThanOrEqual(11);
    expect(labelSets).toContain(JSON.stringify({ overflow: OVERFLOW_LABEL_VALUE }));
    // Every accepted value is stored or counted dropped.
    const stored = rollups.reduce((n, r) => n + r.count, 0);
    expect(stored + dropped('late') + dropped('buffer_full')).toBe(1_000);
  });

  it('keep a late-created series from idle eviction as long as a current write would', async () => {
    const { clock, monitor } = setup({ limits: { maxSeriesPerMetric: 1, seriesTtl: '5m' } });
    await clock.advanceAsync(60_000);
    monitor.recordMetric({ metricType: 'lat_ms', value: 1, tags: { user: 'late' }, timestamp: T0 });
    await clock.advanceAsync(2 * 60_000);
    monitor.recordMetric({ metricType: 'lat_ms', value: 1, tags: { user: 'now' } });
    // The late series still holds the one place: the current one folds into the overflow series.
    expect(monitor.exportPrometheusMetrics()).toContain(`lat_ms_count{overflow="${OVERFLOW_LABEL_VALUE}"} 1`);
  });
});

describe('metricRecorded listeners', () => {
  it('cannot throw out of recordMetric, not even in strict mode', () => {
    for (const strict of [false, true]) {
      const monitor = createMonitor({ clock: new ManualClock(T0), strict });
      const errors: unknown[] = [];
      monitor.on('error', (e) => errors.push(e));
      monitor.on('metricRecorded', () => {
        throw new Error('listener bug');
      });
      expect(() => monitor.recordMetric({ metricType: 'x', value: 1 })).not.toThrow();
      expect(errors).toHaveLength(1);
    }
  });
});
