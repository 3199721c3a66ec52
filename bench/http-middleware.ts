/**
 * Overhead of request-metrics middleware on a trivial Express route (`GET /users/:id` answering
 * a short JSON), measured two ways:
 *
 * 1. Loopback: each variant's server runs in its own child process (one core) and autocannon
 *    loads it from this process (the other core). Variants alternate over the rounds, starting
 *    from a different one each round, after a warmup run each. The cost of a variant is
 *    `1e6 / rps_variant - 1e6 / rps_none` µs per request, from the median req/s. That swings
 *    with whatever else the machine runs, far more than a middleware costs, so each server
 *    also times the inside of its middleware (and of the listeners it registers, and for
 *    pulsewatch of its subscriber to node's response-finish channel) under that load, and
 *    reports its CPU time per request for scale. Separate runs still drift apart, so one more
 *    server serves pulsewatch, prom-client and no middleware side by side, a request of each in
 *    turn, and times all three over the same seconds (see {@link serveInterleaved}). The
 *    timing's own cost, measured on requests with no middleware timed the same way (see FLOOR),
 *    is taken off the figures the ratios are judged on.
 * 2. In process: the middleware alone, called with a minimal fake request and response that
 *    emits 'finish' and 'close', in a tight loop (ns/op, through bench/harness.ts). Less
 *    realistic than a socket, far less noisy; the no-middleware loop is subtracted.
 *
 * Variants: no middleware; pulsewatch `metricsMiddleware(monitor)` (default options, so it
 * also keeps the in-flight gauge the others do not); prom-client's usual pattern (a Histogram
 * and a Counter by method/route/status_code, `startTimer()` and `res.on('finish')`); the same
 * pattern on the OpenTelemetry SDK (histogram + counter, one reader).
 *
 * Standalone: `npx tsx bench/http-middleware.ts` prints the table. Run with `--serve <variant>`
 * (by this file only) it is one of the server children.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { channel, subscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Express, Request, RequestHandler, Response } from 'express';
import { Counter as PromCounter, Histogram as PromHistogram } from 'prom-client';
import { createMonitor, type Monitor } from '../src/index.js';
import { metricsMiddleware } from '../src/express.js';
import { median, runCase, type Contender } from './harness.js';
import { OTEL_SECONDS_ADVICE, otelMeter, promRegistry } from './peers.js';
import { renderText, type Section } from './report.js';

const NONE = 'none';
const PULSEWATCH = 'pulsewatch';
const PULSEWATCH_NO_GAUGE = 'pulsewatch (inFlight: false)';
const PROM = 'prom-client';
const OTEL = 'OpenTelemetry';
/**
 * No middleware, with the timing's own cost measured: an empty listener timed as the others'
 * listeners are, and two adjacent channel subscribers timed as pulsewatch's is. Its req/s is
 * not used (the timing slows it); NONE gives the baseline.
 */
const FLOOR = 'timing floor';

/** The server that serves pulsewatch, prom-client and no middleware side by side, a request each in turn. */
const INTERLEAVED = 'interleaved';
/** What the interleaved server serves: a path prefix each, two letters long. */
const INTERLEAVED_PARTS = [
  { variant: NONE, prefix: '/no' },
  { variant: PULSEWATCH, prefix: '/pw' },
  { variant: PROM, prefix: '/pr' },
] as const;
type InterleavedVariant = (typeof INTERLEAVED_PARTS)[number]['variant'];

/** Variants loaded over loopback (the in-flight-less pulsewatch is measured in process only). */
const LOOPBACK_VARIANTS = [NONE, FLOOR, PULSEWATCH, PROM, OTEL] as const;
type Variant = typeof NONE | typeof FLOOR | typeof PULSEWATCH | typeof PULSEWATCH_NO_GAUGE | typeof PROM | typeof OTEL;

const SELF = fileURLToPath(import.meta.url);
const PATH = '/users/123';

/** Options of {@link runHttpMiddlewareBench}. */
export interface HttpMiddlewareBenchOptions {
  /** Interleaved loopback rounds (default 5). */
  rounds?: number;
  /** Seconds of one measured autocannon run (default 5). */
  seconds?: number;
  /** Seconds of the warmup run each server gets first (default 3). */
  warmupSeconds?: number;
  /** autocannon connections (default 32). */
  connections?: number;
  /** Run the loopback measurement (default true; false: the in-process loop only, seconds instead of minutes). */
  loopback?: boolean;
}

/** What the bench reports: a section for bench/report.ts, plus the figures targets are judged on. */
export interface HttpMiddlewareBenchResult extends Section {
  /**
   * pulsewatch's and prom-client's cost, µs per request, from loopback req/s (median of the
   * rounds' paired costs), with the standard error of the rounds' mean cost: a cost within two
   * standard errors of zero is not told apart from the machine's noise, and gives no ratio to judge.
   */
  loopbackCostUs: { pulsewatch: number; prom: number; pulsewatchSe: number; promSe: number };
  /** pulsewatch's cost per request over prom-client's (goal <= 0.5), from the time spent inside each middleware in the servers under load. */
  inServerRatio: number;
  /** The same from the in-process loop. */
  inProcessRatio: number;
  /** The same timed in the interleaved server (a request of each in turn, one process). */
  interleavedRatio: number;
}

