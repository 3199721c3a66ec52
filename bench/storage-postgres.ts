import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { PostgresStorage } from '../src/postgres.js';
import type { Rollup } from '../src/storage/contract.js';

/** Server the bench runs against (trust auth by default); PULSEWATCH_BENCH_PG overrides it. */
const PG_URL = process.env.PULSEWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const WRITE_ROLLUPS = 50_000;
const BATCH = 100;
const PARALLEL = 4;
const SERIES = 100;
const MINUTE = 60_000;
const DAY_MINUTES = 1_440;

/** A realistic histogram rollup: one minute of one route's latencies, with its encoded HDR histogram. */
function histogramRollups(count: number, start: number, hdrs: readonly string[]): Rollup[] {
  return Array.from({ length: count }, (_, i) => {
    const series = i % SERIES;
    const slotStart = start + Math.floor(i / SERIES) * MINUTE;
    return {
      name: 'http_request_duration_seconds',
      kind: 'histogram',
      labels: { method: series % 3 === 0 ? 'POST' : 'GET', route: `/api/v1/resource_${series}`, status: series % 17 === 0 ? '500' : '200' },
      start: slotStart,
      end: slotStart + MINUTE,
      count: 600 + series,
      sum: 72.5 + series / 10,
      min: 0.0021,
      max: 1.873,
      hdr: hdrs[i % hdrs.length]!,
      resolution: 1e-6,
      service: 'api',
    };
  });
}

/** A few distinct encoded histograms (~600 log-normal latencies each, in µs). */
function sampleHdrs(): string[] {
  const out: string[] = [];
  for (let k = 0; k < 8; k++) {
    const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 2 });
    for (let i = 0; i < 600; i++) h.recordValue(Math.round(Math.exp(Math.log(100_000) + 0.8 * gaussian()) + k));
    out.push(hdr.encodeIntoCompressedBase64(h));
  }
  return out;
}

function gaussian(): number {
  return Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random());
}

