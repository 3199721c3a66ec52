/**
 * createNodeMonitoringHandler on a real node:http server: the same routes as the Web handler,
 * body limits on a real socket, Connect-style `next` for paths it does not serve (body left
 * unread), and a body already parsed by middleware (express.json()).
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type MonitoringHandlerOptions, type PulsewatchError } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';

const BASE = '/api/monitoring';
const TOKEN = 'pw_node_1a2b3c4d5e6f7a8b';
const RECORD = { metricType: 'checkout_ms', value: 120, unit: 'ms', tags: { step: 'pay' } };

const servers: Server[] = [];
const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function newMonitor(): { monitor: Monitor; errors: PulsewatchError[] } {
  const monitor = createMonitor({ service: 'test', clock: new ManualClock() });
  monitors.push(monitor);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.health.register('database', () => true);
  return { monitor, errors };
}

async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A server whose only listener is the monitoring handler. */
async function serve(options: MonitoringHandlerOptions = {}) {
  const { monitor, errors } = newMonitor();
  const base = await listen(createNodeMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN, ...options }));
  return { monitor, errors, base, url: (path: string) => `${base}${BASE}${path}` };
}

/** Observations of `checkout_ms` in the monitor (0 when never recorded). */
async function checkouts(monitor: Monitor): Promise<{ count: number; sum: number }> {
  if (monitor.getMetric('checkout_ms') === undefined) return { count: 0, sum: 0 };
  const { count, sum } = await monitor.getAggregatedMetrics({ name: 'checkout_ms' });
  return { count, sum };
}

const auth = { authorization: `Bearer ${TOKEN}` };
const jsonHeaders = { ...auth, 'content-type': 'application/json' };

interface ErrorBody {
  error: { code: string; message: string };
}

