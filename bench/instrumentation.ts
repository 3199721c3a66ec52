/**
 * Overhead of pulsewatch's instrumentation (issue 19 item 3) against the same calls made
 * without it. Standalone: `npx tsx bench/instrumentation.ts` (needs the test PostgreSQL at
 * 127.0.0.1:5432/test and Redis at 127.0.0.1:6379, or PULSEWATCH_TEST_PG).
 *
 * Method, fixed before any result was seen:
 * 1. Real calls, sequential (one in flight, so the figure is latency, not throughput):
 *    - pg: `SELECT 1` on a checked-out client of a pool of one connection; instrumented =
 *      a second pool of one connection under `instrumentPg` (both pools stay open all run);
 *    - ioredis: `GET` of an existing key; instrumented = a second connection under
 *      `instrumentRedis`;
 *    - fetch: `GET /` of a node:http server in a child process (so its CPU is not this
 *      loop's), answering a 2-byte body read in full; instrumented = `timedFetch(monitor, fetch)`.
 *    Each round runs OPS calls of the plain variant and OPS of the instrumented one, the order
 *    alternating between rounds, after WARMUP calls of each. Figures: the median over ROUNDS of
 *    µs per call for each, and the median of the per-round differences (instrumented - plain).
 *    The network round trip swings far more than the instrumentation costs, so:
 * 2. Instrumentation alone: the same wrappers around a target that answers at once (a fake pg
 *    client whose query returns a resolved promise, a fake ioredis client settling the command
 *    in sendCommand, a fake fetch resolving `{ status: 200 }`), in the same alternating rounds;
 *    the difference is what instrumenting adds to every call, in ns.
 * The load average (1 min) is printed before and after each case: other work on the machine
 * moves the real-call figures by more than the differences measured.
 * 3. (Added 2026-12-07, fixed before that run.) Beside wall time, each round also takes this
 *    process's CPU time (`process.cpuUsage()`, user + system) per call: what the instrumentation
 *    costs is CPU in this process, and CPU time does not count the time spent waiting for the
 *    server or for a core other processes hold, so it is far less moved by the machine's load.
 *    Reported as medians over the rounds, with the ratio instrumented / plain of each median.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createMonitor } from '../src/index.js';
import { instrumentPg } from '../src/integrations/instrument/pg.js';
import { instrumentRedis } from '../src/integrations/instrument/redis.js';
import { timedFetch } from '../src/integrations/instrument/fetch.js';
import { median } from './harness.js';

const ROUNDS = 11;
const PG_URL = process.env.PULSEWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = 'redis://127.0.0.1:6379';

type Call = () => Promise<unknown>;

interface Row {
  name: string;
  unit: 'µs' | 'ns';
  plain: number;
  instrumented: number;
  diff: number;
  /** This process's CPU time per call (same unit), medians over the rounds. */
  cpuPlain: number;
  cpuInstrumented: number;
  load: string;
}

/** Wall and CPU time per call, in ms. */
interface Timing {
  wall: number;
  cpu: number;
}

const load = (): string => loadavg()[0]!.toFixed(2);

async function timeCalls(call: Call, ops: number): Promise<Timing> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < ops; i++) await call();
  const wall = (performance.now() - t0) / ops;
  const c = process.cpuUsage(c0);
  return { wall, cpu: (c.user + c.system) / 1000 / ops };
}

/** Alternating rounds of `plain` and `instrumented`: per-call times in ms, medians and the median difference. */
async function compare(name: string, unit: Row['unit'], plain: Call, instrumented: Call, ops: number, warmup: number): Promise<Row> {
  const before = load();
  await timeCalls(plain, warmup);
  await timeCalls(instrumented, warmup);
  const p: number[] = [];
  const q: number[] = [];
  const d: number[] = [];
  const cp: number[] = [];
  const cq: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let a: Timing;
    let b: Timing;
    if (r % 2 === 0) {
      a = await timeCalls(plain, ops);
      b = await timeCalls(instrumented, ops);
    } else {
      b = await timeCalls(instrumented, ops);
      a = await timeCalls(plain, ops);
    }
    p.push(a.wall);
    q.push(b.wall);
    d.push(b.wall - a.wall);
    cp.push(a.cpu);
    cq.push(b.cpu);
  }
  const scale = unit === 'µs' ? 1e3 : 1e6;
  return { name, unit, plain: median(p) * scale, instrumented: median(q) * scale, diff: median(d) * scale, cpuPlain: median(cp) * scale, cpuInstrumented: median(cq) * scale, load: `${before} -> ${load()}` };
}

function fakePgClient(): { query: (text: string) => Promise<{ rows: unknown[] }> } {
  const result = { rows: [] };
  return { query: (_text: string) => Promise.resolve(result) };
}

