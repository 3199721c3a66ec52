import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { RequestMetrics, requestMetricsOptionsSchema } from '../../src/integrations/request-metrics.js';
import { requests, sample } from '../helpers/request-metrics.js';

function setup(options: Parameters<typeof requestMetricsOptionsSchema.parse>[0] = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock });
  const metrics = new RequestMetrics(monitor, requestMetricsOptionsSchema.parse(options));
  return { clock, monitor, metrics };
}

describe('RequestMetrics route series', () => {
  it('records each method and status of one route in its own series, whatever order they come in', () => {
    const { clock, monitor, metrics } = setup();
    const route = metrics.routeOf('/users/:id');
    // Alternates so the last-pair fast path both hits and misses, and a miss finds an older pair.
    const sequence: [string, number][] = [
      ['GET', 200],
      ['GET', 200],
      ['POST', 201],
      ['GET', 200],
      ['GET', 404],
      ['POST', 201],
      ['GET', 404],
      ['GET', 200],
    ];
    for (const [method, status] of sequence) {
      const start = metrics.start();
      clock.advance(250);
      metrics.record(start, method, route, status);
    }
    expect(requests(monitor, '/users/:id', '200')).toBe(4);
    expect(requests(monitor, '/users/:id', '404')).toBe(2);
    expect(requests(monitor, '/users/:id', '201', 'POST')).toBe(2);
    expect(sample(monitor, 'http_request_duration_seconds_sum{method="GET",route="/users/:id",status="200"}')).toBe(1);
    expect(sample(monitor, 'http_requests_in_flight')).toBe(0);
  });

  it('gives the same series for the same label, and end() by label records into it', () => {
    const { monitor, metrics } = setup();
    expect(metrics.routeOf('/a')).toBe(metrics.routeOf('/a'));
    expect(metrics.routeOf('/a')).not.toBe(metrics.routeOf('/b'));
    metrics.record(metrics.start(), 'GET', metrics.routeOf('/a'), 200);
    metrics.end(metrics.start(), 'GET', '/a', 200);
    expect(requests(monitor, '/a', '200')).toBe(2);
  });

  it("keys the status class, not the code, with statusLabel: 'class'", () => {
    const { monitor, metrics } = setup({ statusLabel: 'class' });
    const route = metrics.routeOf('/x');
    for (const status of [200, 204, 500, 201, 0]) metrics.record(metrics.start(), 'GET', route, status);
    expect(requests(monitor, '/x', '2xx')).toBe(3);
    expect(requests(monitor, '/x', '5xx')).toBe(1);
    expect(requests(monitor, '/x', '0xx')).toBe(1);
  });

  it('past its cache of 1000 label sets still counts every request (through the metric)', () => {
    const { monitor, metrics } = setup();
    for (let i = 0; i < 1_100; i++) metrics.end(metrics.start(), 'GET', `/raw/${i}`, 200);
    // Past the cap a label gets a new series object each call, not a cached one.
    expect(metrics.routeOf('/raw/1050')).not.toBe(metrics.routeOf('/raw/1050'));
    metrics.end(metrics.start(), 'GET', '/raw/1050', 200);
    metrics.end(metrics.start(), 'GET', '/raw/5', 200);
    const total = monitor
      .exportPrometheusMetrics()
      .split('\n')
      .filter((l) => l.startsWith('http_requests_total{'))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
    expect(total).toBe(1_102);
    expect(requests(monitor, '/raw/5', '200')).toBe(2);
  });
});
