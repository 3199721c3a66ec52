/**
 * POST /metrics stays all-or-nothing for what recording would refuse: a value past the
 * histogram's range and a reserved metricType are a 400 naming the record, and nothing of the
 * batch is recorded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type Monitor } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';

const TOKEN = 'tok_abcdefghijklmnop1234';
const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup() {
  const monitor = createMonitor({ service: 's', clock: new ManualClock() });
  monitors.push(monitor);
  const errors: string[] = [];
  monitor.on('error', (e) => errors.push(e.message));
  let announced = 0;
  monitor.on('metricRecorded', () => announced++);
  const handler = createMonitoringHandler(monitor, { auth: TOKEN });
  const post = async (body: unknown) => {
    const response = await handler(
      new Request('http://x/metrics', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
    return { status: response.status, json: (await response.json()) as { accepted?: number; error?: { issues: { path: string; message: string }[] } } };
  };
  return { monitor, post, errors, announced: () => announced };
}

describe('POST /metrics, all-or-nothing', () => {
  it('answers 400 naming a value past the histogram range, and records none of the batch', async () => {
    const { monitor, post, errors, announced } = setup();
    const answer = await post([
      { metricType: 'rt', value: 1, unit: 'ms' },
      { metricType: 'rt', value: 1e300, unit: 'ms' },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.json.error?.issues).toEqual([{ path: '1.value', message: 'must be finite, >= 0 and <= 9007199254740991' }]);
    expect({ announced: announced(), errors }).toEqual({ announced: 0, errors: [] });
    expect(monitor.exportPrometheusMetrics()).not.toMatch(/^rt_count/m);
  });

  it('answers 400 naming a reserved metricType, and records none of the batch', async () => {
    const { monitor, post, announced } = setup();
    const answer = await post([
      { metricType: 'rt', value: 1 },
      { metricType: 'breaker_calls_total', value: 1 },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.json.error?.issues).toEqual([{ path: '1.metricType', message: expect.stringMatching(/"breaker_calls_total" is reserved/) }]);
    expect(announced()).toBe(0);
    expect(() => monitor.circuitBreaker('payments', async () => 1)).not.toThrow();
  });

  it('answers 400 naming tags longer than limits.maxLabelSetLength, and records none of the batch', async () => {
    const { monitor, post, announced } = setup();
    const answer = await post([
      { metricType: 'rt', value: 1, tags: { route: '/a' } },
      { metricType: 'rt', value: 1, tags: { route: `/${'x'.repeat(99_000)}` } },
    ]);
    expect(answer.status).toBe(400);
    expect(answer.json.error?.issues).toEqual([{ path: '1.tags', message: expect.stringMatching(/maxLabelSetLength/) }]);
    expect(announced()).toBe(0);
    expect(monitor.exportPrometheusMetrics()).not.toMatch(/^rt_count/m);
  });

  it('answers 400 when the late records of a batch would not fit the late buffer, and records none', async () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ service: 's', clock, flush: { maxBuffered: 8 }, limits: { lateBufferShare: 0.25 } });
    monitors.push(monitor);
    let announced = 0;
    monitor.on('metricRecorded', () => announced++);
    monitor.on('error', () => undefined);
    const handler = createMonitoringHandler(monitor, { auth: TOKEN });
    const past = clock.now() - 600_000;
    const body = Array.from({ length: 3 }, (_, i) => ({ metricType: 'rt', value: 1, timestamp: past, tags: { i: String(i) } }));
    const response = await handler(
      new Request('http://x/metrics', { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    );
    const json = (await response.json()) as { error?: { issues: { path: string; message: string }[] } };
    expect(response.status).toBe(400);
    expect(json.error?.issues).toEqual([{ path: '2.timestamp', message: expect.stringMatching(/buffer for late records has room for 2/) }]);
    expect(announced).toBe(0);
  });
});