// ---- the middleware under test, identical in the servers and the in-process loop -----------

interface Setup {
  middleware: RequestHandler | undefined;
  /** Requests the metrics recorded (and those recorded as status 0), to check they ran. */
  recorded(): Promise<{ total: number; aborted: number } | undefined>;
  close(): Promise<void>;
}

function promPattern(): Setup {
  const registry = promRegistry();
  const labelNames = ['method', 'route', 'status_code'];
  const histogram = new PromHistogram({ name: 'http_request_duration_seconds', help: 'HTTP request duration', labelNames, registers: [registry] });
  const counter = new PromCounter({ name: 'http_requests_total', help: 'HTTP requests', labelNames, registers: [registry] });
  return {
    middleware: (req, res, next) => {
      const end = histogram.startTimer();
      res.on('finish', () => {
        const labels = { method: req.method, route: req.baseUrl + (req.route?.path ?? ''), status_code: res.statusCode };
        end(labels);
        counter.inc(labels);
      });
      next();
    },
    async recorded() {
      const values = (await counter.get()).values;
      return { total: values.reduce((sum, v) => sum + v.value, 0), aborted: 0 };
    },
    close: () => Promise.resolve(),
  };
}

function otelPattern(): Setup {
  const { meter, shutdown } = otelMeter();
  const histogram = meter.createHistogram('http.server.request.duration', { unit: 's', advice: OTEL_SECONDS_ADVICE });
  const counter = meter.createCounter('http.server.requests');
  let total = 0;
  return {
    middleware: (req, res, next) => {
      const start = performance.now();
      res.on('finish', () => {
        const attributes = { method: req.method, route: req.baseUrl + (req.route?.path ?? ''), status_code: res.statusCode };
        histogram.record((performance.now() - start) / 1000, attributes);
        counter.add(1, attributes);
        total++;
      });
      next();
    },
    recorded: () => Promise.resolve({ total, aborted: 0 }),
    close: shutdown,
  };
}

function pulsewatchSetup(inFlight: boolean): Setup {
  const monitor: Monitor = createMonitor({ service: 'bench' });
  return {
    middleware: metricsMiddleware(monitor, { inFlight }),
    recorded() {
      let total = 0;
      let aborted = 0;
      const counter = monitor.getMetric('http_requests_total');
      for (const series of counter?.index.values() ?? []) {
        const value = (series as { value: number }).value;
        total += value;
        if (series.labels['status'] === '0') aborted += value;
      }
      return Promise.resolve({ total, aborted });
    },
    close: () => monitor.close(),
  };
}

function setup(variant: Variant): Setup {
  switch (variant) {
    case NONE:
    case FLOOR:
      return { middleware: undefined, recorded: () => Promise.resolve(undefined), close: () => Promise.resolve() };
    case PULSEWATCH:
      return pulsewatchSetup(true);
    case PULSEWATCH_NO_GAUGE:
      return pulsewatchSetup(false);
    case PROM:
      return promPattern();
    case OTEL:
      return otelPattern();
  }
}

// ---- loopback: server children + autocannon -------------------------------------------------

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (
  options: { url: string; connections: number; pipelining: number; requests?: readonly { path: string }[] } & ({ duration: number } | { amount: number }),
) => Promise<AutocannonResult>;
// autocannon ships no types; this is the part of its programmatic API used here.
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

type Recorded = { total: number; aborted: number } | undefined;
/**
 * What a server process has used so far: CPU time (user + system, µs), time spent inside the
 * middleware and its listeners (µs), requests served, and where the timing's own cost is
 * measured (no middleware), the time inside an empty timed listener and between two adjacent
 * timed channel subscribers (µs, else 0).
 */
type Usage = { cpuUs: number; middlewareUs: number; served: number; listenerUs: number; channelUs: number };
type ChildMessage =
  | { type: 'listening'; port: number }
  | { type: 'recorded'; recorded: Recorded }
  | { type: 'usage'; usage: Usage }
  | { type: 'interleaved'; usage: Record<InterleavedVariant, Usage> }
  | { type: 'armed' };

interface ServerChild {
  url: string;
  recorded(): Promise<Recorded>;
  usage(): Promise<Usage>;
  /** The interleaved server's usage, by variant. */
  interleaved(): Promise<Record<InterleavedVariant, Usage>>;
  /** Starts timing what happens after pulsewatch's channel subscriber (call once it has served a request). */
  arm(): Promise<void>;
  stop(): Promise<void>;
}

