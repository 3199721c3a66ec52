/**
 * GET /metrics/series, GET /metrics/realtime (seed 003) and the from/to of GET
 * /metrics/aggregate, through createMonitoringHandler with real Requests on a manual clock.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, MemoryStorage, type MonitoringHandlerOptions } from 'pulsewatch';
import type { TimeSeries } from '../../../src/metrics/time-series.js';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const MIN = 60_000;
const TOKEN = 'pw_series_1f2e3d4c5b6a7988';

const closing = closeAfterEach();

function setup(options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ service: 'test', clock, logger: false });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, { basePath: BASE, ...options });
  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => handler(new Request(`http://localhost${BASE}${path}`, { headers }));
  return { clock, monitor, get };
}

async function badRequest(response: Response): Promise<{ code: string; message: string; issues: { path: string; message: string }[] }> {
  expect(response.status).toBe(400);
  const body = (await response.json()) as { error: { code: string; message: string; issues: { path: string; message: string }[] } };
  expect(body.error.code).toBe('VALIDATION_FAILED');
  return body.error;
}

/** Request metrics as the HTTP integrations record them: 3 requests in the first minute (one a 500), 1 in the second; now T0+2m. */
async function requests() {
  const s = setup();
  const h = s.monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['method', 'route', 'status'] });
  h.observe(0.1, { method: 'GET', route: '/a', status: '200' });
  h.observe(0.2, { method: 'GET', route: '/a', status: '200' });
  h.observe(0.6, { method: 'GET', route: '/b', status: '500' });
  await s.clock.advanceAsync(MIN);
  h.observe(0.4, { method: 'GET', route: '/a', status: '200' });
  await s.clock.advanceAsync(MIN);
  return s;
}

