import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type Monitor, type MonitoringHandlerOptions } from 'pulsewatch';

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

  it('takes a write from the same origin, from no browser at all, and from a listed origin', async () => {
    expect((await post({ auth: TOKEN }, { origin: 'http://api.example.com', 'sec-fetch-site': 'same-origin', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await post({ auth: TOKEN }, { authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    const listed = { auth: TOKEN, allowedOrigins: ['https://admin.example.com'] };
    expect((await post(listed, { origin: 'https://admin.example.com', 'sec-fetch-site': 'same-site', authorization: `Bearer ${TOKEN}` })).status).toBe(202);
    expect((await post(listed, { origin: 'https://other.example.com', authorization: `Bearer ${TOKEN}` })).status).toBe(403);
  });

  it('leaves reads alone: a dashboard on another origin can still read what auth lets it', async () => {
    monitor = createMonitor({ service: 'cross-origin' });
    const handler = createMonitoringHandler(monitor);
    const response = await handler(new Request('http://api.example.com/health', { headers: { origin: 'https://dash.example.net', 'sec-fetch-site': 'cross-site' } }));
    expect(response.status).toBe(200);
  });

  it('refuses an allowedOrigins entry that is not a URL when the handler is created', () => {
    monitor = createMonitor({ service: 'cross-origin' });
    expect(() => createMonitoringHandler(monitor, { allowedOrigins: ['admin.example.com'] })).toThrow(/allowedOrigins\.0/);
  });
});
