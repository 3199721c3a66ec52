import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from 'pulsewatch';
import { monitoringRouter } from 'pulsewatch/express';

const TOKEN = 'router-test-token-0123456789';

let monitor: Monitor;
let server: Server | undefined;

async function listen(app: express.Express): Promise<string> {
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await monitor?.close();
});

const record = { metricType: 'response_time', value: 250, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } };

describe('monitoringRouter on a real Express 5 app', () => {
  it('serves health and metrics under the mount path', async () => {
    monitor = createMonitor({ service: 'express-app' });
    monitor.health.register('database', () => true);
    const app = express();
    app.use('/api/monitoring', monitoringRouter(monitor, { auth: TOKEN, publicRoutes: ['health'] }));
    const base = await listen(app);

    const health = await fetch(`${base}/api/monitoring/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy', checks: { database: { status: 'healthy' } } });

    const refused = await fetch(`${base}/api/monitoring/metrics`);
    expect(refused.status).toBe(401);

    const metrics = await fetch(`${base}/api/monitoring/metrics?format=prometheus`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await metrics.text()).toContain('# TYPE pulsewatch_buffered_rollups gauge');
  });

  it('ingests a body that express.json() already parsed, and one it did not', async () => {
    monitor = createMonitor({ service: 'express-app' });
    const parsed = express();
    parsed.use(express.json());
    parsed.use('/api/monitoring', monitoringRouter(monitor, { auth: TOKEN }));
    const base = await listen(parsed);
    const post = (body: unknown) =>
      fetch(`${base}/api/monitoring/metrics`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    const ok = await post([record, { ...record, value: 300 }]);
    expect(ok.status).toBe(202);
    expect(await ok.json()).toEqual({ accepted: 2 });
    const bad = await post({ ...record, value: -1 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'VALIDATION_FAILED', issues: [{ path: 'value' }] } });
    expect((await monitor.getAggregatedMetrics({ name: 'response_time' })).count).toBe(2);

    await new Promise<void>((resolve) => server!.close(() => resolve()));
    const raw = express();
    raw.use('/api/monitoring', monitoringRouter(monitor, { auth: TOKEN }));
    const rawBase = await listen(raw);
    const viaStream = await fetch(`${rawBase}/api/monitoring/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(record),
    });
    expect(viaStream.status).toBe(202);
    expect((await monitor.getAggregatedMetrics({ name: 'response_time' })).count).toBe(3);
  });

  it('hands other paths to the next middleware with their body unread', async () => {
    monitor = createMonitor({ service: 'express-app' });
    const app = express();
    app.use(monitoringRouter(monitor, { basePath: '/api/monitoring', allowUnauthenticatedWrites: true }));
    app.post('/api/monitoring/custom', express.text({ type: '*/*' }), (req, res) => {
      res.json({ got: req.body });
    });
    app.use((_req, res) => {
      res.status(404).json({ app: 'not found' });
    });
    const base = await listen(app);

    const custom = await fetch(`${base}/api/monitoring/custom`, { method: 'POST', body: 'hello' });
    expect(await custom.json()).toEqual({ got: 'hello' });
    const missing = await fetch(`${base}/elsewhere`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ app: 'not found' });
    // Its own routes still answer, with the API's error shape.
    const wrongMethod = await fetch(`${base}/api/monitoring/health`, { method: 'DELETE' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
  });

  it('answers 413 for an oversized upload and keeps serving', async () => {
    monitor = createMonitor({ service: 'express-app' });
    const app = express();
    app.use('/m', monitoringRouter(monitor, { auth: TOKEN, maxBodyBytes: 1_000 }));
    const base = await listen(app);
    const big = JSON.stringify(Array.from({ length: 100 }, () => record));
    const res = await fetch(`${base}/m/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    const after = await fetch(`${base}/m/health`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(after.status).toBe(200);
  });

  it('checks credentials before reading a body, refuses odd methods, and keeps a parsed form a form', async () => {
    monitor = createMonitor({ service: 'express-app' });
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.use('/m', monitoringRouter(monitor, { auth: TOKEN, maxBodyBytes: 1_000 }));
    const base = await listen(app);
    // No token and an oversized body: the answer is about the token, not the size.
    const big = JSON.stringify(Array.from({ length: 100 }, () => record));
    const anonymous = await fetch(`${base}/m/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(anonymous.status).toBe(401);
    const form = await fetch(`${base}/m/metrics`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'metricType=response_time&value=250',
    });
    expect(form.status).toBe(415);
    expect(monitor.getMetric('response_time')).toBeUndefined();
    const options = await fetch(`${base}/m/health`, { method: 'OPTIONS', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(options.status).toBe(405);
    expect(options.headers.get('allow')).toBe('GET, HEAD');
    // TRACE cannot be a Web Request at all: answered 405 by the adapter, not reported as a failure.
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    const trace = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${base}/m/health`);
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'TRACE' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(trace).toBe(405);
    expect(errors).toEqual([]);
  });
});
