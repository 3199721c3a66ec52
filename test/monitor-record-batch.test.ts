// monitor.recordMetrics: the public batch form of recordMetric that POST /metrics uses.
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../src/monitor.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { recordEvents, T0 } from './helpers/monitor-harness.js';

function setup(options: Parameters<typeof createMonitor>[0] = {}) {
  const monitor = createMonitor({ clock: new ManualClock(T0), logger: false, ...options });
  const recorded: string[] = [];
  monitor.on('metricRecorded', (e) => recorded.push(`${e.name}=${e.value}`));
  return { monitor, recorded, events: recordEvents(monitor) };
}

describe('monitor.recordMetrics', () => {
  it('records a batch with no issue, each record as recordMetric would', async () => {
    const { monitor, recorded, events } = setup();
    const result = monitor.recordMetrics([
      { metricType: 'response_time', value: 250, unit: 'ms', tags: { route: '/a' } },
      { metricType: 'response_time', value: 120, unit: 'ms', tags: { route: '/b' } },
      { metricType: 'queue_wait', value: 3 },
    ]);
    expect(result).toEqual({ accepted: 3, issues: [], truncatedIssues: 0 });
    expect(recorded).toEqual(['response_time=250', 'response_time=120', 'queue_wait=3']);
    expect((await monitor.getAggregatedMetrics({ name: 'response_time' })).count).toBe(2);
    expect(events.errors).toEqual([]);
  });

  it('records nothing when one record has an issue, and names each issue with its record', () => {
    const { monitor, recorded, events } = setup();
    const result = monitor.recordMetrics([
      { metricType: 'response_time', value: 250, unit: 'ms' },
      { metricType: 'response_time', value: 1, unit: 's' }, // one metricType keeps one unit
      { metricType: 'queue_wait', value: -1 },
    ]);
    expect(result.accepted).toBe(0);
    expect(result.issues.map((i) => [i.index, i.path])).toEqual([
      [1, 'unit'],
      [2, 'value'],
    ]);
    expect(recorded).toEqual([]);
    expect(monitor.getMetric('response_time')).toBeUndefined();
    // The issues are the answer: nothing is counted as dropped, nothing emitted.
    expect(events.errors).toEqual([]);
  });

  it('lists at most limits.maxIssues issues and counts the rest', () => {
    const { monitor } = setup({ limits: { maxIssues: 2 } });
    const result = monitor.recordMetrics(Array.from({ length: 5 }, () => ({ metricType: 'x', value: Number.NaN })));
    expect(result).toMatchObject({ accepted: 0, truncatedIssues: 3 });
    expect(result.issues.map((i) => i.index)).toEqual([0, 1]);
  });

  it('never throws, in strict mode too, whatever a JavaScript caller passes', () => {
    const { monitor } = setup({ strict: true });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(monitor.recordMetrics([proxy as never]).issues).toHaveLength(1);
    expect(monitor.recordMetrics(null as never).accepted).toBe(0);
    expect(monitor.recordMetrics([{ metricType: 'ok', value: 1 }]).accepted).toBe(1);
  });
});