/** Forks this file as the server of `variant` (same execArgv, so tsx loads it as it loaded us). */
async function startServer(variant: Variant | typeof INTERLEAVED): Promise<ServerChild> {
  const args = ['--serve', variant];
  const child: ChildProcess = fork(SELF, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const reply = (): Promise<ChildMessage> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`server child ${variant} exited with ${code}`));
      child.once('exit', onExit);
      child.once('message', (m: ChildMessage) => {
        child.off('exit', onExit);
        resolve(m);
      });
    });
  const ask = async <T extends ChildMessage['type']>(question: string, type: T): Promise<Extract<ChildMessage, { type: T }>> => {
    const answer = reply();
    child.send(question);
    const m = await answer;
    if (m.type !== type) throw new Error(`server child ${variant}: expected "${type}", got ${JSON.stringify(m)}`);
    return m as Extract<ChildMessage, { type: T }>;
  };
  const first = await reply();
  if (first.type !== 'listening') throw new Error(`server child ${variant}: expected "listening", got ${JSON.stringify(first)}`);
  return {
    url: `http://127.0.0.1:${first.port}${PATH}`,
    interleaved: async () => (await ask('usage', 'interleaved')).usage,
    recorded: async () => (await ask('recorded', 'recorded')).recorded,
    usage: async () => (await ask('usage', 'usage')).usage,
    arm: async () => void (await ask('arm', 'armed')),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

/**
 * Wraps a middleware to add the wall time spent inside it, and inside the event listeners it
 * registers while it runs, to `total.us`. The wrapping costs the same for every variant (a
 * closure per listener and two clock reads per call), so it inflates each figure alike.
 */
function timed(middleware: RequestHandler, total: { us: number }): RequestHandler {
  return (req, res, next) => {
    const on = res.on;
    res.on = function (this: Response, event: string | symbol, listener: (...args: unknown[]) => void) {
      return on.call(this, event, timedListener(listener, total));
    } as Response['on'];
    let passed = false;
    const start = performance.now();
    middleware(req, res, () => {
      passed = true;
    });
    total.us += (performance.now() - start) * 1000;
    res.on = on;
    if (passed) next();
  };
}

/** `listener`, adding the wall time inside it to `total.us`. */
function timedListener(listener: (...args: unknown[]) => void, total: { us: number }): (...args: unknown[]) => void {
  return function (this: unknown, ...args: unknown[]) {
    const start = performance.now();
    listener.apply(this, args);
    total.us += (performance.now() - start) * 1000;
  };
}

const noop = (): void => {};

/** Published by node:http when a response has finished; pulsewatch records from it. */
const RESPONSE_FINISH = 'http.server.response.finish';

/** Listens on a free loopback port and tells the parent which. */
function listenAndTell(app: Express): Server {
  const server = app.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.send!({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0 } satisfies ChildMessage);
  });
  return server;
}

/**
 * The server side: an Express 5 app with the variant's middleware wrapped by {@link timed},
 * driven over IPC. For pulsewatch the time inside its subscriber of node's response-finish
 * channel is added too: a subscriber before it reads the clock, and one after it, armed once
 * pulsewatch has subscribed (on its first request), adds the difference.
 */
async function serve(variant: Variant): Promise<void> {
  const { default: express } = await import('express');
  const s = setup(variant);
  const app = express();
  let served = 0;
  const inMiddleware = { us: 0 };
  const channelTimed = variant === PULSEWATCH || variant === PULSEWATCH_NO_GAUGE;
  let published = 0;
  const markPublished = (): void => {
    published = performance.now();
  };
  const addSubscriberTime = (): void => {
    inMiddleware.us += (performance.now() - published) * 1000;
  };
  if (channelTimed) subscribe(RESPONSE_FINISH, markPublished);
  const listenerFloor = { us: 0 };
  const channelFloor = { us: 0 };
  if (variant === FLOOR) {
    // The timing's own cost: the channel region with nothing between its two reads, and a
    // listener region around an empty listener (registered outside the timed middleware, in
    // the place a middleware's 'finish' listener takes).
    subscribe(RESPONSE_FINISH, markPublished);
    subscribe(RESPONSE_FINISH, () => {
      channelFloor.us += (performance.now() - published) * 1000;
    });
    app.use((_req, res, next) => {
      res.on('finish', timedListener(noop, listenerFloor));
      next();
    });
  }
  app.use(timed(s.middleware ?? ((_req, _res, next) => next()), inMiddleware));
  app.get('/users/:id', (req, res) => {
    served++;
    res.json({ id: req.params.id, name: 'Ada Lovelace' });
  });
  const server = listenAndTell(app);
  process.on('message', (m: string) => {
    if (m === 'recorded') {
      void s.recorded().then((recorded) => process.send!({ type: 'recorded', recorded } satisfies ChildMessage));
    } else if (m === 'arm') {
      // Subscribers run in subscription order: this one runs after pulsewatch's, subscribed on its first request.
      if (channelTimed) subscribe(RESPONSE_FINISH, addSubscriberTime);
      process.send!({ type: 'armed' } satisfies ChildMessage);
    } else if (m === 'usage') {
      const cpu = process.cpuUsage();
      const usage = { cpuUs: cpu.user + cpu.system, middlewareUs: inMiddleware.us, served, listenerUs: listenerFloor.us, channelUs: channelFloor.us };
      process.send!({ type: 'usage', usage } satisfies ChildMessage);
    } else if (m === 'stop') {
      server.closeAllConnections();
      server.close(() => void s.close().then(() => process.exit(0)));
    }
  });
}

/**
 * The interleaved server: one Express 5 app in which `/pw/users/:id` goes through pulsewatch's
 * middleware, `/pr/users/:id` through the prom-client pattern and `/no/users/:id` through none,
 * each wrapped by {@link timed}, with pulsewatch's channel subscriber timed as in {@link serve}
 * (for its own requests only). autocannon asks for the three in turn on every connection, so
 * all three are timed in the same process at the same moments: the machine's drift, which
 * moves separate runs by tens of percent, hits each alike and drops out of their ratio.
 */
