import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { httpMetrics } from '../../src/node.js';
import { templateRoute } from '../../src/integrations/route-template.js';

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

describe('templateRoute', () => {
  it('collapses ids so one route is one series', () => {
    expect(templateRoute('/users/123?x=1')).toBe('/users/:id');
    expect(templateRoute('/orders/0b5e8f3c-1a2b-4c3d-8e9f-001122334455/items')).toBe('/orders/:id/items');
    expect(templateRoute('/health')).toBe('/health');
    expect(templateRoute(undefined)).toBe('/');
  });
});

describe('httpMetrics on a real node:http server', () => {
  it('records requests and durations by method, route and status', async () => {
    const monitor = createMonitor();
    const track = httpMetrics(monitor);
    server = createServer((req, res) => {
      track(req, res);
      res.statusCode = req.url?.startsWith('/fail') ? 500 : 200;
      res.end('ok');
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    for (const path of ['/users/1', '/users/2', '/fail/3']) await (await fetch(base + path)).text();
    const text = monitor.exportPrometheusMetrics();
    expect(text).toContain('http_requests_total{method="GET",route="/users/:id",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="/fail/:id",status="500"} 1');
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/users/:id",status="200"} 2');
    await monitor.close();
  });
});
