// Series keys are injective for any label values, values are well-formed UTF-16 before a series
// exists (PostgreSQL's jsonb refuses a lone surrogate and the whole batch with it), and the
// overflow series cannot be duplicated by a user series.
import { describe, expect, it } from 'vitest';
import { OVERFLOW_LABEL_VALUE, ValidationError, createMonitor, type Monitor, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

const CUT = '😀 Bob'.slice(0, 1); // a lone high surrogate

function isWellFormed(value: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(value);
}

function droppedInvalid(monitor: Monitor): number {
  return (monitor.getMetric('pulsewatch_dropped_total') as { get(l: object): number }).get({ reason: 'invalid_value' });
}

/** Flushes (1 s into the slot: a slot closed at its own start would be empty) and reads the rollups of `name`. */
async function storedRollups(clock: ManualClock, monitor: Monitor, name: string): Promise<Rollup[]> {
  await clock.advanceAsync(1_000);
  await monitor.flush();
  return monitor.storage.queryRollups({ name });
}

/** The sample names with their label sets, one per sample line of an exposition. */
function sampleKeys(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => (line.includes('{') ? line.slice(0, line.lastIndexOf('} ') + 1) : line.slice(0, line.indexOf(' '))));
}

function duplicates(keys: string[]): string[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k) ? true : (seen.add(k), false)));
}

describe('series keys', () => {
  it('keeps label sets whose values hold \\u0000 or \\u0001 in their own series (declared labels)', () => {
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    const c = monitor.counter({ name: 'pairs_total', labelNames: ['a', 'b'] });
    c.inc({ a: 'x\u0001y', b: '' });
    c.inc({ a: 'x', b: 'y\u0001' });
    expect(c.seriesCount).toBe(2);
    expect(c.get({ a: 'x\u0001y', b: '' })).toBe(1);
    expect(c.get({ a: 'x', b: 'y\u0001' })).toBe(1);
  });

  it('keys a recordMetric tag with an empty value as no label, as Prometheus reads it, so no series is scraped twice', () => {
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    const announced: Record<string, string>[] = [];
    monitor.on('metricRecorded', (e) => announced.push(e.labels));
    monitor.recordMetric({ metricType: 'hits', value: 1, tags: { route: '/a', tenant: '' } });
    monitor.recordMetric({ metricType: 'hits', value: 1, tags: { route: '/a' } });
    monitor.recordMetric({ metricType: 'hits', value: 1, tags: { route: '/a' }, tenant: 'acme' });
    monitor.recordMetric({ metricType: 'hits', value: 1, tags: { route: '/a', tenant: '' }, tenant: 'acme' });
    expect(announced).toEqual([{ route: '/a' }, { route: '/a' }, { route: '/a', tenant: 'acme' }, { route: '/a' }]);
    expect(monitor.getMetric('hits')!.seriesCount).toBe(2);
    expect(duplicates(sampleKeys(monitor.exportPrometheusMetrics({ format: 'openmetrics' })))).toEqual([]);
  });

  it("does not write a recordMetric tag holding separators into another tenant's series", async () => {
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    monitor.recordMetric({ metricType: 'checkout_ms', value: 1, tags: { route: '/checkout', tenant: 'acme' } });
    monitor.recordMetric({ metricType: 'checkout_ms', value: 1000, tags: { route: '/checkout\u0001tenant\u0000acme' } });
    expect(monitor.getMetric('checkout_ms')!.seriesCount).toBe(2);
    const acme = await monitor.getAggregatedMetrics({ name: 'checkout_ms', labels: { tenant: 'acme' } });
    expect(acme).toMatchObject({ count: 1, sum: 1 });
  });
});