async function serveInterleaved(): Promise<void> {
  const { default: express } = await import('express');
  const setups = new Map(INTERLEAVED_PARTS.map(({ variant }) => [variant, setup(variant)]));
  const totals = new Map(INTERLEAVED_PARTS.map(({ variant }) => [variant, { us: 0, served: 0 }]));
  const pw = totals.get(PULSEWATCH)!;
  // By the path's second letter: 'o' none, 'w' pulsewatch, 'r' prom-client.
  const byLetter = new Map<number, { handler: RequestHandler; total: { us: number; served: number } }>(
    INTERLEAVED_PARTS.map(({ variant, prefix }) => {
      const total = totals.get(variant)!;
      const middleware = setups.get(variant)!.middleware ?? ((_req, _res, next) => next());
      return [prefix.charCodeAt(2), { handler: timed(middleware, total), total }];
    }),
  );
  // The timing's own cost, measured on the /no requests (see FLOOR).
  const listenerFloor = { us: 0 };
  const channelFloor = { us: 0 };
  let published = 0;
  subscribe(RESPONSE_FINISH, () => {
    published = performance.now();
  });
  // Next in line, before pulsewatch's subscriber (subscribed on its first request): for a /no
  // request the time since the read above is the channel region with nothing in it; for the
  // others, pulsewatch's region starts at this read.
  subscribe(RESPONSE_FINISH, (message) => {
    const now = performance.now();
    if ((message as { request: Request }).request.url.charCodeAt(2) === NO_LETTER) channelFloor.us += (now - published) * 1000;
    else published = now;
  });
  const app = express();
  app.use((req, res, next) => {
    const letter = req.url.charCodeAt(2);
    const part = byLetter.get(letter)!;
    part.total.served++;
    // Outside the timed middleware, in the place prom-client's listener takes.
    if (letter === NO_LETTER) res.on('finish', timedListener(noop, listenerFloor));
    part.handler(req, res, next);
  });
  for (const { prefix } of INTERLEAVED_PARTS) {
    app.get(`${prefix}/users/:id`, (req, res) => {
      res.json({ id: req.params.id, name: 'Ada Lovelace' });
    });
  }
  const server = listenAndTell(app);
  process.on('message', (m: string) => {
    if (m === 'arm') {
      // After pulsewatch's subscriber, which subscribed on its first request.
      subscribe(RESPONSE_FINISH, (message) => {
        const d = (performance.now() - published) * 1000;
        if ((message as { request: Request }).request.url.charCodeAt(2) === 119) pw.us += d;
      });
      process.send!({ type: 'armed' } satisfies ChildMessage);
    } else if (m === 'usage') {
      const floor = (v: InterleavedVariant): { listenerUs: number; channelUs: number } =>
        v === NONE ? { listenerUs: listenerFloor.us, channelUs: channelFloor.us } : { listenerUs: 0, channelUs: 0 };
      const usage = Object.fromEntries([...totals].map(([v, t]) => [v, { cpuUs: 0, middlewareUs: t.us, served: t.served, ...floor(v) }])) as Record<InterleavedVariant, Usage>;
      process.send!({ type: 'interleaved', usage } satisfies ChildMessage);
    } else if (m === 'stop') {
      server.closeAllConnections();
      server.close(() => void Promise.all([...setups.values()].map((x) => x.close())).then(() => process.exit(0)));
    }
  });
}

/** The third character of the interleaved server's no-middleware paths ('/no...'). */
const NO_LETTER = 'o'.charCodeAt(0);

/** The paths autocannon cycles through on the interleaved server. */
const INTERLEAVED_REQUESTS = INTERLEAVED_PARTS.map(({ prefix }) => ({ path: `${prefix}${PATH}` }));

