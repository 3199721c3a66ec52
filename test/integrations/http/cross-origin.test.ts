import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type Monitor, type MonitoringHandlerOptions } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';

const TOKEN = 'cross-origin-token-0123456789';
const record = JSON.stringify({ metricType: 'response_time', value: 250, unit: 'ms' });

let monitor: Monitor;
afterEach(() => monitor?.close());

function post(options: MonitoringHandlerOptions, headers: Record<string, string>): Promise<Response> {
  monitor = createMonitor({ service: 'cross-origin' });
  const handler = createMonitoringHandler(monitor, options);
  return handler(
    new Request('http://api.example.com/metrics', {
      method: 'POST',
      headers: { host: 'api.example.com', 'content-type': 'application/json', ...headers },
      body: record,
    }),
  );
}

describe('writes from a browser on another origin', () => {
  it('refuses a write whose Origin is another site, even with allowUnauthenticatedWrites, and records nothing', async () => {
    const response = await post({ allowUnauthenticatedWrites: true }, { origin: 'https://evil.example.net' });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/cross-origin/) } });
    expect(monitor.getMetric('response_time')).toBeUndefined();
  });

  it('refuses Sec-Fetch-Site: cross-site (a no-cors form post) even with the right token', async () => {
    const response = await post({ auth: TOKEN }, { 'sec-fetch-site': 'cross-site', authorization: `Bearer ${TOKEN}` });
    expect(response.status).toBe(403);
  });

  it('takes a write from no browser at all, from a listed origin, and from its own origin once listed', async () => {
    expect((await post({ auth: TOKEN }, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await post({ auth: TOKEN }, { 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    const listed = { auth: TOKEN, allowedOrigins: ['https://admin.example.com', 'http://api.example.com/'] };
    expect((await post(listed, { origin: 'https://admin.example.com', 'sec-fetch-site': 'same-site', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await post(listed, { origin: 'http://api.example.com', 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await post(listed, { origin: 'https://other.example.com', authorization: `Bearer ${TOKEN}` })).status).toBe(403);
  });

  it('does not trust Host: an Origin that matches the request\'s own Host is refused unless listed (DNS rebinding)', async () => {
    // The attacker's name resolves to this server: the browser sends matching Origin and Host.
    const rebound = await post({ allowUnauthenticatedWrites: true }, { origin: 'http://api.example.com', host: 'api.example.com', 'sec-fetch-site': 'same-origin' });
    expect(rebound.status).toBe(403);
    expect(await rebound.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringMatching(/allowedOrigins/) } });
    expect(monitor.getMetric('response_time')).toBeUndefined();
  });

  it('compares scheme, host and port: another scheme or port of a listed origin is refused', async () => {
    const listed = { auth: TOKEN, allowedOrigins: ['https://admin.example.com'] };
    for (const origin of ['http://admin.example.com', 'https://admin.example.com:8443', 'https://admin.example.com.evil.net', 'null']) {
      expect((await post(listed, { origin, authorization: `Bearer ${TOKEN}` })).status, origin).toBe(403);
    }
    // The same origin however it is spelled (case, default port) is the listed one.
    expect((await post(listed, { origin: 'https://ADMIN.example.com:443', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
  });

  it('leaves reads alone: a dashboard on another origin can still read what auth lets it', async () => {
    monitor = createMonitor({ service: 'cross-origin' });
    const handler = createMonitoringHandler(monitor);
    const response = await handler(new Request('http://api.example.com/health', { headers: { origin: 'https://dash.example.net', 'sec-fetch-site': 'cross-site' } }));
    expect(response.status).toBe(200);
  });

  it('refuses an allowedOrigins entry that is not an http(s) origin when the handler is created', () => {
    monitor = createMonitor({ service: 'cross-origin' });
    for (const entry of ['admin.example.com', 'https://admin.example.com/app', 'ftp://admin.example.com', 'https://user:pw@admin.example.com']) {
      expect(() => createMonitoringHandler(monitor, { allowedOrigins: ['https://ok.example.com', entry] }), entry).toThrow(/allowedOrigins\.1: must be an http\(s\) origin/);
    }
  });

  it('on a real node:http server, a rebound name with matching Origin and Host cannot write to an open handler', async () => {
    monitor = createMonitor({ service: 'cross-origin' });
    const server = createServer(createNodeMonitoringHandler(monitor, { allowUnauthenticatedWrites: true }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const send = (headers: Record<string, string>): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/metrics', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(record);
      });
    try {
      expect(await send({ host: `rebind.attacker.example:${port}`, origin: `http://rebind.attacker.example:${port}` })).toBe(403);
      expect(monitor.getMetric('response_time')).toBeUndefined();
      // A script on the same machine (no Origin) is still served.
      expect(await send({})).toBe(202);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
