import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { PostgresStorage } from '../src/postgres.js';
import type { Rollup } from '../src/storage/contract.js';
import { defaultInstanceId } from '../src/storage/instance.js';
import { BATCH, formatRate, IN_FLIGHT, interleavedWrites, load, ROUNDS, type WriteCase } from './storage-rounds.js';

/** Server the bench runs against (trust auth by default); PULSEWATCH_BENCH_PG overrides it. */
const PG_URL = process.env.PULSEWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
/**
 * How the write path was chosen (issue 15), measured on 2026-12-06 with
 * bench/storage-postgres-ideas.ts: candidates side by side in one process. Kept with the
 * figures so a full bench run does not drop them; run that script to measure again.
 */
export const WRITE_PATH_NOTES = [
  'How a batch is written was chosen with bench/storage-postgres-ideas.ts (stamped rollups, batches of 100 in groups of 4, interleaved rounds in one process, median rollups/s, then client / server CPU µs per rollup); run it to measure again.',
  'Before (6d9e573): text COPY of every column plus series_key (the canonical labels JSON), an id bigint identity primary key, a btree on end_ms, the upsert only after a unique_violation, the group shared between 2 statements. Measured then (2026-12-06, load 1.35-2.4): 48,158 rollups/s for 2 statements against 43,875 for four and 39,866 for one; an unnest of 15 arrays escaped by pg (b21763e), always ON CONFLICT DO UPDATE, cost 9.6 / 29.7 µs per rollup, the JSON INSERT 8.0 / 20.3, the text COPY 10.2 / 16.0.',
  "Now: binary COPY (numbers as their 8 bytes, no escaping; the labels' JSON as jsonb's binary form), each batch of a statement sent as soon as it is encoded (the server inserts one while the next is built), the rollups table without the id key and series_key (unique on md5 of the labels' jsonb text; name and instance COLLATE \"C\"). Old against new in one process (bench/storage-postgres-ideas.ts's harness, 9 interleaved rounds, load average 7.8-8.2 on the 2 shared cores): 26,621 against 29,625 rollups/s, client CPU 11.5 against 8.6 µs per rollup, server CPU 16.3 against 13.3 (a fifth of all the CPU a rollup costs). Without the server (a pool that answers at once) the client's CPU per rollup went from 5.0 to 3.0 µs.",
  'Runs of this bench alternating with the code before (ea1ad50) in one quiet hour (2026-12-06, load average 1.45-2.9 at their starts), median of 11 runs each: 53,371 stamped rollups/s now against 43,435 before (per pair, now/before: median 1.26, from 1.01 to 1.48); rewrites (every rollup replaces its row) 27,795 against 21,144; reads unchanged (p95 of single-series reads 19.7 against 20.1 ms).',
  'Tried and left: a BRIN index on end_ms instead of the btree (cheaper to keep up, but window reads of recent slots chose it and scanned the whole table: the newest pages are the ones it has not summarised); a client-computed 64-bit series hash column instead of md5(labels::text) (no measurable server gain).',
  'Statements per group of 4 batches, with binary COPY (7 rounds, load average 8.2-8.5): 2 statements 28,527, 1 statement 29,382, 4 statements 24,601 rollups/s; server CPU 15.3, 13.0 and 19.7 µs per rollup (concurrent statements contend for the same index pages). Two stay the default: the measurement at load 1.35 above, where the second core was free, favoured them.',
  "On this shared 2-core machine the wall-clock rate follows the other work's load more than the write path: the CPU per rollup is what a change moves.",
];

