/**
 * NodeRequestTracker (src/integrations/node-requests.ts) through its public entry points,
 * metricsMiddleware and httpMetrics, on real servers: the first request of a server is a probe
 * tracked with a per-response 'close' listener; once node's `http.server.response.finish`
 * channel has delivered it, later requests are recorded from the channel, with one 'close'
 * listener per connection for the ones whose connection goes away first.
 *
 * How a test knows a request is on the channel path: the tracker's listener path adds one 'close'
 * listener to the response and the channel path adds none, so a handler reading
 * `res.listenerCount('close')` sees one more on a probe than on a request after verification
 * (everything else adding listeners, node and the test's own helpers, is the same for both).
 */
import { hasSubscribers } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import { Agent, createServer, get as httpGet, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor, type Monitor, type MonitorOptions } from 'pulsewatch';
import { metricsMiddleware } from 'pulsewatch/express';
import { httpMetrics } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';
import { deferred, inFlight, requests, sample, type Deferred } from '../helpers/request-metrics.js';

const RESPONSE_FINISH = 'http.server.response.finish';

/** Counts events and resolves waiters once a count is reached: tests wait on this, never on a timer. */
class Tally {
  count = 0;
  private waiters: { n: number; resolve: () => void }[] = [];

  add = (): void => {
    this.count++;
    for (const w of this.waiters.filter((w) => this.count >= w.n)) w.resolve();
    this.waiters = this.waiters.filter((w) => this.count < w.n);
  };

  /** Resolves once the count is at least `n`. */
  atLeast(n: number): Promise<void> {
    if (this.count >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/**
 * Responses whose 'close' has fired. Watch a response after the tracker has seen it: node emits
 * a response's 'close' on the tick after its 'finish' handling, which publishes to the channel,
 * and the tracker's probe listener was added before ours; either way the request is recorded
 * once it is counted here. Not for aborted requests on the channel path: there node emits the
 * response's 'close' from its own socket listener, which runs before the tracker's (those tests
 * wait on the socket's 'close', see {@link socketClosed}).
 */
class Closed extends Tally {
  watch = (res: ServerResponse): void => {
    res.on('close', this.add);
  };

  middleware = (_req: Request, res: Response, next: NextFunction): void => {
    this.watch(res);
    next();
  };
}

/** A handler that has started; wrapped, as a promise resolved with a promise would wait for that one. */
interface Entered {
  socketClosed: Promise<void>;
}

/**
 * Resolves when the server side of `req`'s connection has closed. Called in a handler, so after
 * the tracker added its one 'close' listener to that socket (on the connection's first request):
 * EventEmitter runs listeners in order, so by then the requests left open are recorded as status 0.
 */
function socketClosed(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => req.socket.once('close', () => resolve()));
}

let servers: Server[] = [];
let monitors: Monitor[] = [];
let cleanups: (() => void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups) cleanup();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  for (const monitor of monitors) await monitor.close();
  servers = [];
  monitors = [];
  cleanups = [];
});

function newMonitor(options: MonitorOptions = {}): Monitor {
  const monitor = createMonitor({ service: 't', ...options });
  monitors.push(monitor);
  return monitor;
}

interface Listening {
  server: Server;
  port: number;
  base: string;
  /** Connections the server accepted. */
  connections: Tally;
}

/** A node:http server for `listener` (an Express app is one) on 127.0.0.1 and a free port. */
async function listen(listener: RequestListener): Promise<Listening> {
  const server = createServer(listener);
  servers.push(server);
  const connections = new Tally();
  server.on('connection', connections.add);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, base: `http://127.0.0.1:${port}`, connections };
}

/** An agent keeping one connection alive for every request made with it. */
function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  cleanups.push(() => agent.destroy());
  return agent;
}

