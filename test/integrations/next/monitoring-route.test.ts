import { describe, expect, it } from 'vitest';
import { createMonitor, isConfigError, PROMETHEUS_CONTENT_TYPE, type Monitor } from '../../../src/index.js';
import { createMonitoringRoute, MONITORING_ROUTE_BASE_PATH, withPerformanceTracking } from '../../../src/next.js';
import { closeAfterEach } from '../../helpers/closing.js';

const TOKEN = 'test-token-0123456789';

const closing = closeAfterEach();

function monitorFor(): Monitor {
  const monitor = createMonitor({ service: 'next-test' });
  closing(monitor);
  monitor.health.register('database', async () => ({ status: 'healthy' }));
  return monitor;
}

const url = (path: string): string => `http://localhost${path}`;

/** A seed-003 metric record, as `POST /metrics` takes it. */
const record = JSON.stringify({ metricType: 'checkout_ms', value: 120, unit: 'ms' });

function post(path: string, headers: Record<string, string> = {}): Request {
  return new Request(url(path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: record });
}

describe('createMonitoringRoute options', () => {
  it('defaults basePath to /api/monitoring, where the route file sits', () => {
    expect(MONITORING_ROUTE_BASE_PATH).toBe('/api/monitoring');
  });

  it('names a bad option without echoing a token', () => {
    let error: unknown;
    try {
      createMonitoringRoute(monitorFor(), { auth: TOKEN, basePath: 'monitoring' });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^createMonitoringRoute: basePath: /);
    expect((error as Error).message).not.toContain(TOKEN);
    expect(() => createMonitoringRoute(monitorFor(), { bathPath: '/x' } as never)).toThrow(/createMonitoringRoute: bathPath: unknown option/);
  });

  it('exports one handler per method, named after it', () => {
    const route = createMonitoringRoute(monitorFor());
    expect(Object.keys(route).sort()).toEqual(['DELETE', 'GET', 'POST', 'PUT']);
    expect(route.GET.name).toBe('GET');
  });
});

describe('createMonitoringRoute answering requests', () => {
  it('answers GET /api/monitoring/health with the health report', async () => {
    const { GET } = createMonitoringRoute(monitorFor());
    const response = await GET(new Request(url('/api/monitoring/health')));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; checks: Record<string, unknown> };
    expect(body.status).toBe('healthy');
    expect(Object.keys(body.checks)).toContain('database');
  });

  it('answers GET /api/monitoring/metrics?format=prometheus with the exposition, request metrics included', async () => {
    const monitor = monitorFor();
    const users = withPerformanceTracking(async (_request: Request) => Response.json({ id: '42' }), { monitor, route: '/api/users/[id]' });
    await users(new Request(url('/api/users/42')));
    const { GET } = createMonitoringRoute(monitor);
    const response = await GET(new Request(url('/api/monitoring/metrics?format=prometheus')));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await response.text()).toContain('http_requests_total{method="GET",route="/api/users/[id]",status="200"} 1');
  });

  it('answers 404 for a path no monitoring route has', async () => {
    const { GET } = createMonitoringRoute(monitorFor());
    const response = await GET(new Request(url('/api/monitoring/nope')));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('refuses writes when no auth is configured', async () => {
    const { POST } = createMonitoringRoute(monitorFor());
    expect((await POST(post('/api/monitoring/metrics'))).status).toBe(403);
  });

  it('asks for credentials when auth is configured, and takes the write with the token', async () => {
    const monitor = monitorFor();
    const { POST } = createMonitoringRoute(monitor, { auth: TOKEN });
    const refused = await POST(post('/api/monitoring/metrics'));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await POST(post('/api/monitoring/metrics', { authorization: 'Bearer wrong' }))).status).toBe(401);
    const accepted = await POST(post('/api/monitoring/metrics', { authorization: `Bearer ${TOKEN}` }));
    expect(accepted.status).toBe(202);
    expect(monitor.exportPrometheusMetrics()).toContain('checkout_ms');
  });

  it('serves under another basePath (trailing slash trimmed) when the file lives elsewhere', async () => {
    const { GET } = createMonitoringRoute(monitorFor(), { basePath: '/internal/monitoring/' });
    expect((await GET(new Request(url('/internal/monitoring/health')))).status).toBe(200);
    expect((await GET(new Request(url('/api/monitoring/health')))).status).toBe(404);
  });

  it('shares one route table across methods: PUT and DELETE reach the alert rules', async () => {
    const { POST, PUT, DELETE, GET } = createMonitoringRoute(monitorFor(), { auth: TOKEN });
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const rule = { name: 'Slow', metric: 'http_request_duration_seconds', aggregation: 'p95', condition: 'gt', threshold: 1 };
    const created = await POST(new Request(url('/api/monitoring/alerts/rules'), { method: 'POST', headers: auth, body: JSON.stringify(rule) }));
    expect(created.status).toBe(201);
    const { id } = ((await created.json()) as { rule: { id: string } }).rule;
    const updated = await PUT(new Request(url(`/api/monitoring/alerts/rules/${id}`), { method: 'PUT', headers: auth, body: JSON.stringify({ ...rule, threshold: 2 }) }));
    expect(updated.status).toBe(200);
    expect((await DELETE(new Request(url(`/api/monitoring/alerts/rules/${id}`), { method: 'DELETE', headers: auth }))).status).toBeLessThan(300);
    expect((await GET(new Request(url(`/api/monitoring/alerts/rules/${id}`), { headers: auth }))).status).toBe(404);
  });
});