/** Rollups per write case and round (300 batches of 100). */
const PER_CASE = 30_000;
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
 * PostgresStorage figures. Writes: the method of storage-rounds.ts, four cases of 30,000
 * histogram rollups in one table (it grows to about 570,000 rows over the run): without
 * `instance` (the method used before issue 15, kept to compare), stamped with one instance id
 * as a monitor writes them now (the headline), the same stamped rollups written again (a retried
 * batch: every row conflicts and is replaced), and stamped rollups one batch at a time. Reads:
 * p95 latency of window reads over 24 h of 1-minute stamped rollups of 100 series (144,000
 * rows). All in a throwaway schema.
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
  const instance = defaultInstanceId();
  const loadBefore = load();
  try {
    await storage.migrate();
    const hdrs = sampleHdrs();

    // Each (case, round) writes its own 300 one-minute slots of the 100 series, before the day the reads use.
    const range = (id: number): number => dayStart - (id + 1) * (PER_CASE / SERIES) * MINUTE;
    const rangeOf = (c: number, round: number): number => range(c * (ROUNDS + 1) + round + 1);
    const stamped = (rollups: Rollup[]): Rollup[] => rollups.map((r) => ({ ...r, instance }));
    const rewritten = stamped(histogramRollups(PER_CASE, range(4 * (ROUNDS + 1)), hdrs));
    const cases: WriteCase[] = [
      { label: 'write without instance (the method before issue 15), batches of 100, 4 in flight', inFlight: IN_FLIGHT, rollups: (r) => histogramRollups(PER_CASE, rangeOf(0, r), hdrs) },
      { label: "write with instance, batches of 100, 4 in flight (the recorder's default)", inFlight: IN_FLIGHT, rollups: (r) => stamped(histogramRollups(PER_CASE, rangeOf(1, r), hdrs)) },
      { label: 'rewrite with instance (a retried batch: every rollup replaces its row), 4 in flight', inFlight: IN_FLIGHT, rollups: () => rewritten },
      { label: 'write with instance, batches of 100, one at a time', inFlight: 1, rollups: (r) => stamped(histogramRollups(PER_CASE, rangeOf(3, r), hdrs)) },
    ];
    const writes = await interleavedWrites(storage, cases);
    const loadAfter = load();
    const rollupsPerSecond = Math.round(writes[1]!.median);
    await admin.query(`TRUNCATE "${schema}".rollups`);

    // Read: 24 h of 1-minute stamped rollups for 100 series, loaded in batches of 1,000.
    const day = stamped(histogramRollups(DAY_MINUTES * SERIES, dayStart, hdrs));
    for (let i = 0; i < day.length; i += 1_000) await storage.writeRollups(day.slice(i, i + 1_000));
    await admin.query(`ANALYZE "${schema}".rollups`);
    const end = dayStart + DAY_MINUTES * MINUTE;
    const one = { method: 'GET', route: '/api/v1/resource_43', status: '200' }; // series 43 (43 % 3 != 0: GET; 43 % 17 != 0: 200)
    const cases2: { label: string; runs: number; query: () => Promise<Rollup[]> }[] = [
      { label: 'one series, 5 m', runs: 200, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - 5 * MINUTE, to: end }) },
      { label: 'one series, 1 h', runs: 200, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - 60 * MINUTE, to: end }) },
      { label: 'one series, 24 h', runs: 100, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', labels: one, from: end - DAY_MINUTES * MINUTE, to: end }) },
      { label: 'all 100 series, 5 m', runs: 100, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - 5 * MINUTE, to: end }) },
      { label: 'all 100 series, 1 h', runs: 30, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - 60 * MINUTE, to: end }) },
      { label: 'all 100 series, 24 h', runs: 5, query: () => storage.queryRollups({ name: 'http_request_duration_seconds', from: end - DAY_MINUTES * MINUTE, to: end }) },
    ];
    const rows: string[][] = writes.map((w) => [w.label, `${w.rollups.toLocaleString('en-US')} rollups x ${ROUNDS}`, formatRate(w), '']);
    const singleSeries: number[] = [];
    for (const c of cases2) {
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
        `Writes: histogram rollups (with ~${Math.round(hdrs.reduce((n, s) => n + s.length, 0) / hdrs.length)}-character HDR strings) of ${SERIES} series in batches of ${BATCH}, ${PER_CASE.toLocaleString('en-US')} per case and round; an untimed warm-up round, then ${ROUNDS} interleaved rounds (the first case rotates), median rollups/s (min - max) per case, all in one table that grows to about ${Math.round(((ROUNDS + 1) * 3 + 1) * PER_CASE / 1000) * 1000} rows. Stamped rollups carry one instance id, as a monitor's do (the headline figure: 4 in flight, as the recorder writes by default); the first row is the method used before issue 15 (no instance), kept to compare; goal 50,000 rollups/s.`,
        `Load average (1, 5, 15 min) at the start: ${loadBefore}; after the writes: ${loadAfter} (2 cores shared with other work).`,
        `Reads: 24 h of 1-minute stamped rollups for ${SERIES} series (${(DAY_MINUTES * SERIES).toLocaleString('en-US')} rows); p95QueryMs is the p95 over every single-series read (5 m, 1 h and 24 h windows).`,
        'Latency includes decoding rows into Rollup objects; the server runs on the same machine.',
        ...WRITE_PATH_NOTES,
      ],
      table: { headers: ['case', 'size', 'rate: median (min - max) / runs', 'p95'], rows },
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