describe('well-formed label values', () => {
  it('normalises a lone surrogate when the series is created, so the stored labels are well-formed', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock });
    const c = monitor.counter({ name: 'by_user_total', labelNames: ['user'] });
    const g = monitor.gauge({ name: 'by_user_level', labelNames: ['user'] });
    c.inc({ user: CUT });
    c.inc({ user: CUT });
    c.labels({ user: CUT }).inc();
    g.set(3, { user: CUT });
    expect(c.seriesCount).toBe(1);
    expect(c.get({ user: '\uFFFD' })).toBe(3);
    const text = monitor.exportPrometheusMetrics();
    expect(isWellFormed(text)).toBe(true);
    const counted = await storedRollups(clock, monitor, 'by_user_total');
    const gauged = await monitor.storage.queryRollups({ name: 'by_user_level' });
    expect([...counted, ...gauged].map((r) => r.labels)).toEqual([{ user: '\uFFFD' }, { user: '\uFFFD' }]);
  });

  it('normalises recordMetric tags and extra fields, current and late, and announces the normalised labels', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock });
    const announced: Record<string, string>[] = [];
    monitor.on('metricRecorded', (e) => announced.push(e.labels));
    await clock.advanceAsync(60_000);
    monitor.recordMetric({ metricType: 'name_len', value: 1, tags: { user: CUT }, service: `svc${CUT}` });
    monitor.recordMetric({ metricType: 'name_len', value: 2, tags: { user: CUT }, service: `svc${CUT}`, timestamp: T0 + 1_000 });
    expect(announced).toEqual([
      { service: 'svc\uFFFD', user: '\uFFFD' },
      { service: 'svc\uFFFD', user: '\uFFFD' },
    ]);
    const rollups = await storedRollups(clock, monitor, 'name_len');
    expect(rollups).toHaveLength(2);
    for (const r of rollups) expect(r.labels).toEqual({ service: 'svc\uFFFD', user: '\uFFFD' });
  });
});

describe('the overflow series', () => {
  it(`refuses "${OVERFLOW_LABEL_VALUE}" as a label value, so the OpenMetrics scrape never holds the overflow series twice`, () => {
    const monitor = createMonitor({ clock: new ManualClock(T0), limits: { maxSeriesPerMetric: 1 } });
    const events = recordEvents(monitor);
    const c = monitor.counter({ name: 'by_user_total', labelNames: ['user'] });
    c.inc({ user: OVERFLOW_LABEL_VALUE });
    c.labels({ user: OVERFLOW_LABEL_VALUE }).inc();
    expect(events.errors.filter((e) => e instanceof ValidationError && /reserved/.test(e.message))).toHaveLength(2);
    expect(droppedInvalid(monitor)).toBe(2);
    c.inc({ user: 'a' });
    c.inc({ user: 'b' });
    c.inc({ user: 'c' });
    const text = monitor.exportPrometheusMetrics({ format: 'openmetrics' });
    expect(duplicates(sampleKeys(text))).toEqual([]);
    expect(text).toContain(`by_user_total{user="${OVERFLOW_LABEL_VALUE}"} 2`);
  });

  it('gives a recordMetric overflow series labels no record can have, even one tagged overflow: "true"', () => {
    const monitor = createMonitor({ clock: new ManualClock(T0), limits: { maxSeriesPerMetric: 1 } });
    const events = recordEvents(monitor);
    monitor.recordMetric({ metricType: 'latency_ms', value: 5, tags: { overflow: 'true' } });
    monitor.recordMetric({ metricType: 'latency_ms', value: 6, tags: { route: '/a' } });
    monitor.recordMetric({ metricType: 'latency_ms', value: 7, tags: { route: OVERFLOW_LABEL_VALUE } });
    expect(events.errors.filter((e) => e instanceof ValidationError).map((e) => (e as ValidationError).issues.map((i) => i.path))).toEqual([['tags.route']]);
    const text = monitor.exportPrometheusMetrics({ format: 'openmetrics' });
    expect(duplicates(sampleKeys(text))).toEqual([]);
    expect(text).toContain('latency_ms_count{overflow="true"} 1');
    expect(text).toContain(`latency_ms_count{overflow="${OVERFLOW_LABEL_VALUE}"} 1`);
  });
});