async function load(url: string, seconds: number, connections: number, requests?: readonly { path: string }[]): Promise<AutocannonResult> {
  const result = await autocannon({ url, connections, duration: seconds, pipelining: 1, ...(requests ? { requests } : {}) });
  if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0) {
    throw new Error(`autocannon ${url}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  return result;
}

interface LoopbackResult {
  /** req/s of each round, in round order. */
  rps: number[];
  /** Server CPU µs per request of each round. */
  cpuUs: number[];
  /** µs per request spent inside the middleware and its listeners, each round. */
  middlewareUs: number[];
  /** µs per request inside the empty timed listener, and between the two adjacent timed channel subscribers, each round (FLOOR only, else 0). */
  listenerUs: number[];
  channelUs: number[];
  sent: number;
  recorded: Recorded;
}

async function loopback(o: Required<HttpMiddlewareBenchOptions>, progress: (m: string) => void): Promise<Map<Variant, LoopbackResult>> {
  const servers = new Map<Variant, ServerChild>();
  const out = new Map<Variant, LoopbackResult>();
  try {
    for (const v of LOOPBACK_VARIANTS) {
      servers.set(v, await startServer(v));
      out.set(v, { rps: [], cpuUs: [], middlewareUs: [], listenerUs: [], channelUs: [], sent: 0, recorded: undefined });
    }
    for (const v of LOOPBACK_VARIANTS) {
      progress(`warmup ${v} (${o.warmupSeconds} s)`);
      out.get(v)!.sent += (await load(servers.get(v)!.url, o.warmupSeconds, o.connections)).requests.total;
    }
    for (const v of LOOPBACK_VARIANTS) await servers.get(v)!.arm();
    for (let round = 0; round < o.rounds; round++) {
      for (let k = 0; k < LOOPBACK_VARIANTS.length; k++) {
        const v = LOOPBACK_VARIANTS[(round + k) % LOOPBACK_VARIANTS.length]!;
        const server = servers.get(v)!;
        const result = out.get(v)!;
        const before = await server.usage();
        const r = await load(server.url, o.seconds, o.connections);
        const after = await server.usage();
        const served = after.served - before.served;
        const cpuUs = (after.cpuUs - before.cpuUs) / served;
        const middlewareUs = (after.middlewareUs - before.middlewareUs) / served;
        result.rps.push(r.requests.average);
        result.cpuUs.push(cpuUs);
        result.middlewareUs.push(middlewareUs);
        result.listenerUs.push((after.listenerUs - before.listenerUs) / served);
        result.channelUs.push((after.channelUs - before.channelUs) / served);
        result.sent += r.requests.total;
        progress(`round ${round + 1}/${o.rounds} ${v}: ${Math.round(r.requests.average)} req/s, server ${cpuUs.toFixed(1)} µs CPU/req, ${middlewareUs.toFixed(2)} µs in the middleware`);
      }
    }
    for (const v of LOOPBACK_VARIANTS) out.get(v)!.recorded = await servers.get(v)!.recorded();
    return out;
  } finally {
    for (const server of servers.values()) await server.stop();
  }
}

/** What the interleaved server measured, one figure a round. */
interface InterleavedResult {
  /** µs per request inside each variant's middleware and its listeners (pulsewatch: and its channel subscriber). */
  us: Map<InterleavedVariant, number[]>;
  /** µs per /no request inside an empty timed listener, and between two adjacent timed channel subscribers. */
  listenerFloorUs: number[];
  channelFloorUs: number[];
}

/** Runs the interleaved server through the rounds. */
async function interleaved(o: Required<HttpMiddlewareBenchOptions>, progress: (m: string) => void): Promise<InterleavedResult> {
  const server = await startServer(INTERLEAVED);
  const out = new Map<InterleavedVariant, number[]>(INTERLEAVED_PARTS.map(({ variant }) => [variant, []]));
  const listenerFloorUs: number[] = [];
  const channelFloorUs: number[] = [];
  try {
    const origin = new URL(server.url).origin;
    progress(`warmup interleaved (${o.warmupSeconds} s)`);
    await load(origin, o.warmupSeconds, o.connections, INTERLEAVED_REQUESTS);
    await server.arm();
    for (let round = 0; round < o.rounds; round++) {
      const before = await server.interleaved();
      const r = await load(origin, o.seconds, o.connections, INTERLEAVED_REQUESTS);
      const after = await server.interleaved();
      const line: string[] = [];
      for (const { variant } of INTERLEAVED_PARTS) {
        const us = (after[variant].middlewareUs - before[variant].middlewareUs) / (after[variant].served - before[variant].served);
        out.get(variant)!.push(us);
        line.push(`${variant} ${us.toFixed(2)}`);
      }
      const none = (f: 'listenerUs' | 'channelUs'): number => (after[NONE][f] - before[NONE][f]) / (after[NONE].served - before[NONE].served);
      listenerFloorUs.push(none('listenerUs'));
      channelFloorUs.push(none('channelUs'));
      line.push(`floors: listener ${none('listenerUs').toFixed(2)}, channel ${none('channelUs').toFixed(2)}`);
      progress(`interleaved round ${round + 1}/${o.rounds}: ${Math.round(r.requests.average)} req/s, µs in the middleware: ${line.join(', ')}`);
    }
    return { us: out, listenerFloorUs, channelFloorUs };
  } finally {
    await server.stop();
  }
}

// ---- in process: the middleware alone ---------------------------------------------------------

/** What node:http adds to every response before the app sees it. */
function serverOwnFinish(): void {}

/** A response with what the middleware touches: events, statusCode, writableFinished. */
class FakeResponse extends EventEmitter {
  statusCode = 200;
  writableFinished = false;
  constructor() {
    super();
    // node:http registers its own 'finish' listener first, so the middleware's is a second one.
    this.on('finish', serverOwnFinish);
  }
}

const fakeRequest = {
  method: 'GET',
  url: PATH,
  originalUrl: PATH,
  path: PATH,
  baseUrl: '',
  params: { id: '123' },
  route: { path: '/users/:id' },
} as unknown as Request;

const next = (): void => {};

/** What node:http passes to the response-finish channel: the server a connection belongs to. */
const fakeServer = {};

/** A keep-alive connection: pulsewatch keeps a request's start on it and listens for its 'close'. */
class FakeSocket extends EventEmitter {
  readonly server = fakeServer;
}

/** A request on a connection of its own, for one pulsewatch loop. */
function requestOnSocket(): { req: Request; socket: FakeSocket } {
  const socket = new FakeSocket();
  return { req: { ...fakeRequest, socket } as unknown as Request, socket };
}

const finishChannel = channel(RESPONSE_FINISH);

/**
 * One timed loop per contender, written out rather than built by a factory: closures from one
 * literal share type feedback, and the middleware call site would go megamorphic.
 */
function inProcessContenders(setups: ReadonlyMap<Variant, Setup>): Contender[] {
  const none = setups.get(NONE)!.middleware ?? ((_req, _res, n) => n());
  const pw = setups.get(PULSEWATCH)!.middleware!;
  const pwNoGauge = setups.get(PULSEWATCH_NO_GAUGE)!.middleware!;
  const prom = setups.get(PROM)!.middleware!;
  const otel = setups.get(OTEL)!.middleware!;
  return [
    {
      name: NONE,
      run: (ops) => {
        let s = 0;
        for (let i = 0; i < ops; i++) {
          const res = new FakeResponse();
          none(fakeRequest, res as unknown as Response, next);
          res.writableFinished = true;
          res.emit('finish');
          res.emit('close');
          s += res.statusCode;
        }
        return s;
      },
    },
    {
      name: PULSEWATCH,
      run: (ops) => {
        let s = 0;
        const { req, socket } = requestOnSocket();
        for (let i = 0; i < ops; i++) {
          const res = new FakeResponse();
          pw(req, res as unknown as Response, next);
          res.writableFinished = true;
          // What node:http does first when a response finishes, in a process with a subscriber.
          if (finishChannel.hasSubscribers) finishChannel.publish({ request: req, response: res, socket, server: fakeServer });
          res.emit('finish');
          res.emit('close');
          s += res.statusCode;
        }
        return s;
      },
    },
    {
      name: PULSEWATCH_NO_GAUGE,
      run: (ops) => {
        let s = 0;
        const { req, socket } = requestOnSocket();
        for (let i = 0; i < ops; i++) {
          const res = new FakeResponse();
          pwNoGauge(req, res as unknown as Response, next);
          res.writableFinished = true;
          // What node:http does first when a response finishes, in a process with a subscriber.
          if (finishChannel.hasSubscribers) finishChannel.publish({ request: req, response: res, socket, server: fakeServer });
          res.emit('finish');
          res.emit('close');
          s += res.statusCode;
        }
        return s;
      },
    },
    {
      name: PROM,
      run: (ops) => {
        let s = 0;
        for (let i = 0; i < ops; i++) {
          const res = new FakeResponse();
          prom(fakeRequest, res as unknown as Response, next);
          res.writableFinished = true;
          res.emit('finish');
          res.emit('close');
          s += res.statusCode;
        }
        return s;
      },
    },
    {
      name: OTEL,
      run: (ops) => {
        let s = 0;
        for (let i = 0; i < ops; i++) {
          const res = new FakeResponse();
          otel(fakeRequest, res as unknown as Response, next);
          res.writableFinished = true;
          res.emit('finish');
          res.emit('close');
          s += res.statusCode;
        }
        return s;
      },
    },
  ];
}

async function inProcess(): Promise<Map<string, number>> {
  const variants: Variant[] = [NONE, PULSEWATCH, PULSEWATCH_NO_GAUGE, PROM, OTEL];
  const setups = new Map(variants.map((v) => [v, setup(v)]));
  try {
    const results = await runCase(inProcessContenders(setups));
    return new Map(results.map((r) => [r.name, 1e9 / r.median]));
  } finally {
    for (const s of setups.values()) await s.close();
  }
}

// ---- report -----------------------------------------------------------------------------------

const fixed = (v: number, digits: number): string => v.toFixed(digits);

/** What one performance.now() costs here, in a warm loop (ns): the timing's own share of each figure. */
function clockReadNs(): number {
  const reads = 1_000_000;
  let sink = 0;
  const start = performance.now();
  for (let i = 0; i < reads; i++) sink += performance.now();
  const ns = ((performance.now() - start) * 1e6) / reads;
  // Read sink so the loop is not dropped as dead code.
  return sink === -1 ? Number.NaN : ns;
}
const int = (v: number): string => Math.round(v).toLocaleString('en-US');

/** Runs both measurements and returns the section (about 2 min with the defaults). */
export async function runHttpMiddlewareBench(options: HttpMiddlewareBenchOptions = {}): Promise<HttpMiddlewareBenchResult> {
  const o: Required<HttpMiddlewareBenchOptions> = { rounds: 5, seconds: 5, warmupSeconds: 3, connections: 32, loopback: true, ...options };
  const progress = (m: string): void => void process.stderr.write(`[bench http] ${m}\n`);

  const net = o.loopback ? await loopback(o, progress) : new Map<Variant, LoopbackResult>();
  const mixed = o.loopback ? await interleaved(o, progress) : undefined;
  progress('in-process loop');
  const nsPerOp = await inProcess();

  // NaN when a part did not run; those cells then show '-'.
  // Paired by round: each round's cost against the no-middleware run of the same round, so a
  // drift of the machine over the minutes of the run cancels out; then the median.
  const roundCosts = (v: Variant): number[] => {
    const n = net.get(v);
    const none = net.get(NONE);
    return n === undefined || none === undefined ? [] : n.rps.map((rps, round) => 1e6 / rps - 1e6 / none.rps[round]!);
  };
  const costUs = (v: Variant): number => median(roundCosts(v));
  /** Standard error of the mean of the rounds' costs. */
  const costSe = (v: Variant): number => {
    const c = roundCosts(v);
    if (c.length < 2) return Number.NaN;
    const mean = c.reduce((a, b) => a + b, 0) / c.length;
    return Math.sqrt(c.reduce((a, b) => a + (b - mean) ** 2, 0) / (c.length - 1) / c.length);
  };
  const cpuOf = (v: Variant): number => {
    const n = net.get(v);
    return n === undefined ? Number.NaN : median(n.cpuUs);
  };
  const inServerUs = (v: Variant): number => {
    const n = net.get(v);
    return n === undefined ? Number.NaN : median(n.middlewareUs);
  };
  // The timing's own cost in a variant's two regions, per round: the middleware region (an
  // empty middleware, timed), plus the channel region with nothing in it for pulsewatch, or an
  // empty listener's region for the others. Their figures less it are what the middleware costs.
  const floorRounds = (v: Variant, middleware: number[], listener: number[], channel: number[]): number[] =>
    middleware.map((us, round) => us + (v === PULSEWATCH ? channel[round]! : listener[round]!));
  const floor = net.get(FLOOR);
  /** A variant's in-server figure less the timing floor, per round (the floor server's run of the same round). */
  const inServerNetRounds = (v: Variant): number[] => {
    const n = net.get(v);
    if (n === undefined || floor === undefined) return [];
    const floors = floorRounds(v, floor.middlewareUs, floor.listenerUs, floor.channelUs);
    return n.middlewareUs.map((us, round) => us - floors[round]!);
  };
  const inServerNetUs = (v: Variant): number => median(inServerNetRounds(v));
  // Paired by round, as the req/s costs are: the machine's load moves every in-server figure of a
  // round alike (by 50% and more between rounds), and the variants of a round run a few seconds apart.
  const inServerNetRatio = (v: Variant): number => {
    const prom = inServerNetRounds(PROM);
    return median(inServerNetRounds(v).map((us, round) => us / prom[round]!));
  };
  const netNs = (v: Variant): number => nsPerOp.get(v)! - nsPerOp.get(NONE)!;
  const loopbackRatio = costUs(PULSEWATCH) / costUs(PROM);
  const inServerRatio = inServerNetRatio(PULSEWATCH);
  const interleavedGross = (v: InterleavedVariant): number[] => mixed?.us.get(v) ?? [];
  // Paired by round (all three were timed over the same seconds).
  const interleavedNet = (v: typeof PULSEWATCH | typeof PROM): number[] => {
    const floors = mixed === undefined ? [] : floorRounds(v, interleavedGross(NONE), mixed.listenerFloorUs, mixed.channelFloorUs);
    return interleavedGross(v).map((us, round) => us - floors[round]!);
  };
  const pwNet = interleavedNet(PULSEWATCH);
  const prNet = interleavedNet(PROM);
  const interleavedRatio = median(pwNet.map((us, round) => us / prNet[round]!));
  const inProcessRatio = netNs(PULSEWATCH) / netNs(PROM);
  const cell = (value: number, digits: number, suffix = ''): string => (Number.isFinite(value) ? `${fixed(value, digits)}${suffix}` : '-');

  const rows = ([NONE, FLOOR, PULSEWATCH, PULSEWATCH_NO_GAUGE, PROM, OTEL] as const).map((v) => {
    const n = net.get(v);
    const base = v === NONE || v === FLOOR;
    const inProcess = nsPerOp.get(v);
    return [
      v,
      n === undefined ? '-' : int(median(n.rps)),
      n === undefined ? '-' : `${int(Math.min(...n.rps))} - ${int(Math.max(...n.rps))}`,
      base || n === undefined ? '-' : `${cell(costUs(v), 2)} ± ${cell(costSe(v), 2)}`,
      cell(cpuOf(v), 1),
      v === FLOOR || n === undefined ? '-' : cell(inServerUs(v), 2),
      base ? '-' : cell(inServerNetUs(v), 2),
      base ? '-' : cell(inServerNetRatio(v), 2, 'x'),
      v === NONE || v === PULSEWATCH || v === PROM ? cell(median(interleavedGross(v)), 2) : '-',
      v === PULSEWATCH || v === PROM ? cell(median(interleavedNet(v)), 2) : '-',
      inProcess === undefined ? '-' : fixed(inProcess, 0),
      base || inProcess === undefined ? '-' : fixed(netNs(v), 0),
      base || inProcess === undefined ? '-' : cell(netNs(v) / netNs(PROM), 2, 'x'),
    ];
  });
  const floorNote = (where: string, middleware: number[], listener: number[], channel: number[]): string =>
    `${where}: middleware region ${cell(median(middleware), 2)}, listener region ${cell(median(listener), 2)}, channel region ${cell(median(channel), 2)}`;

  // autocannon counts the responses completed within its runs; the servers also record the
  // ones still in flight when a run stops (up to one per connection per run).
  const check = (v: Variant): string => {
    const n = net.get(v)!;
    return `${v} ${int(n.recorded?.total ?? 0)} (${n.recorded?.aborted ?? 0} as status 0; autocannon counted ${int(n.sent)})`;
  };
  const notes = o.loopback
    ? [
        `Loopback: each server in its own process, autocannon (${o.connections} connections, no pipelining) in this one; ${o.rounds} alternating rounds of ${o.seconds} s after a ${o.warmupSeconds} s warmup each; median req/s.`,
        'cost µs/req = 1e6 / req/s - 1e6 / req/s of the no-middleware run of the same round, median over rounds, ± the standard error of their mean. Loopback req/s moves by 10% and more between runs on a shared VM, far more than a middleware costs, so these costs are noise-level: a cost within two standard errors of zero is not told apart from the noise.',
        "server CPU µs/req: the server process's user + system CPU time over a run divided by the requests it served (median over rounds): what a whole request costs.",
        `in-server µs/req: wall time inside the middleware and the listeners it registers, and for pulsewatch inside its subscriber of node's http.server.response.finish channel, timed in the server under load (median over rounds). Realistic (caches are as cold as between real requests) but a wall clock: it moves with the machine's load. Each variant is timed in two regions (the middleware, and its listener or, for pulsewatch, its channel subscriber), and each region includes about one clock read (${fixed(clockReadNs(), 0)} ns on this host, performance.now() in a warm loop; more when cold), so every figure carries about two of them: cold, each costs far more than that.`,
        `in-server net µs/req: the same less the timing's own cost (median over rounds of each round's figure less the floor of that round), timed in a server of its own with no middleware (the "${FLOOR}" row; its req/s is not the baseline): a middleware timed with nothing in it, plus for pulsewatch a channel region with nothing between its two subscribers, and for the others an empty listener timed as theirs are. Timing floor µs/req, ${floorNote('separate server', floor?.middlewareUs ?? [], floor?.listenerUs ?? [], floor?.channelUs ?? [])}. Without it a ratio is pulled towards 1 by what both figures carry alike. in-server net vs prom-client: the median of the rounds' ratios, as for the req/s costs: the machine's load moves all of a round's figures alike, by half and more between rounds.`,
        `interleaved µs/req: the same timing in one server that serves pulsewatch (/pw/users/:id), prom-client (/pr/users/:id) and no middleware (/no/users/:id) side by side, autocannon asking for the three in turn on each connection (${o.rounds} rounds of ${o.seconds} s); timed over the same seconds, the three see the same machine, so the machine's drift between separate runs drops out; what is left varies from round to round (by which requests' data a request finds still cached), so the rounds' ratios still spread by about ±0.1; and pulsewatch's channel subscriber also runs (returning early) for the other two's requests, which keeps its code warmer than in a server of its own. Median over rounds. interleaved net µs/req: less the timing's own cost, measured on the /no requests of the same round as in the "${FLOOR}" server (${floorNote('median', interleavedGross(NONE), mixed?.listenerFloorUs ?? [], mixed?.channelFloorUs ?? [])}); the ratio is the median of the rounds' ratios of net figures. pulsewatch cost / prom-client cost there: ${cell(interleavedRatio, 2)} (of the gross figures: ${cell(median(interleavedGross(PULSEWATCH).map((us, round) => us / interleavedGross(PROM)[round]!)), 2)}).`,
      ]
    : ['Loopback measurement skipped (loopback: false).'];
  notes.push(
    'In process: the middleware alone with a fake request and response (an EventEmitter with the one "finish" listener node:http adds), 5 rounds through bench/harness.ts; net = minus the no-middleware loop. The pulsewatch loops also publish to the response-finish channel as node:http does (on a fake keep-alive connection); the others do not, as node publishes nothing without a subscriber.',
    'pulsewatch runs with default options, so it also keeps http_requests_in_flight; the prom-client and OpenTelemetry patterns keep no gauge.',
  );
  notes.push(
    `pulsewatch cost / prom-client cost (goal <= 0.5): ${cell(interleavedRatio, 2)} timed in the interleaved server, ${cell(inServerRatio, 2)} timed in separate servers (both net of the timing), ${cell(loopbackRatio, 2)} from req/s, ${cell(inProcessRatio, 2)} in process.`,
  );
  if (o.loopback) notes.push(`Requests recorded by the servers' metrics: ${[check(PULSEWATCH), check(PROM), check(OTEL)].join('; ')}.`);
  return {
    title: 'HTTP middleware overhead (Express 5, GET /users/:id)',
    notes,
    table: {
      headers: [
        'variant',
        'req/s (median)',
        'min - max',
        'cost µs/req',
        'server CPU µs/req',
        'in-server µs/req',
        'in-server net µs/req',
        'in-server net vs prom-client',
        'interleaved µs/req',
        'interleaved net µs/req',
        'in-process ns/op',
        'net ns/op',
        'in-process net vs prom-client',
      ],
      rows,
    },
    loopbackCostUs: { pulsewatch: costUs(PULSEWATCH), prom: costUs(PROM), pulsewatchSe: costSe(PULSEWATCH), promSe: costSe(PROM) },
    inServerRatio,
    inProcessRatio,
    interleavedRatio,
  };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain && process.argv[2] === '--serve') {
  (process.argv[3] === INTERLEAVED ? serveInterleaved() : serve(process.argv[3] as Variant)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
} else if (isMain) {
  runHttpMiddlewareBench()
    .then((section) => process.stdout.write(`${renderText([section])}\n`))
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
