import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMonitor, isConfigError, type Monitor, type MonitorOptions } from 'pulsewatch';
import { metricsMiddleware, type MetricsMiddlewareOptions } from 'pulsewatch/express';
import { ManualClock } from 'pulsewatch/testing';
import { deferred, inFlight, requests, sample } from '../../helpers/request-metrics.js';

/**
 * Counts responses whose 'close' has fired: tests wait on this, never on a timer. Once a request
 * is counted here its metrics are recorded: a finished response was recorded from node's
 * response-finish channel before its 'close', and a server's first request (the only one the
 * abort test here makes) has the middleware's own 'close' listener, added before this one.
 * Aborts after the first request are tested in ../node-requests.test.ts, which waits on the socket.
 */
class Closed {
  count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  middleware = (_req: Request, res: Response, next: NextFunction): void => {
    res.on('close', () => {
      this.count++;
      for (const w of this.waiters.filter((w) => this.count >= w.n)) w.resolve();
      this.waiters = this.waiters.filter((w) => this.count < w.n);
    });
    next();
  };

  /** Resolves once `n` responses have closed. */
  atLeast(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

interface TestApp {
  app: Express;
  monitor: Monitor;
  closed: Closed;
  /** Starts listening (call after adding routes); returns the base URL. */
  listen(): Promise<string>;
}

let servers: Server[] = [];
let monitors: Monitor[] = [];

afterEach(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const monitor of monitors) await monitor.close();
  servers = [];
  monitors = [];
});

/** An Express 5 app with metricsMiddleware mounted first, on 127.0.0.1 and a free port. */
function testApp(options?: MetricsMiddlewareOptions, monitorOptions: MonitorOptions = {}): TestApp {
  const monitor = createMonitor({ service: 'test', ...monitorOptions });
  monitors.push(monitor);
  const closed = new Closed();
  const app = express();
  app.use(metricsMiddleware(monitor, options));
  app.use(closed.middleware);
  return {
    app,
    monitor,
    closed,
    async listen() {
      const server = app.listen(0, '127.0.0.1');
      servers.push(server);
      await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
  };
}

/** A handler that answers `body`, or with `?fail` passes an error on, for an error handler outside its router to answer. */
function answerOrFail(body: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (req.query['fail'] === undefined) res.send(body);
    else next(new Error(`${body} failed`));
  };
}

/** The app's error handler: 500 for any error. */
function answer500(_error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  res.status(500).send('error');
}

/** Requests each path in turn, reading every body; returns the statuses. */
async function get(base: string, ...paths: string[]): Promise<number[]> {
  const statuses: number[] = [];
  for (const path of paths) {
    const res = await fetch(base + path);
    await res.text();
    statuses.push(res.status);
  }
  return statuses;
}

function seriesOf(monitor: Monitor, metric: string): string[] {
  return monitor
    .exportPrometheusMetrics()
    .split('\n')
    .filter((l) => l.startsWith(`${metric}{`))
    .map((l) => l.slice(0, l.lastIndexOf(' ')));
}