/** GET `path` with node's client, reading the body; `agent: false` opens a fresh connection (Connection: close). */
function get(port: number, path: string, agent: Agent | false): Promise<number> {
  return new Promise((resolve, reject) => {
    httpGet({ host: '127.0.0.1', port, path, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** A raw keep-alive connection: several paths sent in one write are pipelined requests. */
class RawClient {
  private text = '';
  private readonly arrived = new Tally();

  private constructor(readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.text += chunk;
      while (this.arrived.count < this.statuses().length) this.arrived.add();
    });
    socket.on('error', () => {});
  }

  static async open(port: number): Promise<RawClient> {
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  send(...paths: string[]): void {
    this.socket.write(paths.map((p) => `GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`).join(''));
  }

  /** Status codes of the responses received so far, in order. */
  statuses(): number[] {
    // Not anchored to a line start: a body ends without a newline, right before the next status line.
    return [...this.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
  }

  /** Resolves with the status codes once `n` responses have started arriving. */
  async responses(n: number): Promise<number[]> {
    await this.arrived.atLeast(n);
    return this.statuses();
  }
}

/** Every http_requests_total sample as `route status -> count`, to see nothing else was recorded. */
function allRequests(monitor: Monitor): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of monitor.exportPrometheusMetrics().split('\n')) {
    const m = /^http_requests_total\{method="GET",route="([^"]*)",status="([^"]*)"\} (\S+)$/.exec(line);
    if (m) out[`${m[1]} ${m[2]}`] = Number(m[3]);
  }
  return out;
}

/** Sends the probe on a connection of its own and waits until it is recorded: the server is verified after it. */
async function verify(t: Listening, closed: Closed, path: string): Promise<void> {
  const before = closed.count;
  await get(t.port, path, false);
  await closed.atLeast(before + 1);
}

describe('metricsMiddleware: requests after the channel is verified', () => {
  it('counts every request once, on a keep-alive connection and on fresh ones, and adds no listener to their responses', async () => {
    const monitor = newMonitor();
    const closed = new Closed();
    // 'close' listeners on each /items response when its handler runs, in order.
    const listeners: number[] = [];
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/items/:id', (_req, res) => {
      listeners.push(res.listenerCount('close'));
      res.send('item');
    });
    const t = await listen(app);
    const agent = keepAliveAgent();

    expect(hasSubscribers(RESPONSE_FINISH)).toBe(false);
    expect(await get(t.port, '/items/0', agent)).toBe(200);
    await closed.atLeast(1);
    // Subscribed lazily, by the first request.
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(true);

    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) statuses.push(await get(t.port, i % 3 === 0 ? `/nope/${i}` : `/items/${i}`, agent));
    for (let i = 11; i <= 20; i++) statuses.push(await get(t.port, i % 3 === 0 ? `/nope/${i}` : `/items/${i}`, false));
    await closed.atLeast(21);

    expect(statuses.filter((s) => s === 200)).toHaveLength(14);
    expect(statuses.filter((s) => s === 404)).toHaveLength(6);
    // The probe and ten more on one kept-alive connection, then ten on connections of their own.
    expect(t.connections.count).toBe(11);
    expect(allRequests(monitor)).toEqual({ '/items/:id 200': 15, 'unmatched 404': 6 });
    expect(sample(monitor, 'http_request_duration_seconds_count{method="GET",route="/items/:id",status="200"}')).toBe(15);
    expect(inFlight(monitor)).toBe(0);
    // The probe had the tracker's listener; every later one (same connection or not) none.
    expect(listeners).toHaveLength(15);
    expect(listeners[0]).toBe(listeners[1]! + 1);
    expect(new Set(listeners.slice(1))).toEqual(new Set([listeners[1]]));
  });

  it('moves a connection opened before verification to the channel on its next request', async () => {
    const monitor = newMonitor();
    const closed = new Closed();
    const listeners: Record<string, number> = {};
    const entered = deferred();
    const release = deferred();
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/gate', async (req, res) => {
      listeners[req.path] = res.listenerCount('close');
      entered.resolve();
      await release.promise;
      res.send('gate');
    });
    app.get('/items/:id', (req, res) => {
      listeners[req.path] = res.listenerCount('close');
      res.send('item');
    });
    const t = await listen(app);
    const agent = keepAliveAgent();

    // Connection A: its first request is a probe, held open while connection B verifies the server.
    const gate = get(t.port, '/gate', agent);
    await entered.promise;
    await verify(t, closed, '/items/1');
    release.resolve();
    expect(await gate).toBe(200);
    await closed.atLeast(2);
    expect(await get(t.port, '/items/2', agent)).toBe(200);
    await closed.atLeast(3);

    expect(t.connections.count).toBe(2);
    expect(allRequests(monitor)).toEqual({ '/gate 200': 1, '/items/:id 200': 2 });
    expect(inFlight(monitor)).toBe(0);
    // Both probes had a listener; A's second request, on A's old connection object, none.
    expect(listeners['/gate']).toBe(listeners['/items/1']);
    expect(listeners['/items/2']).toBe(listeners['/items/1']! - 1);
  });

  it('records a request whose client aborts as status 0, once, and not again when the handler answers late', async () => {
    const monitor = newMonitor();
    const closed = new Closed();
    const entered = deferred<Entered>();
    const release = deferred();
    const answered = deferred();
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/items/:id', (_req, res) => {
      res.send('item');
    });
    app.get('/hang/:id', async (req, res) => {
      entered.resolve({ socketClosed: socketClosed(req) });
      await release.promise;
      // Answering a request whose client left must not record it a second time.
      res.on('error', () => {});
      res.send('too late');
      answered.resolve();
    });
    const t = await listen(app);
    await verify(t, closed, '/items/1');

    const controller = new AbortController();
    const pending = fetch(`${t.base}/hang/1`, { signal: controller.signal }).catch((e: unknown) => e);
    const { socketClosed: serverSocketClosed } = await entered.promise;
    expect(inFlight(monitor)).toBe(1);
    controller.abort();
    expect(await pending).toMatchObject({ name: 'AbortError' });
    await serverSocketClosed;
    expect(requests(monitor, '/hang/:id', '0')).toBe(1);
    expect(inFlight(monitor)).toBe(0);

    release.resolve();
    await answered.promise;
    // A full request after the late answer: anything that answer could still record (a 'finish'
    // on a later tick) has happened by the time this one is recorded.
    await verify(t, closed, '/items/2');
    expect(allRequests(monitor)).toEqual({ '/items/:id 200': 2, '/hang/:id 0': 1 });
    expect(inFlight(monitor)).toBe(0);
  });

  it('counts a route() that throws under the template, without an uncaught exception', async () => {
    const uncaught = vi.fn();
    process.on('uncaughtException', uncaught);
    cleanups.push(() => process.off('uncaughtException', uncaught));
    const monitor = newMonitor();
    const closed = new Closed();
    let calls = 0;
    const app = express();
    app.use(
      metricsMiddleware(monitor, {
        route: () => {
          calls++;
          throw new Error('route bug');
        },
      }),
    );
    app.use(closed.middleware);
    app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    const t = await listen(app);
    await verify(t, closed, '/users/0');

    const agent = keepAliveAgent();
    for (let i = 1; i <= 5; i++) expect(await get(t.port, `/users/${i}`, agent)).toBe(200);
    await closed.atLeast(6);

    // route() ran, and threw, for every request: the probe's listener and the channel's five.
    expect(calls).toBe(6);
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 6 });
    expect(inFlight(monitor)).toBe(0);
    expect(uncaught).not.toHaveBeenCalled();
  });

  it('records durations measured on the monitor clock through the channel', async () => {
    const clock = new ManualClock();
    const monitor = newMonitor({ clock });
    const closed = new Closed();
    const listeners: number[] = [];
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/warm', (_req, res) => {
      listeners.push(res.listenerCount('close'));
      res.send('warm');
    });
    app.get('/timed/:ms', (req, res) => {
      listeners.push(res.listenerCount('close'));
      clock.advance(Number(req.params.ms));
      res.send('timed');
    });
    const t = await listen(app);
    await verify(t, closed, '/warm');

    const agent = keepAliveAgent();
    await get(t.port, '/timed/250', agent);
    await get(t.port, '/timed/1500', false);
    await closed.atLeast(3);

    const labels = '{method="GET",route="/timed/:ms",status="200"}';
    expect(sample(monitor, `http_request_duration_seconds_count${labels}`)).toBe(2);
    expect(sample(monitor, `http_request_duration_seconds_sum${labels}`)).toBeCloseTo(1.75, 9);
    expect(sample(monitor, 'http_request_duration_seconds_bucket{method="GET",route="/timed/:ms",status="200",le="0.25"}')).toBe(1);
    expect(sample(monitor, 'http_request_duration_seconds_bucket{method="GET",route="/timed/:ms",status="200",le="2.5"}')).toBe(2);
    // Both timed requests went through the channel: no listener of their own.
    expect(listeners).toEqual([listeners[0], listeners[0]! - 1, listeners[0]! - 1]);
  });
});

