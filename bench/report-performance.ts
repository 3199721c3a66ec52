/**
 * A 30-day performance report over stored rollups of 100 series (issue 18: < 500 ms), from
 * real PostgreSQL and Redis. Run directly: `npx tsx bench/report-performance.ts` (not part of
 * `npm run bench`, which rewrites docs/performance.md).
 *
 * Method (fixed before the first run):
 * - `http_request_duration_seconds{route,method,status}`: 100 series, one rollup per series and
 *   hour-long slot (`histogram.slotLength: '1h'`: 30 days of 30 s slots would be 8.6 M rollups
 *   per 100 series, more than any store returns in 500 ms) over 60 days, because the report
 *   reads the previous 30 days too for its trends: 144,000 rollups, written once by instance
 *   `bench-writer` straight to the store. Every rollup has its own HDR histogram (50 latencies,
 *   compressed V2 base64 as the recorder writes them), so nothing is decoded once for many.
 * - The store: PostgreSQL in a throwaway schema `b_report_<hex>`, Redis under a throwaway
 *   prefix `b-report:<uuid>:`, both with a 90-day retention; dropped or deleted afterwards.
 * - Each run: a fresh reader monitor (its own instance id, empty decode cache: a first report)
 *   on a ManualClock at the end of the data, `generatePerformanceReport({ period: 'monthly',
 *   metrics: [name] })` timed from call to answer; then the same monitor's second report
 *   (warm: the decode cache holds what fit, 100,000 of the 144,000). 1 warm-up run, then 7
 *   runs per store, back to back; median and max; the store read alone (`queryRollups` of the
 *   same range) timed beside it; load average before and after.
 * - Compacted (added 2026-12-07, beside the figures above, which it leaves as they were): after
 *   those runs, the same data is compacted as a monitor does it (`compaction: true`: hours after
 *   a day, days after three days): a monitor with that option on a ManualClock at the end of the
 *   data is moved one 10-minute tick at a time, each tick awaited (`monitor.idle()`), until a tick
 *   changes nothing; its runs' wall and CPU time are reported. Then the same 1 + 7 runs of the same
 *   report. The data ends on a UTC midnight (not the current hour as before), so the report's
 *   bounds fall on the bounds of compacted days and both cases count the same observations (the
 *   check below). Report CPU time (`process.cpuUsage`, this process only: the store server's
 *   time is in the wall time) is given beside wall time, since the machine is shared.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createMonitor, type StorageAdapter } from '../src/index.js';
import { PostgresStorage } from '../src/postgres.js';
import { RedisStorage } from '../src/redis.js';
import type { Rollup } from '../src/storage/contract.js';
import { ManualClock } from '../src/testing.js';

const PG_URL = process.env.PULSEWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.PULSEWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NAME = 'http_request_duration_seconds';
const SERIES = 100;
const HOUR = 3_600_000;
/** Days the report covers (its previous period as long again is written too); B_REPORT_DAYS overrides it for a smaller trial. */
const PERIOD_DAYS = Number(process.env.B_REPORT_DAYS ?? 30);
const DAYS = 2 * PERIOD_DAYS;
const SLOTS = DAYS * 24;
const RUNS = Number(process.env.B_REPORT_RUNS ?? 7);
/** Warm-up runs before the measured ones (B_REPORT_WARMUP overrides the 1). */
const WARMUP = Number(process.env.B_REPORT_WARMUP ?? 1);
const GOAL_MS = 500;

const DAY = 24 * HOUR;
/**
 * End of the data: the last UTC midnight, so stores that judge retention by their own clock keep
 * it all, and the report's bounds are those of compacted days.
 */
const END = Math.floor(Date.now() / DAY) * DAY;
const BEGIN = END - SLOTS * HOUR;

function rollups(): Rollup[] {
  let seed = 7;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const out: Rollup[] = [];
  for (let slot = 0; slot < SLOTS; slot++) {
    const start = BEGIN + slot * HOUR;
    for (let s = 0; s < SERIES; s++) {
      const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 2 });
      let sum = 0;
      let min = Infinity;
      let max = 0;
      for (let v = 0; v < 50; v++) {
        const normal = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
        const us = Math.max(1, Math.round(Math.exp(Math.log(80_000 + slot * 10) + 0.7 * normal)));
        h.recordValue(us);
        sum += us / 1e6;
        min = Math.min(min, us / 1e6);
        max = Math.max(max, us / 1e6);
      }
      out.push({
        name: NAME,
        kind: 'histogram',
        labels: { route: `/api/v1/resource${s}`, method: s % 3 === 0 ? 'POST' : 'GET', status: s % 17 === 0 ? '500' : '200' },
        start,
        end: start + HOUR,
        count: 50,
        sum,
        min,
        max,
        hdr: hdr.encodeIntoCompressedBase64(h),
        resolution: 1e-6,
        service: 'bench',
        instance: 'bench-writer',
      });
    }
  }
  return out;
}

async function write(storage: StorageAdapter, all: readonly Rollup[]): Promise<void> {
  for (let i = 0; i < all.length; i += 1_000) await storage.writeRollups(all.slice(i, i + 1_000));
}

/** CPU time of this process (user + system) over the last {@link ms} call, in ms. */
let lastCpu = 0;

async function ms(fn: () => Promise<unknown>): Promise<number> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await fn();
  const wall = performance.now() - t;
  const used = process.cpuUsage(cpu);
  lastCpu = (used.user + used.system) / 1000;
  return wall;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