describe('metricsMiddleware options', () => {
  const monitor = createMonitor({ service: 'test' });
  afterAll(() => monitor.close());

  it('rejects a bad statusLabel with a ConfigError naming the option', () => {
    let error: unknown;
    try {
      metricsMiddleware(monitor, { statusLabel: 'family' as 'code' });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^metricsMiddleware: statusLabel: .*got "family"$/);
  });

  it('rejects non-positive or empty buckets, a non-function route or ignore, and unknown options', () => {
    expect(() => metricsMiddleware(monitor, { buckets: [0.1, -1] })).toThrow(/metricsMiddleware: buckets\.1: /);
    expect(() => metricsMiddleware(monitor, { buckets: [] })).toThrow(/metricsMiddleware: buckets: /);
    expect(() => metricsMiddleware(monitor, { route: '/users/:id' as never })).toThrow(/metricsMiddleware: route: must be a function/);
    expect(() => metricsMiddleware(monitor, { ignore: ['/metrics'] as never })).toThrow(/metricsMiddleware: ignore: must be a function/);
    expect(() => metricsMiddleware(monitor, { statusLabels: 'class' } as never)).toThrow(/metricsMiddleware: statusLabels: unknown option/);
    expect(() => metricsMiddleware(monitor, { inFlight: 'yes' as never })).toThrow(/metricsMiddleware: inFlight: /);
  });

  it('refuses a second middleware on the same monitor with other buckets (both would write one histogram)', () => {
    const shared = createMonitor({ service: 'test' });
    metricsMiddleware(shared);
    expect(() => metricsMiddleware(shared)).not.toThrow();
    expect(() => metricsMiddleware(shared, { buckets: [0.1, 1] })).toThrow(/http_request_duration_seconds.*different definition/);
    return shared.close();
  });

  it('rejects something that is not a monitor', () => {
    expect(() => metricsMiddleware(undefined as never)).toThrow(expect.objectContaining({ code: 'ERR_PULSEWATCH_CONFIG', message: expect.stringMatching(/monitor must be a Monitor/) }));
  });

  it('never loads express at runtime (it is an optional peer): only type imports', () => {
    for (const file of ['src/express.ts', 'src/integrations/express/metrics-middleware.ts', 'src/integrations/express/route-label.ts']) {
      const source = readFileSync(file, 'utf8');
      expect(source, file).not.toMatch(/^import (?!type )[^;]*from ['"]express['"]/m);
      expect(source, file).not.toMatch(/require\(['"]express['"]\)|import\(['"]express['"]\)/);
    }
  });
});

describe('metricsMiddleware on a real Express 5 app', () => {
  it('labels requests by route template: /users/123 and /users/456 are one series', async () => {
    const t = testApp();
    t.app.get('/users/:id', (req, res) => {
      res.json({ id: req.params.id });
    });
    const base = await t.listen();
    expect(await get(base, '/users/123', '/users/456')).toEqual([200, 200]);
    await t.closed.atLeast(2);
    expect(requests(t.monitor, '/users/:id', '200')).toBe(2);
    expect(seriesOf(t.monitor, 'http_requests_total')).toEqual(['http_requests_total{method="GET",route="/users/:id",status="200"}']);
    // Only in label values: a duration sample's digits may well contain 123 or 456.
    expect(t.monitor.exportPrometheusMetrics()).not.toMatch(/\{[^}]*(123|456)[^}]*\}/);
  });

  it('prefixes the mount path of nested routers (req.baseUrl)', async () => {
    const t = testApp();
    const users = express.Router();
    users.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    const items = express.Router();
    items.post('/items/:itemId', (_req, res) => {
      res.status(201).send('created');
    });
    const v1 = express.Router();
    v1.use('/v1', items);
    t.app.use('/api', users);
    t.app.use('/api', v1);
    const base = await t.listen();
    await get(base, '/api/users/7', '/api/users/8');
    const res = await fetch(`${base}/api/v1/items/42`, { method: 'POST' });
    await res.text();
    await t.closed.atLeast(3);
    expect(requests(t.monitor, '/api/users/:id', '200')).toBe(2);
    expect(requests(t.monitor, '/api/v1/items/:itemId', '201', 'POST')).toBe(1);
  });

  it('keeps the mount path when an error or next() leaves a nested router (Express has reset req.baseUrl by then)', async () => {
    const t = testApp();
    const v1 = express.Router();
    v1.get('/', answerOrFail('index'));
    v1.get('/orders/:id', (req) => {
      throw new Error(`order ${req.params.id} failed`);
    });
    v1.get('/skip/:id', (_req, _res, next) => next());
    v1.get('/teapot/:id', () => {
      throw Object.assign(new Error('teapot'), { status: 418 });
    });
    const api = express.Router();
    api.use('/v1', v1);
    // An error handler in the middle router answers teapots; the app's handler the rest.
    api.use((error: { status?: number }, _req: Request, res: Response, next: NextFunction) => {
      if (error.status === 418) res.status(418).send('teapot');
      else next(error);
    });
    t.app.use('/api', api);
    t.app.use(answer500);
    const base = await t.listen();
    expect(await get(base, '/api/v1/orders/1', '/api/v1/orders/2?next=/a/b', '/api/v1/skip/3', '/api/v1/teapot/4', '/api/v1', '/api/v1?fail=1')).toEqual([
      500, 500, 404, 418, 200, 500,
    ]);
    await t.closed.atLeast(6);
    expect(seriesOf(t.monitor, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/api/v1/",status="200"}',
      'http_requests_total{method="GET",route="/api/v1/",status="500"}',
      'http_requests_total{method="GET",route="/api/v1/orders/:id",status="500"}',
      'http_requests_total{method="GET",route="/api/v1/skip/:id",status="404"}',
      'http_requests_total{method="GET",route="/api/v1/teapot/:id",status="418"}',
    ]);
    expect(requests(t.monitor, '/api/v1/orders/:id', '500')).toBe(2);
  });

  it("keeps a mounted sub-app's path when its route's error is answered by the parent app, also after a request it answered itself", async () => {
    const t = testApp();
    // A sub-app's routes are its app's own: only the parent knows they sit under /shop.
    const shop = express();
    shop.get('/carts/:id', answerOrFail('cart'));
    t.app.use('/shop', shop);
    t.app.get('/plain/:id', answerOrFail('plain'));
    t.app.use(answer500);
    const base = await t.listen();
    expect(await get(base, '/shop/carts/1', '/shop/carts/2?fail=1', '/plain/1', '/plain/2?fail=1')).toEqual([200, 500, 200, 500]);
    await t.closed.atLeast(4);
    expect(seriesOf(t.monitor, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/plain/:id",status="200"}',
      'http_requests_total{method="GET",route="/plain/:id",status="500"}',
      'http_requests_total{method="GET",route="/shop/carts/:id",status="200"}',
      'http_requests_total{method="GET",route="/shop/carts/:id",status="500"}',
    ]);
  });

  it('keeps the mount path of an app mounted through a Router (which tells the app nothing of its parent)', async () => {
    const t = testApp();
    const inner = express();
    inner.get('/carts/:id', answerOrFail('cart'));
    const outer = express.Router();
    outer.use('/x', inner);
    t.app.use(outer);
    t.app.use(answer500);
    const base = await t.listen();
    expect(await get(base, '/x/carts/1', '/x/carts/2?fail=1', '/x/carts/3')).toEqual([200, 500, 200]);
    await t.closed.atLeast(3);
    expect(seriesOf(t.monitor, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/x/carts/:id",status="200"}',
      'http_requests_total{method="GET",route="/x/carts/:id",status="500"}',
    ]);
    expect(requests(t.monitor, '/x/carts/:id', '200')).toBe(2);
  });

  it("counts requests no route matched as one 'unmatched' series, never the raw URL", async () => {
    const t = testApp();
    t.app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    const base = await t.listen();
    expect(await get(base, '/no/such/page', '/wp-admin.php?x=1')).toEqual([404, 404]);
    await t.closed.atLeast(2);
    expect(requests(t.monitor, 'unmatched', '404')).toBe(2);
    expect(seriesOf(t.monitor, 'http_requests_total')).toEqual(['http_requests_total{method="GET",route="unmatched",status="404"}']);
    expect(t.monitor.exportPrometheusMetrics()).not.toMatch(/no\/such|wp-admin/);
  });

  it('labels RegExp and array routes with a stable string form', async () => {
    const t = testApp();
    t.app.get(/^\/files\/.+$/, (_req, res) => {
      res.send('file');
    });
    t.app.get(['/a/:x', '/b/:x'], (_req, res) => {
      res.send('ab');
    });
    const base = await t.listen();
    await get(base, '/files/one.txt', '/files/two.txt', '/a/1', '/b/2');
    await t.closed.atLeast(4);
    expect(requests(t.monitor, '/^\\\\/files\\\\/.+$/', '200')).toBe(2);
    expect(requests(t.monitor, '/a/:x,/b/:x', '200')).toBe(2);
  });

  it("records the status code by default and its class with statusLabel: 'class'", async () => {
    for (const statusLabel of ['code', 'class'] as const) {
      const t = testApp({ statusLabel });
      t.app.get('/s/:code', (req, res) => {
        res.status(Number(req.params.code)).send('x');
      });
      const base = await t.listen();
      await get(base, '/s/200', '/s/204', '/s/404', '/s/503');
      await t.closed.atLeast(4);
      const statuses = seriesOf(t.monitor, 'http_requests_total').map((s) => /status="([^"]+)"/.exec(s)![1]);
      expect(statuses.sort()).toEqual(statusLabel === 'code' ? ['200', '204', '404', '503'] : ['2xx', '4xx', '5xx']);
      // 200 and 204 are one series under their class, two under their codes.
      expect(requests(t.monitor, '/s/:code', statusLabel === 'class' ? '2xx' : '200')).toBe(statusLabel === 'class' ? 2 : 1);
    }
  });

  it('keeps the in-flight gauge: up while a slow handler runs, back to 0 when it answers', async () => {
    const t = testApp();
    const entered = deferred();
    const release = deferred();
    t.app.get('/slow', async (_req, res) => {
      entered.resolve();
      await release.promise;
      res.send('done');
    });
    const base = await t.listen();
    expect(inFlight(t.monitor)).toBe(0);
    const pending = fetch(`${base}/slow`).then((r) => r.text());
    await entered.promise;
    expect(inFlight(t.monitor)).toBe(1);
    release.resolve();
    expect(await pending).toBe('done');
    await t.closed.atLeast(1);
    expect(inFlight(t.monitor)).toBe(0);
    expect(requests(t.monitor, '/slow', '200')).toBe(1);
  });

  it('can go without the in-flight gauge', async () => {
    const t = testApp({ inFlight: false });
    t.app.get('/', (_req, res) => {
      res.send('ok');
    });
    await get(await t.listen(), '/');
    await t.closed.atLeast(1);
    expect(t.monitor.getMetric('http_requests_in_flight')).toBeUndefined();
    expect(requests(t.monitor, '/', '200')).toBe(1);
  });

  it('records 500 for a handler that throws or rejects (Express answers through its error handler)', async () => {
    const t = testApp();
    t.app.get('/boom/:id', () => {
      throw new Error('boom');
    });
    t.app.get('/reject', async () => {
      await Promise.resolve();
      throw new Error('rejected');
    });
    // Express's final handler would log the stack to stderr; this one keeps the output clean.
    t.app.use(answer500);
    const base = await t.listen();
    expect(await get(base, '/boom/1', '/boom/2', '/reject')).toEqual([500, 500, 500]);
    await t.closed.atLeast(3);
    expect(requests(t.monitor, '/boom/:id', '500')).toBe(2);
    expect(requests(t.monitor, '/reject', '500')).toBe(1);
    expect(inFlight(t.monitor)).toBe(0);
  });

  it('records status 0, exactly once, when the client goes away before the response', async () => {
    const t = testApp();
    const entered = deferred();
    const release = deferred();
    const answered = deferred();
    t.app.get('/hang/:id', async (_req, res) => {
      entered.resolve();
      await release.promise;
      // Answering a request whose client left must not record it a second time.
      res.on('error', () => {});
      res.send('too late');
      answered.resolve();
    });
    const base = await t.listen();
    const controller = new AbortController();
    const pending = fetch(`${base}/hang/1`, { signal: controller.signal }).catch((e: unknown) => e);
    await entered.promise;
    expect(inFlight(t.monitor)).toBe(1);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await t.closed.atLeast(1);
    expect(requests(t.monitor, '/hang/:id', '0')).toBe(1);
    expect(inFlight(t.monitor)).toBe(0);
    release.resolve();
    await answered.promise;
    expect(seriesOf(t.monitor, 'http_requests_total')).toEqual(['http_requests_total{method="GET",route="/hang/:id",status="0"}']);
    expect(requests(t.monitor, '/hang/:id', '0')).toBe(1);
    expect(inFlight(t.monitor)).toBe(0);
  });

  it('records durations in seconds', async () => {
    const clock = new ManualClock();
    const t = testApp({}, { clock });
    t.app.get('/timed', (_req, res) => {
      // 250 ms pass on the monitor's clock while the request is served.
      clock.advance(250);
      res.send('ok');
    });
    const base = await t.listen();
    await get(base, '/timed', '/timed');
    await t.closed.atLeast(2);
    const labels = '{method="GET",route="/timed",status="200"}';
    expect(sample(t.monitor, `http_request_duration_seconds_count${labels}`)).toBe(2);
    expect(sample(t.monitor, `http_request_duration_seconds_sum${labels}`)).toBeCloseTo(0.5, 6);
    expect(sample(t.monitor, `http_request_duration_seconds_bucket{method="GET",route="/timed",status="200",le="0.1"}`)).toBe(0);
    expect(sample(t.monitor, `http_request_duration_seconds_bucket{method="GET",route="/timed",status="200",le="0.25"}`)).toBe(2);
  });

  it('records plausible real durations on the system clock', async () => {
    const t = testApp();
    t.app.get('/fast', (_req, res) => {
      res.send('ok');
    });
    const base = await t.listen();
    await get(base, '/fast', '/fast', '/fast');
    await t.closed.atLeast(3);
    const labels = '{method="GET",route="/fast",status="200"}';
    expect(sample(t.monitor, `http_request_duration_seconds_count${labels}`)).toBe(3);
    const sum = sample(t.monitor, `http_request_duration_seconds_sum${labels}`)!;
    // Seconds, not milliseconds: three loopback requests take far less than a second in total.
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(1);
  });

  it('skips requests ignore() returns true for, and uses the route() override when it returns a label', async () => {
    const t = testApp({
      ignore: (req) => req.path === '/metrics',
      // Runs when the response finishes: req.path is relative to the mount by then, originalUrl is not.
      route: (req) => (req.originalUrl.startsWith('/static/') ? '/static' : undefined),
    });
    t.app.get('/metrics', (_req, res) => {
      res.send('# scrape');
    });
    t.app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    t.app.use('/static', (_req, res) => {
      res.send('asset');
    });
    const base = await t.listen();
    await get(base, '/metrics', '/static/app.js', '/static/app.css', '/users/1');
    await t.closed.atLeast(4);
    expect(seriesOf(t.monitor, 'http_requests_total').sort()).toEqual([
      'http_requests_total{method="GET",route="/static",status="200"}',
      'http_requests_total{method="GET",route="/users/:id",status="200"}',
    ]);
    expect(requests(t.monitor, '/static', '200')).toBe(2);
  });

  it('never throws into the app: a throwing route() falls back to the template, a throwing ignore() skips', async () => {
    const t = testApp({
      route: () => {
        throw new Error('route bug');
      },
      ignore: (req) => {
        if (req.path === '/bad') throw new Error('ignore bug');
        return false;
      },
    });
    t.app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    t.app.get('/bad', (_req, res) => {
      res.send('still served');
    });
    const base = await t.listen();
    expect(await get(base, '/users/1', '/bad')).toEqual([200, 200]);
    await t.closed.atLeast(2);
    expect(seriesOf(t.monitor, 'http_requests_total')).toEqual(['http_requests_total{method="GET",route="/users/:id",status="200"}']);
    expect(inFlight(t.monitor)).toBe(0);
  });
});