describe('createNodeMonitoringHandler on node:http', () => {
  it('answers GET /health with the report and the common headers', async () => {
    const { url } = await serve({ publicRoutes: ['health'] });
    const response = await fetch(url('/health'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ status: 'healthy', checks: { database: { status: 'healthy' } } });
  });

  it('answers HEAD without a body', async () => {
    const { url } = await serve({ publicRoutes: ['health'] });
    const response = await fetch(url('/health'), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('needs the token: 401 with WWW-Authenticate without it', async () => {
    const { url } = await serve();
    const response = await fetch(url('/alerts/rules'));
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="pulsewatch"');
    expect(((await response.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    expect((await fetch(url('/alerts/rules'), { headers: auth })).status).toBe(200);
  });

  it('records POST /metrics with the token', async () => {
    const { url, monitor } = await serve();
    const response = await fetch(url('/metrics'), { method: 'POST', headers: jsonHeaders, body: JSON.stringify([RECORD, { ...RECORD, value: 80 }]) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 2 });
    expect(await checkouts(monitor)).toEqual({ count: 2, sum: expect.closeTo(200, -1) });
    const text = await (await fetch(url('/metrics?format=prometheus'), { headers: auth })).text();
    expect(text).toContain('checkout_ms_count{step="pay"} 2\n');
  });

  it('answers 400 for an invalid record and 415 for a non-JSON body, recording nothing', async () => {
    const { url, monitor } = await serve();
    const invalid = await fetch(url('/metrics'), { method: 'POST', headers: jsonHeaders, body: JSON.stringify({ ...RECORD, value: -1 }) });
    expect(invalid.status).toBe(400);
    const text = await fetch(url('/metrics'), { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: JSON.stringify(RECORD) });
    expect(text.status).toBe(415);
    expect(await checkouts(monitor)).toEqual({ count: 0, sum: 0 });
  });

  it('answers 413 PAYLOAD_TOO_LARGE with Connection: close to a body over maxBodyBytes', async () => {
    const { url, monitor } = await serve({ maxBodyBytes: 1_024 });
    // Just over the limit: it arrives whole, so the answer is never cut off by the closing socket.
    const over = JSON.stringify(Array.from({ length: Math.ceil(1_100 / JSON.stringify(RECORD).length) }, () => RECORD));
    expect(over.length).toBeGreaterThan(1_024);
    expect(over.length).toBeLessThan(2_048);
    const response = await fetch(url('/metrics'), { method: 'POST', headers: jsonHeaders, body: over });
    expect(response.status).toBe(413);
    expect(((await response.json()) as ErrorBody).error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(response.headers.get('connection')).toBe('close');
    expect(await checkouts(monitor)).toEqual({ count: 0, sum: 0 });
  });

  it('cuts a large oversized upload short (413, or the connection closed mid-upload) and keeps serving', async () => {
    const { url, monitor } = await serve({ maxBodyBytes: 1_024 });
    const big = JSON.stringify(Array.from({ length: 5_000 }, () => RECORD)); // ~350 KB
    // Either is right: the server answers 413 and closes without reading the rest, and the
    // client may see the answer or, still sending, the closed socket.
    const outcome = await fetch(url('/metrics'), { method: 'POST', headers: jsonHeaders, body: big }).then(
      (response) => String(response.status),
      () => 'closed',
    );
    expect(['413', 'closed']).toContain(outcome);
    expect(await checkouts(monitor)).toEqual({ count: 0, sum: 0 });
    // The server is still up and serves the next requests.
    const ok = await fetch(url('/metrics'), { method: 'POST', headers: jsonHeaders, body: JSON.stringify(RECORD) });
    expect(ok.status).toBe(202);
    expect((await fetch(url('/health'), { headers: auth })).status).toBe(200);
  });

  it('answers 413 to a chunked upload without Content-Length', async () => {
    const { base, monitor } = await serve({ maxBodyBytes: 1_024 });
    const status = await new Promise<number | 'closed'>((resolve) => {
      const req = httpRequest(`${base}${BASE}/metrics`, { method: 'POST', headers: jsonHeaders }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', () => resolve('closed'));
      // Chunked: no Content-Length, the limit is found while counting.
      for (let i = 0; i < 20; i++) req.write(`${JSON.stringify(RECORD)},`.repeat(5));
      req.end();
    });
    expect([413, 'closed']).toContain(status);
    expect(await checkouts(monitor)).toEqual({ count: 0, sum: 0 });
    expect((await fetch(`${base}${BASE}/health`, { headers: auth })).status).toBe(200);
  });

  it('answers 404 NOT_FOUND JSON for a path it does not serve, without next', async () => {
    const { base, url } = await serve();
    for (const path of [`${base}/elsewhere`, url('/nope'), `${base}/`]) {
      const response = await fetch(path, { method: 'POST', body: 'hello' });
      expect(response.status, path).toBe(404);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(((await response.json()) as ErrorBody).error.code).toBe('NOT_FOUND');
    }
  });

  it('answers 405 with Allow for a method a path does not have', async () => {
    const { url } = await serve();
    const response = await fetch(url('/metrics'), { method: 'DELETE', headers: auth });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD');
  });
});

describe('with next (Connect-style middleware)', () => {
  /**
   * A Connect-like app: the monitoring handler first, then a fallback that reads the request body
   * itself and answers `fallback <method> <url> <body>`.
   */
  async function app(options: MonitoringHandlerOptions = {}) {
    const { monitor, errors } = newMonitor();
    const monitoring = createNodeMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN, ...options });
    const fallback = (req: IncomingMessage, res: ServerResponse): void => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        res.setHeader('content-type', 'text/plain');
        res.end(`fallback ${req.method} ${req.url} ${body}`);
      });
    };
    let nextCalls = 0;
    const base = await listen((req, res) =>
      monitoring(req, res, (error?: unknown) => {
        nextCalls++;
        if (error) {
          res.statusCode = 500;
          res.end('error');
          return;
        }
        fallback(req, res);
      }),
    );
    return { monitor, errors, base, nextCalls: () => nextCalls };
  }

  it('hands a request it does not serve to next, with its body unread', async () => {
    const { base, nextCalls } = await app();
    const body = JSON.stringify({ order: 42, items: ['a', 'b'] });
    const response = await fetch(`${base}/orders?x=1`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`fallback POST /orders?x=1 ${body}`);
    expect(nextCalls()).toBe(1);
  });

  it('hands on an unknown path under the base path too, and a large body it would refuse itself', async () => {
    const { base } = await app({ maxBodyBytes: 16 });
    const big = 'x'.repeat(100_000);
    const response = await fetch(`${base}${BASE}/not-a-route`, { method: 'PUT', body: big });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(`fallback PUT ${BASE}/not-a-route ${big}`);
    const get = await fetch(`${base}/`);
    expect(await get.text()).toBe('fallback GET / ');
  });

  it('serves its own routes itself and does not call next', async () => {
    const { base, monitor, nextCalls } = await app();
    expect((await fetch(`${base}${BASE}/health`, { headers: auth })).status).toBe(200);
    const post = await fetch(`${base}${BASE}/metrics`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify(RECORD) });
    expect(post.status).toBe(202);
    expect(await checkouts(monitor)).toMatchObject({ count: 1 });
    // Errors of its own routes are answered, not handed on.
    expect((await fetch(`${base}${BASE}/alerts/rules/nope`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${base}${BASE}/health`)).status).toBe(401);
    expect(nextCalls()).toBe(0);
  });
});

describe('a body already parsed by middleware', () => {
  /** Reads the whole request stream (as express.json() does), then hands over with req.body set to what `parse` makes of it. */
  async function parsedApp(parse: (raw: string) => unknown, options: MonitoringHandlerOptions = {}) {
    const { monitor, errors } = newMonitor();
    const monitoring = createNodeMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN, ...options });
    const base = await listen((req, res) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (raw += chunk));
      req.on('end', () => {
        expect(req.readableEnded).toBe(true);
        if (raw !== '') (req as IncomingMessage & { body?: unknown }).body = parse(raw);
        monitoring(req, res);
      });
    });
    return { monitor, errors, base };
  }

  it('uses req.body (an object) when the stream was consumed', async () => {
    // The parser's object differs from the raw bytes: what gets recorded shows which was used.
    const { base, monitor } = await parsedApp((raw) => ({ ...(JSON.parse(raw) as object), value: 42 }));
    const response = await fetch(`${base}${BASE}/metrics`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify(RECORD) });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 1 });
    expect(await checkouts(monitor)).toEqual({ count: 1, sum: expect.closeTo(42, 0) });
  });

  it('uses req.body as JSON text when a text parser left a string', async () => {
    const { base, monitor } = await parsedApp((raw) => raw.replace('"value":120', '"value":7'));
    const response = await fetch(`${base}${BASE}/metrics`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify(RECORD) });
    expect(response.status).toBe(202);
    expect(await checkouts(monitor)).toEqual({ count: 1, sum: expect.closeTo(7, 0) });
  });

  it('validates a parsed body like a raw one', async () => {
    const { base, monitor } = await parsedApp((raw) => JSON.parse(raw));
    const response = await fetch(`${base}${BASE}/metrics`, { method: 'POST', headers: jsonHeaders, body: JSON.stringify([RECORD, { ...RECORD, value: 'slow' }]) });
    expect(response.status).toBe(400);
    expect(await checkouts(monitor)).toEqual({ count: 0, sum: 0 });
    const rule = await fetch(`${base}${BASE}/alerts/rules`, {
      method: 'POST',
      headers: jsonHeaders,
      body: JSON.stringify({ name: 'Slow checkout', metricType: 'checkout_ms', condition: 'greater_than', threshold: 500, duration: '5m' }),
    });
    expect(rule.status).toBe(201);
    expect(monitor.alerts.getRules()).toHaveLength(1);
  });
});