interface Figures {
  store: string;
  cold: number[];
  coldCpu: number[];
  warm: number[];
  read: number[];
  rows: number;
  recommendations: string[];
}

async function measure(store: string, storage: StorageAdapter): Promise<Figures> {
  const f: Figures = { store, cold: [], coldCpu: [], warm: [], read: [], rows: 0, recommendations: [] };
  for (let run = 1 - WARMUP; run <= RUNS; run++) {
    const clock = new ManualClock(END);
    const monitor = createMonitor({ service: 'bench', clock, storage, instanceId: `bench-reader-${run}`, logger: false, histogram: { slotLength: '1h' } });
    monitor.on('error', () => {});
    const query = { from: END - PERIOD_DAYS * 24 * HOUR, to: END, metrics: [NAME] };
    let report: Awaited<ReturnType<typeof monitor.generatePerformanceReport>> | undefined;
    const cold = await ms(async () => (report = await monitor.generatePerformanceReport(query)));
    const coldCpu = lastCpu;
    process.stderr.write(`[report] ${store} run ${run}: ${cold.toFixed(0)} ms\n`);
    const warm = await ms(() => monitor.generatePerformanceReport(query));
    const read = await ms(async () => (f.rows = (await storage.queryRollups({ name: NAME, from: BEGIN })).length));
    await monitor.close();
    if (run <= 0) continue; // warm-up
    f.cold.push(cold);
    f.coldCpu.push(coldCpu);
    f.warm.push(warm);
    f.read.push(read);
    f.recommendations = report!.recommendations.map((r) => r.rule);
    if (report!.metrics[NAME]!.count !== SERIES * 50 * PERIOD_DAYS * 24) throw new Error(`${store}: the report counted ${report!.metrics[NAME]!.count} observations`);
  }
  return f;
}

function line(f: Figures): string {
  const r = (xs: number[]) => `median ${median(xs).toFixed(0)} ms (max ${Math.max(...xs).toFixed(0)})`;
  return `${f.store}: first report ${r(f.cold)}, CPU ${r(f.coldCpu)}; second ${r(f.warm)}; queryRollups alone ${r(f.read)} for ${f.rows} rollups; goal < ${GOAL_MS} ms: ${median(f.cold) < GOAL_MS ? 'PASS' : 'FAIL'}`;
}

/**
 * Compacts the store as a monitor with `compaction: true` does: one 10-minute tick at a time on a
 * ManualClock at the end of the data, until a tick changes nothing. Returns the wall and CPU time
 * of the ticks, how many ran, and the rollups left.
 */
async function compact(store: string, storage: StorageAdapter): Promise<string> {
  const clock = new ManualClock(END);
  const monitor = createMonitor({ service: 'bench', clock, storage, instanceId: 'bench-compactor', logger: false, histogram: { slotLength: '1h' }, compaction: true });
  const errors: unknown[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.counter({ name: 'bench_compactor_started_total' }).inc(); // the monitor starts (its timers) at its first use
  const count = async () => (await storage.queryRollups({ name: NAME, from: BEGIN })).length;
  let rows = await count();
  let wall = 0;
  let cpu = 0;
  let ticks = 0;
  for (;;) {
    wall += await ms(async () => {
      await clock.advanceAsync(10 * 60_000);
      await monitor.idle();
    });
    cpu += lastCpu;
    ticks++;
    if (errors.length > 0) throw new Error(`${store}: compaction failed: ${String(errors[0])}`);
    const now = await count();
    if (now === rows) break;
    rows = now;
  }
  await monitor.close();
  return `${store}: compacted by ${ticks - 1} tick(s) in ${(wall / 1000).toFixed(1)} s (CPU ${(cpu / 1000).toFixed(1)} s here), ${rows} rollups left of ${SERIES * SLOTS}`;
}

/** Drops the bench's schema and deletes its keys. */
async function cleanup(schema: string, prefix: string): Promise<void> {
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
  await admin.end();
  const r = new Redis(REDIS_URL);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

async function main(): Promise<void> {
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  process.stderr.write(`[report] building ${SERIES * SLOTS} rollups (load ${load})\n`);
  const all = rollups();
  const schema = `b_report_${randomBytes(4).toString('hex')}`;
  const prefix = `b-report:${randomUUID()}:`;
  const postgres = new PostgresStorage({ connectionString: PG_URL, schema, retention: '90d' });
  const redis = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '90d' });
  const lines: string[] = [];
  // A run stopped by a timeout or Ctrl-C still drops its schema and keys.
  const stop = (): void => void cleanup(schema, prefix).finally(() => process.exit(130));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    for (const [store, storage] of [['PostgreSQL', postgres], ['Redis', redis]] as const) {
      process.stderr.write(`[report] writing to ${store}\n`);
      await write(storage, all);
      lines.push(line(await measure(store, storage)));
      process.stderr.write(`[report] compacting ${store} (load ${(await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim()})\n`);
      lines.push(await compact(store, storage));
      lines.push(line(await measure(`${store}, compacted`, storage)));
    }
  } finally {
    await postgres.close();
    await redis.close();
    await cleanup(schema, prefix);
  }
  const after = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').trim();
  console.log(`${PERIOD_DAYS}-day performance report, ${SERIES} series, ${SERIES * SLOTS} hourly rollups (${DAYS} days), ${RUNS} runs per store`);
  for (const l of lines) console.log(l);
  console.log(`load average before: ${load}; after: ${after}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