describe('metricsMiddleware: pipelined requests after verification', () => {
  /** An app whose /slow/:status handlers each wait for their own release, answering with that status. */
  async function pipelineApp(): Promise<{
    monitor: Monitor;
    t: Listening;
    closed: Closed;
    entered: Tally;
    release: Map<string, () => void>;
    answered: Tally;
    socketClosed: Promise<void>[];
  }> {
    const monitor = newMonitor();
    const closed = new Closed();
    const entered = new Tally();
    const answered = new Tally();
    const release = new Map<string, () => void>();
    const closing: Promise<void>[] = [];
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    app.get('/slow/:status', async (req, res) => {
      const gate = deferred();
      release.set(req.params.status, () => gate.resolve());
      closing.push(socketClosed(req));
      entered.add();
      await gate.promise;
      res.on('error', () => {});
      res.status(Number(req.params.status)).send('slow');
      answered.add();
    });
    const t = await listen(app);
    await verify(t, closed, '/fast');
    return { monitor, t, closed, entered, release, answered, socketClosed: closing };
  }

  it('counts each of three pipelined requests once with its own status, answered out of order', async () => {
    const p = await pipelineApp();
    const client = await RawClient.open(p.t.port);
    client.send('/slow/200', '/slow/202', '/slow/404');
    await p.entered.atLeast(3);
    // All three open at once on one connection: one in the connection's fields, two in `more`.
    expect(inFlight(p.monitor)).toBe(3);

    for (const status of ['404', '202', '200']) p.release.get(status)!();
    expect(await client.responses(3)).toEqual([200, 202, 404]);
    await p.closed.atLeast(4);

    expect(allRequests(p.monitor)).toEqual({ '/fast 200': 1, '/slow/:status 200': 1, '/slow/:status 202': 1, '/slow/:status 404': 1 });
    expect(inFlight(p.monitor)).toBe(0);

    // The connection is still usable, and its next request is counted once too.
    client.send('/fast');
    expect(await client.responses(4)).toEqual([200, 202, 404, 200]);
    await p.closed.atLeast(5);
    expect(requests(p.monitor, '/fast', '200')).toBe(2);
    expect(p.t.connections.count).toBe(2);
  });

  it('records each pipelined request as status 0, once, when the client goes away before any answer', async () => {
    const p = await pipelineApp();
    const client = await RawClient.open(p.t.port);
    client.send('/slow/200', '/slow/201', '/slow/202');
    await p.entered.atLeast(3);
    expect(inFlight(p.monitor)).toBe(3);

    client.socket.destroy();
    await Promise.all(p.socketClosed);
    expect(allRequests(p.monitor)).toEqual({ '/fast 200': 1, '/slow/:status 0': 3 });
    expect(inFlight(p.monitor)).toBe(0);

    // The handlers answer late; nothing more is recorded (checked after a later full request).
    for (const release of p.release.values()) release();
    await p.answered.atLeast(3);
    await verify(p.t, p.closed, '/fast');
    expect(allRequests(p.monitor)).toEqual({ '/fast 200': 2, '/slow/:status 0': 3 });
    expect(inFlight(p.monitor)).toBe(0);
  });
});

