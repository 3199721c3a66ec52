/**
 * The snapshot's `system.errorRate` counts the series the one default error rule counts
 * (metrics/time-series-errors.ts `isErrorSeries`, what time series and the alert rules' errorRate
 * use), not a rule of its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../src/index.js';
import { isErrorSeries } from '../../src/metrics/time-series-errors.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** Label sets the old snapshot rule and the shared rule judged alike or apart. */
const LABEL_SETS: readonly Record<string, string>[] = [
  { status: '200' },
  { status: '500' },
  { status: '5xx' },
  { status: 'error' },
  { status: 'timeout' },
  { statusCode: '503' },
  { status_code: '502' },
  { code: '500' },
  { status_class: '5xx' },
  { outcome: 'failure' },
  { outcome: 'success' },
  { success: 'false' },
  { success: 'true' },
  { status: '404', code: '500' },
];

describe('snapshot error rate', () => {
  it.each(LABEL_SETS)('counts %o as an error exactly when isErrorSeries does', async (labels) => {
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: Object.keys(labels) });
    h.observe(0.1, labels);
    // One series that is never an error beside it: the rate is 50 % or 0 %.
    h.observe(0.1, Object.fromEntries(Object.keys(labels).map((name) => [name, ''])));
    const expected = isErrorSeries(labels) ? 50 : 0;
    expect((await monitor.snapshot()).system.errorRate).toBe(expected);
  });
});
