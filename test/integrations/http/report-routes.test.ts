/**
 * GET /reports/performance of createMonitoringHandler: seed 003's parameters, the tenant and
 * label filters, and 400s naming the parameter the client sent.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, MemoryStorage } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const closing = closeAfterEach();

function setup() {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ service: 'test', clock, storage: new MemoryStorage({ now: () => clock.now() }), logger: false, histogram: { slotLength: '1m' } });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, { basePath: BASE });
  const get = async (path: string): Promise<{ status: number; body: any }> => {
    const response = await handler(new Request(`http://localhost${BASE}${path}`));
    return { status: response.status, body: await response.json() };
  };
  const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status', 'organizationId'], unit: 'seconds' });
  for (let i = 0; i < 10; i++) h.observe(0.1, { route: '/a', status: '200', organizationId: 'org-1' });
  for (let i = 0; i < 4; i++) h.observe(0.9, { route: '/b', status: '503', organizationId: 'org-2' });
  return { clock, monitor, get };
}

describe('GET /reports/performance', () => {
  it('answers seed 003\'s report for a period, with trends and recommendations', async () => {
    const { clock, get } = setup();
    await clock.advanceAsync(MINUTE);
    const { status, body } = await get('/reports/performance?period=hourly&metrics=http_request_duration_seconds');
    expect(status).toBe(200);
    expect(body).toMatchObject({ period: 'hourly', startDate: new Date(T0 + MINUTE - 3_600_000).toISOString(), stableBand: 5 });
    expect(body.metrics.http_request_duration_seconds).toMatchObject({ count: 14, class: 'latency', unit: 'ms' });
    expect(body.trends[0]).toMatchObject({ metricType: 'http_request_duration_seconds', statistic: 'p95', trend: 'insufficient-data' });
    // p95 900 ms > 500, errors 4 of 14 > 5 %; the mean (328.6 ms) and p99 (900 ms) pass.
    expect(body.recommendations.map((r: { rule: string }) => r.rule)).toEqual(['latency-p95', 'error-rate']);
  });

  it('reads seed 003\'s startDate and endDate, and start/end, as whole days', async () => {
    const { get } = setup();
    const seed = await get('/reports/performance?period=daily&startDate=2024-01-01&endDate=2024-01-07&metrics=x');
    expect(seed.status).toBe(200);
    expect(seed.body).toMatchObject({ period: 'daily', startDate: '2024-01-01T00:00:00.000Z', endDate: '2024-01-07T23:59:59.999Z' });
    const ms = await get(`/reports/performance?start=${T0 - 7_200_000}&end=${T0}&metrics=x`);
    expect(ms.body).toMatchObject({ period: 'custom', startDate: new Date(T0 - 7_200_000).toISOString(), endDate: new Date(T0 - 1).toISOString() });
  });

  it('filters by organizationId (the organizationId label) and by label.<name>=<value>', async () => {
    const { clock, get } = setup();
    await clock.advanceAsync(MINUTE);
    const org = await get('/reports/performance?period=hourly&organizationId=org-2&types=http_request_duration_seconds');
    expect(org.body.labels).toEqual({ organizationId: 'org-2' });
    expect(org.body.metrics.http_request_duration_seconds).toMatchObject({ count: 4, errorRate: 100 });
    const route = await get('/reports/performance?period=hourly&label.route=/a&metrics=http_request_duration_seconds');
    expect(route.body.metrics.http_request_duration_seconds).toMatchObject({ count: 10, errorRate: 0 });
    expect(route.body.recommendations).toEqual([]);
  });

  it.each([
    ['?from=2024-01-08&to=2024-01-01', 'from'],
    ['?startDate=2024-01-08&endDate=2024-01-01', 'startDate'],
    ['?period=yearly', 'period'],
    ['?from=yesterday', 'from'],
    ['?from=1&startDate=2', 'startDate'],
    ['?stableBand=-3', 'stableBand'],
    ['?organizationId=a&label.organizationId=b', 'organizationId'],
    // A repeated single-valued parameter or label is refused, not narrowed to the last (tenant leak).
    ['?organizationId=org-1&organizationId=org-2', 'organizationId'],
    ['?from=1&from=2', 'from'],
    ['?endDate=3600000&period=daily', 'endDate'],
    ['?startDate=8639999999999999&period=daily', 'startDate'],
    ['?label.organizationId=org-1&label.organizationId=org-2', 'label.organizationId'],
    ['?label.__proto__=x', 'label.__proto__'],
    [`?${Array.from({ length: 33 }, (_, i) => `label.l${i}=x`).join('&')}`, 'label'],
    [`?metrics=${Array.from({ length: 51 }, (_, i) => `m${i}`).join(',')}`, 'metrics'],
  ])('answers 400 for %s naming %s', async (query, field) => {
    const { get } = setup();
    const { status, body } = await get(`/reports/performance${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('needs auth as a read route when auth is set', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ service: 'test', clock, logger: false });
    closing(monitor);
    const handler = createMonitoringHandler(monitor, { auth: 'secret' });
    expect((await handler(new Request('http://localhost/reports/performance'))).status).toBe(401);
    const ok = await handler(new Request('http://localhost/reports/performance?metrics=x', { headers: { authorization: 'Bearer secret' } }));
    expect(ok.status).toBe(200);
  });
});