describe('metricsMiddleware: several trackers, or one tracker twice', () => {
  it('two monitors with their own middleware on one server each count every request once', async () => {
    const a = newMonitor();
    const b = newMonitor();
    const closed = new Closed();
    const listeners: number[] = [];
    const app = express();
    app.use(metricsMiddleware(a));
    app.use(metricsMiddleware(b));
    app.use(closed.middleware);
    app.get('/users/:id', (_req, res) => {
      listeners.push(res.listenerCount('close'));
      res.send('user');
    });
    const t = await listen(app);
    const agent = keepAliveAgent();
    for (let i = 0; i < 6; i++) await get(t.port, `/users/${i}`, agent);
    for (let i = 6; i < 10; i++) await get(t.port, i % 2 === 0 ? `/users/${i}` : '/nope', false);
    await closed.atLeast(10);

    for (const monitor of [a, b]) {
      expect(allRequests(monitor)).toEqual({ '/users/:id 200': 8, 'unmatched 404': 2 });
      expect(inFlight(monitor)).toBe(0);
    }
    // The first request was a probe of each tracker (a listener from each); then neither adds one.
    expect(listeners[0]).toBe(listeners[1]! + 2);
    expect(new Set(listeners.slice(1))).toEqual(new Set([listeners[1]]));
  });

  it('a middleware mounted twice counts each request once: the probe, later ones, and pipelined ones', async () => {
    const monitor = newMonitor();
    const closed = new Closed();
    const entered = new Tally();
    const allEntered = deferred();
    const mw = metricsMiddleware(monitor);
    const app = express();
    app.use(mw);
    app.use(mw);
    app.use(closed.middleware);
    app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    app.get('/slow/:id', async (_req, res) => {
      entered.add();
      await allEntered.promise;
      res.send('slow');
    });
    const t = await listen(app);
    const agent = keepAliveAgent();
    for (let i = 0; i < 4; i++) await get(t.port, `/users/${i}`, agent);
    await get(t.port, '/users/4', false);
    await closed.atLeast(5);
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 5 });

    const client = await RawClient.open(t.port);
    client.send('/slow/1', '/slow/2', '/slow/3');
    await entered.atLeast(3);
    expect(inFlight(monitor)).toBe(3);
    allEntered.resolve();
    expect(await client.responses(3)).toEqual([200, 200, 200]);
    await closed.atLeast(8);

    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 5, '/slow/:id 200': 3 });
    expect(inFlight(monitor)).toBe(0);
  });

  it('a middleware mounted twice counts pipelined requests once on a server not yet verified', async () => {
    const monitor = newMonitor();
    const closed = new Closed();
    const entered = new Tally();
    const allEntered = deferred();
    const mw = metricsMiddleware(monitor);
    const app = express();
    app.use(mw);
    app.use(mw);
    app.use(closed.middleware);
    app.get('/slow/:id', async (_req, res) => {
      entered.add();
      await allEntered.promise;
      res.send('slow');
    });
    const t = await listen(app);

    // The server's first requests: the first is the probe and holds the connection's fields, the
    // two behind it are tracked with listeners; being neither in those fields nor in `more`, the
    // second call of the middleware must still find them already tracked.
    const client = await RawClient.open(t.port);
    client.send('/slow/1', '/slow/2', '/slow/3');
    await entered.atLeast(3);
    expect(inFlight(monitor)).toBe(3);
    allEntered.resolve();
    expect(await client.responses(3)).toEqual([200, 200, 200]);
    await closed.atLeast(3);

    expect(allRequests(monitor)).toEqual({ '/slow/:id 200': 3 });
    expect(inFlight(monitor)).toBe(0);
  });
});

