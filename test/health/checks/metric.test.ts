import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';
import { ManualClock } from '../../../src/testing/manual-clock.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

function seeded(values: Record<string, number[]>): Monitor {
  monitor = createMonitor({ clock: new ManualClock() });
  for (const [metricType, list] of Object.entries(values)) for (const value of list) monitor.recordMetric({ metricType, value, unit: metricType === 'error_rate' ? 'percent' : 'ms' });
  return monitor;
}

describe('checks.metric: seed 003 pass / warn / fail', () => {
  it('passes under warn, with value and threshold as seed 003 shows them', async () => {
    const m = seeded({ response_time: [200, 245, 290] });
    m.health.register('responseTime', checks.metric(m, { metric: 'response_time', title: 'Average response time', unit: 'ms', warn: 500, fail: 2000 }));
    expect((await m.health.check()).checks.responseTime).toMatchObject({
      status: 'healthy',
      message: 'Average response time: 245ms',
      details: { result: 'pass', value: 245, threshold: 500, aggregation: 'mean', window: 300_000, count: 3 },
    });
  });

  it('warns past warn (degraded) and fails past fail (unhealthy), naming the crossed threshold', async () => {
    const m = seeded({ error_rate: [1.2, 3.2], response_time: [2500] });
    m.health.register('errorRate', checks.metric(m, { metric: 'error_rate', title: 'Error rate', unit: '%', warn: 2, fail: 5 }), { critical: false });
    m.health.register('latency', checks.metric(m, { metric: 'response_time', aggregation: 'p95', warn: 500, fail: 2000 }));
    const report = await m.health.check();
    expect(report.checks.errorRate).toMatchObject({ status: 'degraded', message: 'Error rate: 2.20%', details: { result: 'warn', value: 2.2, threshold: 2 } });
    expect(report.checks.latency).toMatchObject({ status: 'unhealthy', details: { result: 'fail', threshold: 2000 } });
    expect(report.checks.latency?.message).toMatch(/^response_time p95 over 300s: 25\d\d/);
  });

  it('with direction below, lower is worse', async () => {
    const m = seeded({ throughput: [40] });
    m.health.register('throughput', checks.metric(m, { metric: 'throughput', warn: 50, fail: 10, direction: 'below' }));
    expect((await m.health.check()).checks.throughput?.details).toMatchObject({ result: 'warn', value: 40, threshold: 50 });
  });

  it('answers noData (default healthy) when the window is empty', async () => {
    const m = seeded({});
    m.health.register('quiet', checks.metric(m, { metric: 'response_time', warn: 500 }));
    m.health.register('strict', checks.metric(m, { metric: 'response_time', warn: 500, noData: 'degraded' }), { critical: false });
    const report = await m.health.check();
    expect(report.checks.quiet).toMatchObject({ status: 'healthy', message: 'response_time mean over 300s: no data', details: { result: 'pass', value: null } });
    expect(report.checks.strict).toMatchObject({ status: 'degraded', details: { result: 'warn' } });
  });

  it('validates its options', () => {
    const bad = [
      [{ metric: 'x' }, 'checks.metric options: warn: set warn, fail or both'],
      [{ metric: 'x', warn: 10, fail: 5 }, 'checks.metric options: fail: must be at or above warn (10) for direction "above", got 5'],
      [{ metric: 'x', warn: 1, aggregation: 'median' }, /^checks\.metric options: aggregation: .*, got "median"$/],
    ] as const;
    for (const [options, message] of bad) {
      let error: unknown;
      try {
        checks.metric({ getAggregatedMetrics: async () => ({}) as never }, options as never);
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    }
  });
});
