// Bytes, not only counts: a 6 KB metric name blocked every later PostgreSQL write (btree index
// row too large), and 1,000 POSTs of 99 KB tag values to one metric, within every count limit,
// took 209 MiB and made the scrape throw. Names, label sets and the monitor's total series are
// bounded; past a bound the value is refused (invalid_value) or folded into the overflow series.
import { describe, expect, it } from 'vitest';
import { ConfigError, createMonitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  const dropped = (reason: string) => (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason });
  const folded = (metric: string) => (monitor.getMetric('pulsewatch_series_overflow_total') as { get(l: object): number }).get({ metric });
  return { clock, monitor, events, dropped, folded };
}

describe('metric and label name length', () => {
  it('refuses a metric name over 200 characters at definition', () => {
    const { monitor } = setup();
    expect(() => monitor.counter({ name: `a${'x'.repeat(200)}` })).toThrow(ConfigError);
    expect(() => monitor.counter({ name: `a${'x'.repeat(199)}` })).not.toThrow();
    expect(() => monitor.counter({ name: 'b_total', labelNames: [`l${'x'.repeat(128)}`] })).toThrow(ConfigError);
  });

  it('drops a recordMetric name of 6,000 characters, and the error does not echo it whole', () => {
    const { monitor, events, dropped } = setup();
    const name = `m${'x'.repeat(5_999)}`;
    monitor.recordMetric({ metricType: name, value: 1 });
    expect(monitor.getMetric(name)).toBeUndefined();
    expect(dropped('invalid_value')).toBe(1);
    expect(events.errors).toHaveLength(1);
    expect(events.errors[0]!.message.length).toBeLessThan(500);
    expect(events.errors[0]!.message).toContain('6000 characters');
  });
});

describe('limits.maxLabelSetLength and limits.maxLabelsPerSeries', () => {
  it('refuses a new label set longer than the bound, and keeps recording known ones', () => {
    const { monitor, dropped } = setup({ limits: { maxLabelSetLength: 64 } });
    const hits = monitor.counter({ name: 'hits_total', labelNames: ['route'] });
    hits.inc({ route: '/ok' });
    hits.inc({ route: `/${'x'.repeat(100)}` });
    hits.inc({ route: '/ok' });
    expect(hits.get({ route: '/ok' })).toBe(2);
    expect(hits.seriesCount).toBe(1);
    expect(dropped('invalid_value')).toBe(1);
  });

  it('refuses recordMetric tags past the length and the count bounds', () => {
    const { monitor, dropped } = setup({ limits: { maxLabelSetLength: 64, maxLabelsPerSeries: 3 } });
    monitor.recordMetric({ metricType: 'rt', value: 1, tags: { a: '1' } });
    monitor.recordMetric({ metricType: 'rt', value: 1, tags: { a: 'x'.repeat(99_000) } });
    monitor.recordMetric({ metricType: 'rt', value: 1, tags: { a: '1', b: '2', c: '3', d: '4' } });
    expect(dropped('invalid_value')).toBe(2);
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('rt_count{a="1"} 1');
    expect(text).not.toContain('xxxx');
  });

  it('keeps label memory bounded under 1,000 records of 99 KB tag values', () => {
    const { monitor } = setup();
    for (let i = 0; i < 1_000; i++) monitor.recordMetric({ metricType: 'rt', value: 1, tags: { v: `${i}${'x'.repeat(99_000)}` } });
    expect(monitor.exportPrometheusMetrics().length).toBeLessThan(100_000);
  });
});

describe('limits.maxTotalSeries', () => {
  it('folds new label sets of any metric into its overflow series once the monitor holds the total', () => {
    const { monitor, folded } = setup({ limits: { maxTotalSeries: 4 } });
    const a = monitor.counter({ name: 'a_total', labelNames: ['k'] });
    const b = monitor.counter({ name: 'b_total', labelNames: ['k'] });
    a.inc({ k: '1' });
    a.inc({ k: '2' });
    b.inc({ k: '1' });
    b.inc({ k: '2' });
    b.inc({ k: '3' });
    a.inc({ k: '3' });
    expect(folded('b_total')).toBe(1);
    expect(folded('a_total')).toBe(1);
    // Known series keep recording.
    a.inc({ k: '1' });
    expect(a.get({ k: '1' })).toBe(2);
    // pulsewatch's own metrics are outside the budget: drops are still counted by reason.
    monitor.recordMetric({ metricType: 'rt', value: -1 });
    expect((monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason: 'invalid_value' })).toBe(1);
  });

  it('gives the budget back when idle series are evicted', async () => {
    const { monitor, clock, folded } = setup({ limits: { maxTotalSeries: 2, seriesTtl: 60_000 } });
    const a = monitor.counter({ name: 'a_total', labelNames: ['k'] });
    a.inc({ k: '1' });
    a.inc({ k: '2' });
    a.inc({ k: '3' });
    expect(folded('a_total')).toBe(1);
    // Five minutes of nothing: the three series (two plus overflow) expire after their 1 m TTL.
    for (let i = 0; i < 10; i++) await clock.advanceAsync(30_000);
    a.inc({ k: '4' });
    expect(a.get({ k: '4' })).toBe(1);
    expect(a.seriesCount).toBe(1);
    await monitor.close();
  });
});