describe('monitor.close()', () => {
  it('unsubscribes from the channel, and the server keeps serving, also on a connection tracked before', async () => {
    // No other tracker may be subscribed: earlier tests closed their monitors in afterEach.
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(false);
    const monitor = newMonitor();
    const closed = new Closed();
    const app = express();
    app.use(metricsMiddleware(monitor));
    app.use(closed.middleware);
    app.get('/users/:id', (_req, res) => {
      res.send('user');
    });
    const t = await listen(app);
    const agent = keepAliveAgent();
    await get(t.port, '/users/1', agent);
    await get(t.port, '/users/2', agent);
    await closed.atLeast(2);
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(true);
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 2 });

    await monitor.close();
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(false);

    // The kept-alive connection still holds the tracker's connection object; a fresh one has none.
    expect(await get(t.port, '/users/3', agent)).toBe(200);
    expect(await get(t.port, '/users/4', false)).toBe(200);
    await closed.atLeast(4);
    // Later requests go back to the listener path: nothing subscribes again.
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(false);
    expect(t.connections.count).toBe(2);
  });
});

describe('httpMetrics on a plain node:http server', () => {
  /** A server calling the hook first, answering /users/:id 200, /hang/:id when released, anything else 404. */
  async function hookServer(): Promise<{
    monitor: Monitor;
    t: Listening;
    closed: Closed;
    listeners: number[];
    hang: { entered: Deferred<Entered>; release: Deferred; answered: Deferred };
  }> {
    const monitor = newMonitor();
    const track = httpMetrics(monitor);
    const closed = new Closed();
    const listeners: number[] = [];
    const hang = { entered: deferred<Entered>(), release: deferred(), answered: deferred() };
    const t = await listen((req, res) => {
      track(req, res);
      closed.watch(res);
      if (req.url!.startsWith('/hang/')) {
        hang.entered.resolve({ socketClosed: socketClosed(req) });
        void hang.release.promise.then(() => {
          res.on('error', () => {});
          res.end('too late');
          hang.answered.resolve();
        });
        return;
      }
      if (req.url!.startsWith('/users/')) listeners.push(res.listenerCount('close'));
      res.statusCode = req.url!.startsWith('/users/') ? 200 : 404;
      res.end('x');
    });
    return { monitor, t, closed, listeners, hang };
  }

  it('labels /users/:id and counts every request once after verification, through the channel', async () => {
    const { monitor, t, closed, listeners } = await hookServer();
    const agent = keepAliveAgent();
    await get(t.port, '/users/0', agent);
    await closed.atLeast(1);
    expect(hasSubscribers(RESPONSE_FINISH)).toBe(true);

    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) statuses.push(await get(t.port, i % 4 === 0 ? `/missing/${i}` : `/users/${i}`, agent));
    for (let i = 11; i <= 20; i++) statuses.push(await get(t.port, i % 4 === 0 ? `/missing/${i}` : `/users/${i}`, false));
    await closed.atLeast(21);

    expect(statuses.filter((s) => s === 404)).toHaveLength(5);
    expect(t.connections.count).toBe(11);
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 16, '/missing/:id 404': 5 });
    expect(inFlight(monitor)).toBe(0);
    expect(listeners).toHaveLength(16);
    expect(listeners[0]).toBe(listeners[1]! + 1);
    expect(new Set(listeners.slice(1))).toEqual(new Set([listeners[1]]));
  });

  it('records an aborted request as status 0 once, and not again when it is answered late', async () => {
    const { monitor, t, closed, hang } = await hookServer();
    await verify(t, closed, '/users/1');

    const client = await RawClient.open(t.port);
    client.send('/hang/7');
    const { socketClosed: serverSocketClosed } = await hang.entered.promise;
    expect(inFlight(monitor)).toBe(1);
    client.socket.destroy();
    await serverSocketClosed;
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 1, '/hang/:id 0': 1 });
    expect(inFlight(monitor)).toBe(0);

    hang.release.resolve();
    await hang.answered.promise;
    await verify(t, closed, '/users/2');
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 2, '/hang/:id 0': 1 });
    expect(inFlight(monitor)).toBe(0);
  });
});

