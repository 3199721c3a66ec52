/**
 * RedisStorage: write throughput (rollups/s, batches of 100; the method of storage-rounds.ts,
 * with and without `instance`, a rewrite, and one batch at a time) and the latency of window
 * queries over 24 h of 1-minute rollups for 100 series. Needs a Redis at PULSEWATCH_REDIS_URL (default redis://127.0.0.1:6379); every key
 * goes under a unique prefix and is deleted afterwards.
 */
import { randomUUID } from 'node:crypto';
import * as hdr from 'hdr-histogram-js';
import { Redis } from 'ioredis';
import { RedisStorage } from '../src/redis.js';
import type { Rollup } from '../src/storage/contract.js';
import { defaultInstanceId } from '../src/storage/instance.js';
import { formatRate, IN_FLIGHT, interleavedWrites, load, ROUNDS, type WriteCase } from './storage-rounds.js';

const URL = process.env.PULSEWATCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERIES = 100;
const MINUTE = 60_000;
const DAY_SLOTS = 24 * 60;
const WRITE_SLOTS = 300; // 30,000 rollups per write case and round
const QUERY_RUNS = 200;
const GOAL = 50_000;

/** A few realistic slot histograms (log-normal latencies in µs), compressed V2 base64 like the recorder writes. */
function hdrStrings(count: number): string[] {
  const out: string[] = [];
  let seed = 42;
  const random = (): number => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < count; i++) {
    const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 2 });
    for (let v = 0; v < 500; v++) {
      const normal = Math.sqrt(-2 * Math.log(random() || 1e-9)) * Math.cos(2 * Math.PI * random());
      h.recordValue(Math.round(Math.exp(Math.log(50_000) + 0.8 * normal)));
    }
    out.push(hdr.encodeIntoCompressedBase64(h));
  }
  return out;
}

function rollupsOfSlot(base: number, slot: number, hdrs: readonly string[]): Rollup[] {
  const start = base + slot * MINUTE;
  return Array.from({ length: SERIES }, (_, s) => ({
    name: 'http_request_duration_seconds',
    kind: 'histogram' as const,
    labels: { route: `/api/v1/resource${s}`, method: s % 3 ? 'GET' : 'POST', status: '200' },
    start,
    end: start + MINUTE,
    count: 500,
    sum: 31.25 + s,
    min: 0.0031,
    max: 1.9,
    hdr: hdrs[(s + slot) % hdrs.length]!,
    resolution: 1e-6,
    service: 'api',
  }));
}

function p95(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.95) - 1)]!;
}

async function timeQueries(run: () => Promise<Rollup[]>, runs: number): Promise<{ p50: number; p95: number; rows: number }> {
  let rows = 0;
  for (let i = 0; i < 5; i++) rows = (await run()).length; // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { p50: [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!, p95: p95(times), rows };
}

