import { request } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, PROMETHEUS_CONTENT_TYPE, type Monitor } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { DEFAULT_METRICS_PORT, serveMetrics, serveMetricsOptionsSchema, type MetricsServer } from '../../../src/integrations/instrument/metrics-server.js';
import { cacheMetrics } from '../../../src/integrations/instrument/cache.js';
import { timedFetch } from '../../../src/integrations/instrument/fetch.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { ensurePromtool, promtool } from '../../helpers/promtool.js';

const closing = closeAfterEach();

beforeAll(() => ensurePromtool(), 300_000);

async function served(options: Parameters<typeof serveMetrics>[1] = {}): Promise<{ monitor: Monitor; server: MetricsServer }> {
  const monitor = closing(createMonitor({ service: 'metrics-port', clock: new ManualClock() }));
  monitor.on('error', () => {});
  const server = await serveMetrics(monitor, { port: 0, host: '127.0.0.1', ...options });
  return { monitor, server };
}

/** One raw request (fetch would refuse some of these methods). */
function call(url: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serveMetrics', () => {
  it('serves /metrics in the Prometheus text format, which promtool accepts, with the instrumentations in it', async () => {
    const { monitor, server } = await served();
    const cache = cacheMetrics(monitor, 'users');
    cache.hit(7);
    cache.miss(3);
    const fake = async (_input: string): Promise<{ status: number }> => ({ status: 200 });
    await timedFetch(monitor, fake)('https://api.example.com/v1?token=x');
    monitor.histogram({ name: 'db_query_duration_seconds', help: 'Database queries duration', labelNames: ['pool', 'operation'], unit: 'seconds' }).observe(0.004, { pool: 'default', operation: 'SELECT' });
    const res = await call(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.type).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(res.body).toContain('cache_hits_total{cache="users"} 7');
    expect(res.body).toContain('cache_hit_ratio{cache="users"} 0.7');
    expect(res.body).toContain('http_client_requests_total{method="GET",host="api.example.com",status="200"} 1');
    const check = promtool(['check', 'metrics'], res.body);
    expect(check.stderr + check.stdout).toBe('');
    expect(check.status).toBe(0);
  });

  it('gives OpenMetrics to a Prometheus scrape and JSON to whoever asks for it', async () => {
    const { server } = await served();
    const scrape = await call(`${server.url}/metrics`, 'GET', { accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.2,*/*;q=0.1' });
    expect(scrape.type).toMatch(/^application\/openmetrics-text/);
    expect(scrape.body.endsWith('# EOF\n')).toBe(true);
    expect((await call(`${server.url}/metrics?format=json`)).type).toMatch(/^application\/json/);
    expect((await call(`${server.url}/metrics`, 'GET', { accept: 'application/json' })).type).toMatch(/^application\/json/);
  });

  it('serves /health (503 when a critical check fails) and /health/<check>', async () => {
    const { monitor, server } = await served();
    monitor.health.register('database', () => true);
    const healthy = await call(`${server.url}/health`);
    expect(healthy.status).toBe(200);
    expect(JSON.parse(healthy.body)).toMatchObject({ status: 'healthy' });
    monitor.health.register('redis', () => false, { critical: true });
    expect((await call(`${server.url}/health`)).status).toBe(503);
    expect((await call(`${server.url}/health/database`)).status).toBe(200);
  });

  it('answers HEAD on both routes, as a scraper probing the target may send', async () => {
    const { server } = await served();
    const metrics = await call(`${server.url}/metrics`, 'HEAD');
    expect([metrics.status, metrics.type, metrics.body]).toEqual([200, PROMETHEUS_CONTENT_TYPE, '']);
    expect((await call(`${server.url}/health`, 'HEAD')).status).toBe(200);
  });

  it('answers nothing else: no write route, no alert route, no other path', async () => {
    const { server } = await served();
    expect((await call(`${server.url}/metrics`, 'POST')).status).toBe(405);
    expect((await call(`${server.url}/alerts/active`)).status).toBe(404);
    expect((await call(`${server.url}/metrics/aggregate?name=x`)).status).toBe(404);
    expect((await call(`${server.url}/`)).status).toBe(404);
  });

  it('asks for the token when auth is set, and leaves open what publicRoutes names', async () => {
    const { server } = await served({ auth: 'scrape-token-123', publicRoutes: ['health'] });
    expect((await call(`${server.url}/metrics`)).status).toBe(401);
    expect((await call(`${server.url}/metrics`, 'GET', { authorization: 'Bearer scrape-token-123' })).status).toBe(200);
    expect((await call(`${server.url}/health`)).status).toBe(200);
  });

  it('closes with the monitor, and close() settles with a keep-alive connection open', async () => {
    const { monitor, server } = await served();
    const agentRes = await fetch(`${server.url}/metrics`, { keepalive: true });
    await agentRes.text();
    await monitor.close();
    expect(server.server.listening).toBe(false);
    await server.close();
    await expect(call(`${server.url}/metrics`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('rejects when the port is taken, and defaults to seed 001 port 9464 (checked without binding it)', async () => {
    const { server } = await served();
    const other = closing(createMonitor({ service: 'second' }));
    await expect(serveMetrics(other, { port: server.port, host: '127.0.0.1' })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(DEFAULT_METRICS_PORT).toBe(9464);
    expect(serveMetricsOptionsSchema.parse({}).port).toBe(9464);
    await expect(serveMetrics(other, { port: 70_000 })).rejects.toThrow(/serveMetrics options: port/);
  });
});