describe('a server whose responses never reach the channel', () => {
  /** A node:http-shaped response the test finishes itself: node publishes nothing for it. */
  class QuietResponse extends EventEmitter {
    statusCode = 200;
    writableFinished = false;

    finish(status: number): void {
      this.statusCode = status;
      this.writableFinished = true;
      this.emit('close');
    }
  }

  it('counts each request once through its own listener, keeps nothing per request, and adds nothing when the connection closes', () => {
    const monitor = newMonitor();
    const hook = httpMetrics(monitor);
    // One keep-alive connection of a server that does not publish (another runtime's node:http, say).
    const socket = Object.assign(new EventEmitter(), { server: {} });
    for (let i = 1; i <= 50; i++) {
      const res = new QuietResponse();
      hook({ method: 'GET', url: `/users/${i}`, socket } as unknown as IncomingMessage, res as unknown as ServerResponse);
      expect(inFlight(monitor)).toBe(1);
      res.finish(i % 10 === 0 ? 404 : 200);
    }
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 45, '/users/:id 404': 5 });
    expect(inFlight(monitor)).toBe(0);
    // What the tracker keeps on the connection holds no request: the 50 probes were never delivered.
    const kept = Object.getOwnPropertySymbols(socket)
      .filter((key) => key.description === 'pulsewatch.connection')
      .map((key) => (socket as unknown as Record<symbol, { req?: unknown; more?: unknown[] }>)[key]);
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ req: undefined, more: undefined });
    socket.emit('close');
    expect(allRequests(monitor)).toEqual({ '/users/:id 200': 45, '/users/:id 404': 5 });
    expect(inFlight(monitor)).toBe(0);
  });
});