/** Deletes every key under `prefix` (a bench's own namespace) from the Redis at PULSEWATCH_REDIS_URL. */
export async function deletePrefix(prefix: string): Promise<void> {
  const admin = new Redis(URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await admin.del(...keys);
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}

/** Runs the Redis storage bench; resolves with a report section and the two headline figures. */
export async function redisStorageBench(): Promise<{
  title: string;
  notes: string[];
  table: { headers: string[]; rows: string[][] };
  rollupsPerSecond: number;
  p95QueryMs: number;
}> {
  const prefix = `pulsewatch-bench:${randomUUID()}:`;
  // Retention covers the 24 h the reads use and the write cases' 25 ranges of 300 slots before them.
  const storage = new RedisStorage({ url: URL, keyPrefix: prefix, retention: '7d' });
  const instance = defaultInstanceId();
  const hdrs = hdrStrings(16);
  const now = Math.floor(Date.now() / MINUTE) * MINUTE;
  const dayBase = now - DAY_SLOTS * MINUTE;
  try {
    // Load 24 h of 1-minute stamped rollups for 100 series (144,000), untimed.
    for (let slot = 0; slot < DAY_SLOTS; slot++) await storage.writeRollups(rollupsOfSlot(dayBase, slot, hdrs).map((r) => ({ ...r, instance })));

    // Write throughput: the method of storage-rounds.ts; every (case, round) writes its own 300
    // one-minute slots of the 100 series under a second name.
    const loadBefore = load();
    const write = (slots: number, base: number, stamp: boolean): Rollup[] =>
      Array.from({ length: slots }, (_, slot) => rollupsOfSlot(base, slot, hdrs).map((r) => ({ ...r, name: 'bench_write_seconds', ...(stamp ? { instance } : {}) }))).flat();
    const range = (id: number): number => now - (id + 1) * WRITE_SLOTS * MINUTE;
    const rangeOf = (c: number, round: number): number => range(c * (ROUNDS + 1) + round + 1);
    const rewritten = write(WRITE_SLOTS, range(4 * (ROUNDS + 1)), true);
    const cases: WriteCase[] = [
      { label: 'write without instance (the method before issue 15), batches of 100, 4 in flight', inFlight: IN_FLIGHT, rollups: (r) => write(WRITE_SLOTS, rangeOf(0, r), false) },
      { label: "write with instance, batches of 100, 4 in flight (the recorder's default)", inFlight: IN_FLIGHT, rollups: (r) => write(WRITE_SLOTS, rangeOf(1, r), true) },
      { label: 'rewrite with instance (a retried batch: every rollup replaces its member), 4 in flight', inFlight: IN_FLIGHT, rollups: () => rewritten },
      { label: 'write with instance, batches of 100, one at a time', inFlight: 1, rollups: (r) => write(WRITE_SLOTS, rangeOf(3, r), true) },
    ];
    const writes = await interleavedWrites(storage, cases);
    const loadAfter = load();
    const rollupsPerSecond = Math.round(writes[1]!.median);
    const bytes = Buffer.byteLength(JSON.stringify(rewritten[0]));

    const name = 'http_request_duration_seconds';
    const one = { route: '/api/v1/resource42' };
    const reads: [string, () => Promise<Rollup[]>, number][] = [
      ['1 series, last 5 m', () => storage.queryRollups({ name, labels: one, from: now - 5 * MINUTE, to: now }), QUERY_RUNS],
      ['1 series, last 1 h', () => storage.queryRollups({ name, labels: one, from: now - 60 * MINUTE, to: now }), QUERY_RUNS],
      ['1 series, last 24 h', () => storage.queryRollups({ name, labels: one, from: dayBase, to: now }), QUERY_RUNS],
      ['100 series, last 5 m', () => storage.queryRollups({ name, from: now - 5 * MINUTE, to: now }), QUERY_RUNS],
      ['100 series, last 1 h', () => storage.queryRollups({ name, from: now - 60 * MINUTE, to: now }), 50],
      ['100 series, last 24 h', () => storage.queryRollups({ name, from: dayBase, to: now }), 10],
    ];
    const rows: string[][] = writes.map((w) => [w.label, formatRate(w), '', '', `${w.rollups.toLocaleString('en-US')} rollups x ${ROUNDS}`]);
    const p95s: number[] = [];
    for (const [label, run, runs] of reads) {
      const r = await timeQueries(run, runs);
      if (!label.endsWith('24 h') || label.startsWith('1 series')) p95s.push(r.p95);
      rows.push([`query: ${label}`, '', r.p50.toFixed(2), r.p95.toFixed(2), `${r.rows.toLocaleString('en-US')} rollups`]);
    }
    const p95QueryMs = Number(Math.max(...p95s).toFixed(2));
    return {
      title: 'RedisStorage',
      notes: [
        `Redis at ${URL.replace(/\/\/[^@]*@/, '//')}; histogram rollups with real HDR strings (~${bytes} bytes of JSON each), 100 series of one metric.`,
        `Writes: ${WRITE_SLOTS} batches of 100 (one slot of all 100 series each) per case and round; an untimed warm-up round, then ${ROUNDS} interleaved rounds (the first case rotates), median rollups/s (min - max) per case. Stamped rollups carry one instance id, as a monitor's do (the headline figure: 4 in flight, as the recorder writes by default); the first row is the method used before issue 15 (no instance), kept to compare; goal ${GOAL.toLocaleString('en-US')} rollups/s (${rollupsPerSecond >= GOAL ? 'met' : 'NOT met'}).`,
        `Load average (1, 5, 15 min) at the start of the writes: ${loadBefore}; after them: ${loadAfter} (2 cores shared with other work).`,
        'Write path before and after issue 15, in one process with bench/storage-redis-ideas.ts (stamped rollups, 5 interleaved rounds, median rollups/s, client / Redis CPU µs per rollup; 2026-12-06, load average 3.2-3.3): as of b21763e (EVAL of the script, members through JSON.stringify, trims on every write) 62,355 rollups/s, 12.0 / 12.3 µs; now (members written out by hand, EVALSHA, trims once a minute) 72,052 rollups/s, 9.1 / 12.0 µs.',
        'Queries over 24 h of 1-minute rollups (144,000 stored); p95QueryMs is the worst p95 of the one-series windows and the 100-series 5 m and 1 h windows (the 100-series 24 h read returns all 144,000 rollups and is shown for scale).',
      ],
      table: { headers: ['case', 'throughput', 'p50 ms', 'p95 ms', 'size'], rows },
      rollupsPerSecond,
      p95QueryMs,
    };
  } finally {
    await storage.close();
    await deletePrefix(prefix);
  }
}

// `tsx bench/storage-redis.ts` prints the figures.
if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await redisStorageBench();
  console.log(JSON.stringify(result, null, 2));
}