describe('GET /metrics/series', () => {
  it('serves getTimeSeries: points per step, null where a step has no data', async () => {
    const { get } = await requests();
    const response = await get(`/metrics/series?name=http_request_duration_seconds&from=${T0}&to=${T0 + 2 * MIN}&step=30s&aggregation=count`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as TimeSeries;
    expect(body).toMatchObject({ name: 'http_request_duration_seconds', kind: 'histogram', unit: 'seconds', aggregation: 'count', step: SLOT, from: T0, to: T0 + 2 * MIN, series: 2, labels: {} });
    expect(body.points).toEqual([
      { time: T0, value: 3, count: 3 },
      { time: T0 + SLOT, value: null, count: 0 },
      { time: T0 + MIN, value: 1, count: 1 },
      { time: T0 + MIN + SLOT, value: null, count: 0 },
    ]);
  });

  it('takes ISO 8601 from/to, a window, ms steps and label.<name> filters', async () => {
    const { get } = await requests();
    const iso = await get(`/metrics/series?name=http_request_duration_seconds&from=${new Date(T0).toISOString()}&to=2026-01-01T00:02:00Z&step=60000&aggregation=max&label.route=/a`);
    const body = (await iso.json()) as TimeSeries;
    expect(body).toMatchObject({ labels: { route: '/a' }, series: 1, step: MIN });
    expect(body.points.map((p) => p.value)).toEqual([0.2, 0.4]);
    const windowed = (await (await get('/metrics/series?name=http_request_duration_seconds&window=2m&step=1m&aggregation=errorRate')).json()) as TimeSeries;
    expect(windowed.points.map((p) => p.value)).toEqual([(100 * 1) / 3, 0]);
  });

  it.each([
    ['no name', '', 'name'],
    ['from after to', `&from=${T0 + MIN}&to=${T0}`, 'from'],
    ['a from that is no date', '&from=yesterday', 'from'],
    ['a to in the wrong format', '&from=0&to=01/02/2026', 'to'],
    ['window with from', `&window=5m&from=${T0}`, 'window'],
    ['too many points', `&from=${T0}&step=1`, undefined],
    ['an unknown aggregation', '&aggregation=median', 'aggregation'],
    ['a step that is no duration', '&step=soon', 'step'],
    ['a default window ending at 0 (it would start before 1970)', '&to=0', 'to'],
    ['a window reaching before 1970', '&to=1000&window=1m', 'window'],
  ])('answers 400 naming the field for %s', async (_, query, field) => {
    const { clock, get } = setup();
    clock.advance(24 * 3_600_000);
    const error = await badRequest(await get(`/metrics/series?${query.includes('name=') || _ === 'no name' ? '' : 'name=x'}${query}`));
    expect(error.issues.map((i) => i.path)).toEqual([field ?? 'step']);
    expect(error.message.length).toBeGreaterThan(0);
  });

  it('answers 400 naming the parameter for a label given twice, label.__proto__, and more than 32 labels, on every range route', async () => {
    const { get } = await requests();
    const flood = Array.from({ length: 5_000 }, (_, i) => `label.k${i}=v`).join('&');
    for (const route of ['/metrics/series?name=http_request_duration_seconds&', '/metrics/realtime?', '/metrics/aggregate?name=http_request_duration_seconds&']) {
      const twice = await badRequest(await get(`${route}label.route=/a&label.route=/b`));
      expect(twice.issues).toEqual([{ path: 'label.route', message: 'is given twice' }]);
      expect((await badRequest(await get(`${route}label.__proto__=x`))).issues.map((i) => i.path)).toEqual(['label.__proto__']);
      expect((await badRequest(await get(`${route}${flood}`))).issues).toEqual([{ path: 'label', message: 'at most 32 labels' }]);
    }
    // A name such as constructor is a label like any other: no series has it.
    const ctor = (await (await get('/metrics/series?name=http_request_duration_seconds&window=2m&label.constructor=x')).json()) as TimeSeries;
    expect(ctor).toMatchObject({ labels: { constructor: 'x' }, series: 0 });
  });

  it('refuses a percentile of a counter with 400 naming aggregation', async () => {
    const { monitor, get } = setup();
    monitor.counter({ name: 'orders_total' }).inc();
    const error = await badRequest(await get('/metrics/series?name=orders_total&aggregation=p99'));
    expect(error.issues).toEqual([{ path: 'aggregation', message: expect.stringContaining('a counter has no p99') }]);
  });

  it('needs read access when auth is set', async () => {
    const { get } = setup({ auth: TOKEN });
    expect((await get('/metrics/series?name=x')).status).toBe(401);
    expect((await get('/metrics/realtime')).status).toBe(401);
    expect((await get('/metrics/series?name=x', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await get('/metrics/realtime', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  });
});

describe('GET /metrics/realtime (seed 003)', () => {
  it('answers every default type, from the request metrics and the system gauges, in the seed’s shape', async () => {
    const { monitor, get, clock } = await requests();
    monitor.gauge({ name: 'system_memory_usage_percent' }).set(72.3);
    monitor.gauge({ name: 'system_cpu_usage_percent' }).set(45.8);
    await clock.advanceAsync(SLOT);
    const response = await get('/metrics/realtime?window=3m&step=1m');
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, { metricType: string; value: number; unit: string; timestamp: string }[]>;
    expect(Object.keys(body)).toEqual(['response_time', 'error_rate', 'throughput', 'memory_usage', 'cpu_usage']);
    const at = (ms: number) => new Date(ms).toISOString();
    expect(body.response_time).toEqual([
      { metricType: 'response_time', value: 300, unit: 'ms', timestamp: at(T0) },
      { metricType: 'response_time', value: 400, unit: 'ms', timestamp: at(T0 + MIN) },
    ]);
    expect(body.error_rate!.map((r) => [r.value, r.unit])).toEqual([
      [100 / 3, 'percent'],
      [0, 'percent'],
    ]);
    expect(body.throughput!.map((r) => [r.value, r.unit])).toEqual([
      [3 / 60, 'requests/s'],
      [1 / 60, 'requests/s'],
    ]);
    expect(body.memory_usage).toEqual([{ metricType: 'memory_usage', value: 72.3, unit: 'percent', timestamp: at(T0 + 2 * MIN) }]);
    expect(body.cpu_usage).toEqual([{ metricType: 'cpu_usage', value: 45.8, unit: 'percent', timestamp: at(T0 + 2 * MIN) }]);
  });

  it('reads what seed 003 records through POST /metrics when there are no request metrics, and any type by name', async () => {
    const { monitor, get, clock } = setup();
    monitor.recordMetric({ metricType: 'response_time', value: 250, unit: 'ms', tags: { endpoint: '/api/projects' } });
    monitor.recordMetric({ metricType: 'response_time', value: 350, unit: 'ms', tags: { endpoint: '/api/projects' } });
    monitor.recordMetric({ metricType: 'project_created', value: 1, unit: 'count' });
    await clock.advanceAsync(MIN);
    const body = (await (await get('/metrics/realtime?types=response_time,throughput,project_created,error_rate&step=1m')).json()) as Record<string, { value: number; unit: string }[]>;
    expect(body.response_time!.map((r) => [r.value, r.unit])).toEqual([[300, 'ms']]);
    expect(body.throughput!.map((r) => [r.value, r.unit])).toEqual([[2 / 60, 'requests/s']]);
    // Records carry their unit, the metric they define does not: other types say `value`.
    expect(body.project_created!.map((r) => [r.value, r.unit])).toEqual([[1, 'value']]);
    // Nothing recorded for it: an empty list, as the seed answers a type without records.
    expect(body.error_rate).toEqual([]);
  });

  it('reads seed 003’s records when the request metrics hold no point in the window', async () => {
    const { monitor, get, clock } = setup();
    monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route', 'status'] }).observe(0.1, { route: '/a', status: '200' });
    await clock.advanceAsync(20 * MIN); // the last request was 20 minutes ago: the histogram is still in memory
    monitor.recordMetric({ metricType: 'response_time', value: 200, unit: 'ms' });
    monitor.recordMetric({ metricType: 'response_time', value: 300, unit: 'ms' });
    monitor.recordMetric({ metricType: 'error_rate', value: 3, unit: 'percent' });
    await clock.advanceAsync(SLOT);
    const body = (await (await get('/metrics/realtime?types=response_time,error_rate,throughput')).json()) as Record<string, { value: number; unit: string }[]>;
    expect(body.response_time!.map((r) => [r.value, r.unit])).toEqual([[250, 'ms']]);
    expect(body.error_rate!.map((r) => [r.value, r.unit])).toEqual([[3, 'percent']]);
    expect(body.throughput!.map((r) => [r.value, r.unit])).toEqual([[2 / 30, 'requests/s']]);
  });

  it('answers memory and CPU usage as the mean of the hosts’ percentages, not their sum', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const hosts = ['host-a', 'host-b', 'host-c'].map((instanceId) => createMonitor({ service: 'test', clock, storage, instanceId, logger: false }));
    for (const m of hosts) closing(m);
    // As systemMonitor records them on each host: b and c at 60 %, a at 90 %.
    hosts.forEach((m, i) => {
      m.gauge({ name: 'system_memory_usage_percent' }).set(i === 0 ? 90 : 60);
      m.gauge({ name: 'system_cpu_usage_percent' }).set(30);
    });
    await clock.advanceAsync(2 * MIN);
    await Promise.all(hosts.slice(1).map((m) => m.flush()));
    const handler = createMonitoringHandler(hosts[0]!, { basePath: BASE });
    const body = (await (await handler(new Request(`http://localhost${BASE}/metrics/realtime?types=memory_usage,cpu_usage&window=2m&step=1m`))).json()) as Record<string, { value: number; unit: string }[]>;
    expect(body.memory_usage!.map((r) => [r.value, r.unit])).toEqual([
      [70, 'percent'],
      [70, 'percent'],
    ]);
    expect(body.cpu_usage!.map((r) => r.value)).toEqual([30, 30]);
  });

  it('answers a type named __proto__ like any other (an empty list, not a dropped key)', async () => {
    const { get } = setup();
    expect(await (await get('/metrics/realtime?types=__proto__,constructor')).text()).toBe('{"__proto__":[],"constructor":[]}');
  });

  it('answers 400 naming types, window or step for bad input', async () => {
    const { get } = setup();
    expect((await badRequest(await get('/metrics/realtime?types=drop%20table'))).issues.map((i) => i.path)).toEqual(['types.0']);
    expect((await badRequest(await get('/metrics/realtime?types=,,'))).issues.map((i) => i.path)).toEqual(['types']);
    const many = Array.from({ length: 21 }, (_, i) => `t${i}`).join(',');
    expect((await badRequest(await get(`/metrics/realtime?types=${many}`))).issues.map((i) => i.path)).toEqual(['types']);
    expect((await badRequest(await get('/metrics/realtime?window=forever'))).issues.map((i) => i.path)).toEqual(['window']);
    expect((await badRequest(await get('/metrics/realtime?window=1d&step=1s'))).issues.map((i) => i.path)).toEqual(['step']);
  });
});

describe('GET /metrics/aggregate with from/to', () => {
  it('summarises a past range', async () => {
    const { get } = await requests();
    const response = await get(`/metrics/aggregate?name=http_request_duration_seconds&from=${T0}&to=${new Date(T0 + MIN).toISOString()}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ from: T0, to: T0 + MIN, window: MIN, count: 3, max: 0.6 });
    expect(await (await get(`/metrics/aggregate?name=http_request_duration_seconds&window=60000`)).json()).toMatchObject({ window: MIN, count: 1 });
  });

  it('answers 400 naming from when from is after to, and window when both window and from are given', async () => {
    const { get } = await requests();
    expect((await badRequest(await get(`/metrics/aggregate?name=x&from=${T0 + MIN}&to=${T0}`))).issues.map((i) => i.path)).toEqual(['from']);
    expect((await badRequest(await get(`/metrics/aggregate?name=x&from=${T0}&window=1m`))).issues.map((i) => i.path)).toEqual(['window']);
    expect((await badRequest(await get(`/metrics/aggregate?name=x&to=someday`))).issues.map((i) => i.path)).toEqual(['to']);
  });
});
