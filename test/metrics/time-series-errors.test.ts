import { afterEach, describe, expect, it } from 'vitest';
import { errorMatcher } from '../../src/alerts/evaluate-conditions.js';
import { createMonitor, type Monitor } from '../../src/index.js';
import { isErrorSeries } from '../../src/metrics/time-series-errors.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const SLOT = 30_000;
const open: Monitor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

describe('time series errorRate', () => {
  it('counts as errors the series the alert rules count by default', () => {
    const rules = errorMatcher(undefined);
    const cases: Record<string, string>[] = [
      {},
      { status: '200' },
      { status: '404' },
      { status: '500' },
      { status: '503' },
      { status: '5xx' },
      { status: '4xx' },
      { statusCode: '502' },
      { status_code: '599' },
      { status_code: '600' },
      { outcome: 'success' },
      { outcome: 'failure' },
      { outcome: 'Timeout' },
      { outcome: 'errored' },
      { success: 'false' },
      { success: 'true' },
      { route: '/500', status: '201' },
    ];
    for (const labels of cases) expect(isErrorSeries(labels), JSON.stringify(labels)).toBe(rules(labels));
  });

  it('gives the percent of each step in error series, of a histogram and of a counter', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock, logger: false });
    open.push(monitor);
    const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['status'] });
    const c = monitor.counter({ name: 'http_requests_total', labelNames: ['status'] });
    for (let i = 0; i < 3; i++) h.observe(0.1, { status: '200' });
    h.observe(0.1, { status: '500' });
    c.inc(9, { status: '200' });
    c.inc(1, { status: '503' });
    await clock.advanceAsync(SLOT);
    h.observe(0.1, { status: '404' });
    c.inc(4, { status: '200' });
    await clock.advanceAsync(2 * SLOT);
    const q = { from: T0, step: '30s', aggregation: 'errorRate' } as const;
    expect((await monitor.getTimeSeries({ name: 'http_request_duration_seconds', ...q })).points.map((p) => p.value)).toEqual([25, 0, null]);
    expect((await monitor.getTimeSeries({ name: 'http_requests_total', ...q })).points.map((p) => p.value)).toEqual([10, 0, null]);
  });

  it('refuses errorRate of a gauge, naming aggregation', async () => {
    const monitor = createMonitor({ clock: new ManualClock(T0), logger: false });
    open.push(monitor);
    monitor.gauge({ name: 'queue_depth' }).set(1);
    await expect(monitor.getTimeSeries({ name: 'queue_depth', aggregation: 'errorRate' })).rejects.toMatchObject({ issues: [{ path: 'aggregation', message: expect.stringMatching(/a gauge has no errorRate/) }] });
  });
});