function fakeRedisClient(): { sendCommand: (command: { resolve: (v: unknown) => void; promise: Promise<unknown> }) => Promise<unknown> } {
  return {
    sendCommand(command) {
      command.resolve('v');
      return command.promise;
    },
  };
}

/** An ioredis-like command: a name, a promise, and the functions that settle it. */
function command(): { name: string; resolve: (v: unknown) => void; reject: (e: unknown) => void; promise: Promise<unknown> } {
  const c = { name: 'get' } as { name: string; resolve: (v: unknown) => void; reject: (e: unknown) => void; promise: Promise<unknown> };
  c.promise = new Promise((resolve, reject) => {
    c.resolve = resolve;
    c.reject = reject;
  });
  return c;
}

async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (m) => resolve(m as number)));
  return { url: `http://127.0.0.1:${port}/`, child };
}

function serve(): void {
  const server = createServer((_req, res) => res.end('ok'));
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!((server.address() as AddressInfo).port));
}

function render(rows: Row[]): string {
  const lines = [
    'case | wall: plain | instrumented | ratio | added (median of rounds) | CPU: plain | instrumented | ratio | added | load 1m before -> after',
    '---|---|---|---|---|---|---|---|---|---',
  ];
  const n = (v: number, unit: Row['unit']): string => `${v.toFixed(unit === 'µs' ? 1 : 0)} ${unit}`;
  for (const r of rows) {
    lines.push(
      [r.name, n(r.plain, r.unit), n(r.instrumented, r.unit), (r.instrumented / r.plain).toFixed(2), n(r.diff, r.unit), n(r.cpuPlain, r.unit), n(r.cpuInstrumented, r.unit), (r.cpuInstrumented / r.cpuPlain).toFixed(2), n(r.cpuInstrumented - r.cpuPlain, r.unit), r.load].join(' | '),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const monitor = createMonitor({ service: 'bench' });
  const rows: Row[] = [];

  // 2. Instrumentation alone, first, on a quiet heap.
  const plainPg = fakePgClient();
  const timedPg = fakePgClient();
  instrumentPg(monitor, timedPg, { name: 'fake' });
  rows.push(await compare('pg query, instrumentation alone', 'ns', () => plainPg.query('SELECT 1'), () => timedPg.query('SELECT 1'), 200_000, 50_000));
  const plainRedis = fakeRedisClient();
  const timedRedis = fakeRedisClient();
  instrumentRedis(monitor, timedRedis, { name: 'fake' });
  rows.push(await compare('ioredis command, instrumentation alone', 'ns', () => plainRedis.sendCommand(command()), () => timedRedis.sendCommand(command()), 200_000, 50_000));
  const response = { status: 200 };
  const fakeFetch = async (_url: string): Promise<{ status: number }> => response;
  const timedFake = timedFetch(monitor, fakeFetch);
  rows.push(await compare('fetch, instrumentation alone', 'ns', () => fakeFetch('https://api.example.com/v1/x'), () => timedFake('https://api.example.com/v1/x'), 100_000, 20_000));

  // 1. Real calls.
  const poolA = new pg.Pool({ connectionString: PG_URL, max: 1 });
  const poolB = new pg.Pool({ connectionString: PG_URL, max: 1 });
  instrumentPg(monitor, poolB, { name: 'bench' });
  const [clientA, clientB] = await Promise.all([poolA.connect(), poolB.connect()]);
  rows.push(await compare('pg SELECT 1 (real, sequential)', 'µs', () => clientA.query('SELECT 1'), () => clientB.query('SELECT 1'), 2_000, 500));
  clientA.release();
  clientB.release();
  await Promise.all([poolA.end(), poolB.end()]);

  const key = `pulsewatch-bench:${process.pid}`;
  const redisA = new Redis(REDIS_URL);
  const redisB = new Redis(REDIS_URL);
  await redisA.set(key, 'v');
  await redisB.ping();
  instrumentRedis(monitor, redisB, { name: 'bench' });
  rows.push(await compare('ioredis GET (real, sequential)', 'µs', () => redisA.get(key), () => redisB.get(key), 4_000, 1_000));
  await redisA.del(key);
  redisA.disconnect();
  redisB.disconnect();

  const { url, child } = await startServer();
  const timed = timedFetch(monitor, globalThis.fetch);
  rows.push(
    await compare('fetch GET, 2-byte body (real, sequential, server in a child)', 'µs', async () => (await fetch(url)).text(), async () => (await timed(url)).text(), 1_000, 300),
  );
  child.kill();
  await monitor.close();

  console.log(`\nInstrumentation overhead (${ROUNDS} alternating rounds, node ${process.version})\n`);
  console.log(render(rows));
}

if (process.argv.includes('--serve')) serve();
else await main();
