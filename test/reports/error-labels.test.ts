/**
 * The report's error rate counts the series the alert rules and time series count as errors
 * (metrics/time-series-errors.ts): `code` (Prometheus' http_requests_total{code="500"}) and
 * `status_class` ("5xx") as well as `status`, `statusCode`, `status_code`, `outcome`, `success`.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { closeAfterEach } from '../helpers/closing.js';

const T0 = Date.UTC(2026, 0, 1);
const closing = closeAfterEach();

function setup() {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ clock, storage: new MemoryStorage({ now: () => clock.now(), retention: '2d' }), logger: false, service: 'report-test', histogram: { slotLength: '1m' } });
  closing(monitor);
  return { clock, monitor };
}

describe('a performance report\'s error rate', () => {
  it.each([
    ['code', '200', '500'],
    ['status_class', '2xx', '5xx'],
  ])('reads a histogram split by %s, as the time series and the alert rules do', async (label, ok, bad) => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: [label], unit: 'seconds' });
    for (let i = 0; i < 90; i++) h.observe(0.1, { [label]: ok });
    for (let i = 0; i < 10; i++) h.observe(0.1, { [label]: bad });
    await clock.advanceAsync(60_000);
    const report = await monitor.generatePerformanceReport({ period: 'hourly' });
    const series = await monitor.getTimeSeries({ name: 'http_request_duration_seconds', from: T0, to: clock.now(), step: '1m', aggregation: 'errorRate' });
    expect(series.points[0]!.value).toBe(10);
    expect(report.metrics.http_request_duration_seconds!.errorRate).toBe(10);
    expect(report.recommendations.map((r) => r.rule)).toEqual(['error-rate']);
  });

  it('reads a counter split by code', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'http_requests_total', labelNames: ['code'] });
    c.inc({ code: '200' }, 96);
    c.inc({ code: '503' }, 4);
    await clock.advanceAsync(60_000);
    const report = await monitor.generatePerformanceReport({ period: 'hourly' });
    expect(report.metrics.http_requests_total!.errorRate).toBe(4);
  });
});