function p95(samples: number[]): number {
  const sorted = samples.slice().sort((a, b) => a - b);
  return sorted[Math.ceil(0.95 * sorted.length) - 1]!;
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

/**
 * PostgresStorage figures: write throughput (sequential batches of 100 histogram rollups, as
 * the recorder writes) and p95 latency of window reads over 24 h of 1-minute rollups of 100
 * series (144,000 rows), in a throwaway schema.
 */
export async function postgresStorageBench(): Promise<{
  title: string;
  notes: string[];
  table: { headers: string[]; rows: string[][] };
  rollupsPerSecond: number;
  p95QueryMs: number;
}> {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 1 });
  const schema = `pw_bench_${randomBytes(4).toString('hex')}`;
  const now = Date.now();
  const dayStart = Math.floor(now / MINUTE) * MINUTE - DAY_MINUTES * MINUTE;
  const storage = new PostgresStorage({ connectionString: PG_URL, schema, now: () => now });
  try {
    await storage.migrate();
    const hdrs = sampleHdrs();

    // Write throughput: 500 sequential batches of 100 (into an empty table; indexes included).
    const writes = histogramRollups(WRITE_ROLLUPS, dayStart - DAY_MINUTES * MINUTE, hdrs);
    await storage.writeRollups(writes.slice(0, BATCH)); // warm the pool and plan
    const batchMs: number[] = [];
    const writeStart = process.hrtime.bigint();
    for (let i = BATCH; i < writes.length; i += BATCH) batchMs.push(await time(() => storage.writeRollups(writes.slice(i, i + BATCH))));
    const writeSeconds = Number(process.hrtime.bigint() - writeStart) / 1e9;
    const sequentialPerSecond = Math.round((WRITE_ROLLUPS - BATCH) / writeSeconds);
    // As the recorder writes by default (flush.concurrency 4): 4 batches in flight.
    const parallelWrites = histogramRollups(WRITE_ROLLUPS, dayStart - 2 * DAY_MINUTES * MINUTE, hdrs);
    const parallelStart = process.hrtime.bigint();
    for (let i = 0; i < parallelWrites.length; i += PARALLEL * BATCH) {
      const group = [];
      for (let j = i; j < Math.min(i + PARALLEL * BATCH, parallelWrites.length); j += BATCH) group.push(storage.writeRollups(parallelWrites.slice(j, j + BATCH)));
      await Promise.all(group);
    }
    const rollupsPerSecond = Math.round(WRITE_ROLLUPS / (Number(process.hrtime.bigint() - parallelStart) / 1e9));
    await storage.purgeBefore(dayStart);

    // Read: 24 h of 1-minute rollups for 100 series, loaded in batches of 1,000.
    const day = histogramRollups(DAY_MINUTES * SERIES, dayStart, hdrs);
    for (let i = 0; i < day.length; i += 1_000) await storage.writeRollups(day.slice(i, i + 1_000));
    await admin.query(`ANALYZE "${schema}".rollups`);
    const end = dayStart + DAY_MINUTES * MINUTE;
    const one = { method: 'GET', route: '/api/v1/resource_43', status: '200' }; // series 43 (43 % 3 != 0: GET; 43 % 17 != 0: 200)
    const cases: { label: string; runs: number; query: () => Promise<Rollup[]> }[] = [
      { label: 'one series, 5 m', runs: 200, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - 5 * MINUTE, to: end }) },
      { label: 'one series, 1 h', runs: 200, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - 60 * MINUTE, to: end }) },
      { label: 'one series, 24 h', runs: 100, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - DAY_MINUTES * MINUTE, to: end }) },
      { label: 'all 100 series, 5 m', runs: 100, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - 5 * MINUTE, to: end }) },
      { label: 'all 100 series, 1 h', runs: 30, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - 60 * MINUTE, to: end }) },
      { label: 'all 100 series, 24 h', runs: 5, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - DAY_MINUTES * MINUTE, to: end }) },
    ];
    const rows: string[][] = [
      [`write, batches of 100, ${PARALLEL} in flight (the recorder's default)`, `${WRITE_ROLLUPS.toLocaleString('en-US')} rollups`, `${rollupsPerSecond.toLocaleString('en-US')} rollups/s`, ''],
      ['write, batches of 100, one at a time', `${(WRITE_ROLLUPS - BATCH).toLocaleString('en-US')} rollups`, `${sequentialPerSecond.toLocaleString('en-US')} rollups/s`, `${p95(batchMs).toFixed(2)} ms / batch`],
    ];
    const singleSeries: number[] = [];
    for (const c of cases) {
      let returned = 0;
      await c.query(); // warm
      const samples: number[] = [];
      for (let i = 0; i < c.runs; i++) samples.push(await time(async () => (returned = (await c.query()).length)));
      if (c.label.startsWith('one series')) singleSeries.push(...samples);
      rows.push([`query ${c.label}`, `${returned.toLocaleString('en-US')} rollups`, `${c.runs} runs`, `${p95(samples).toFixed(2)} ms`]);
    }
    const p95QueryMs = Number(p95(singleSeries).toFixed(2));
    return {
      title: 'PostgresStorage (PostgreSQL 15, local server)',
      notes: [
        `Writes: ${WRITE_ROLLUPS.toLocaleString('en-US')} histogram rollups (with ~${Math.round(hdrs.reduce((n, s) => n + s.length, 0) / hdrs.length)}-character HDR strings) in batches of ${BATCH}, one INSERT ... unnest statement each: ${PARALLEL} batches in flight as the recorder writes them by default (flush.concurrency; the headline figure), and one at a time; goal 50,000 rollups/s.`,
        `Reads: 24 h of 1-minute rollups for ${SERIES} series (${(DAY_MINUTES * SERIES).toLocaleString('en-US')} rows); p95QueryMs is the p95 over every single-series read (5 m, 1 h and 24 h windows).`,
        'Latency includes decoding rows into Rollup objects; the server runs on the same machine.',
      ],
      table: { headers: ['case', 'size', 'runs / rate', 'p95'], rows },
      rollupsPerSecond,
      p95QueryMs,
    };
  } finally {
    await storage.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await postgresStorageBench();
  console.log(JSON.stringify(result, null, 2));
}
