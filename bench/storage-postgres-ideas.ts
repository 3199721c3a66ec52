/**
 * Candidate ways of writing a rollup batch to PostgreSQL, measured side by side (issue 15):
 * `npx tsx bench/storage-postgres-ideas.ts [rounds]`. Not part of `npm run bench`; its figures
 * are quoted in docs/performance.md with the choice they led to.
 *
 * Method (storage-rounds.ts): every variant writes 30,000 stamped histogram rollups per round
 * (batches of 100, 4 in flight) into a schema of its own, migrated like any other, so every
 * table grows alike; an untimed warm-up round, then interleaved rounds with the first variant
 * rotating; median rollups/s per variant. Beside the wall-clock rate: this process's CPU time
 * per rollup (building and sending statements) and the CPU time of the server processes serving
 * the variant's connections (found by application_name), which the machine's load moves less.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { PostgresStorage } from '../src/postgres.js';
import type { Rollup } from '../src/storage/contract.js';
import { defaultInstanceId } from '../src/storage/instance.js';
import { partitionRollups } from '../src/storage/rollup-validation.js';
import { PostgresRollups } from '../src/storage/postgres/postgres-rollups.js';
import type { PgSession } from '../src/storage/postgres/postgres-sql.js';
import { encodeLabels, float, ROLLUP_COLUMNS } from '../src/storage/postgres/postgres-rows.js';
import { copyBinary } from '../src/storage/postgres/postgres-copy.js';
import { load } from './storage-rounds.js';

const PG_URL = process.env.PULSEWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const PER_ROUND = 30_000;
const BATCH = 100;
const IN_FLIGHT = 4;
const SERIES = 100;
const MINUTE = 60_000;
const ROUNDS = Number(process.argv[2] ?? 5);
const ONLY = process.argv[3]?.split(',');

/** One way of writing a batch; `prepare` runs once on the variant's migrated schema. */
interface Variant {
  name: string;
  prepare?: (admin: pg.Pool, schema: string) => Promise<void>;
  write: (batch: Rollup[]) => Promise<unknown>;
}

const instance = defaultInstanceId();
const now = Date.now();

function hdrStrings(): string[] {
  return Array.from({ length: 8 }, (_, k) => {
    const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 2 });
    for (let i = 0; i < 600; i++) h.recordValue(Math.round(Math.exp(Math.log(100_000) + 0.8 * Math.sqrt(-2 * Math.log(1 - Math.random())) * Math.cos(2 * Math.PI * Math.random())) + k));
    return hdr.encodeIntoCompressedBase64(h);
  });
}
const HDRS = hdrStrings();

function rollups(count: number, start: number): Rollup[] {
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
      hdr: HDRS[i % HDRS.length]!,
      resolution: 1e-6,
      service: 'api',
      instance,
    };
  });
}

/** utime + stime (clock ticks) of the server processes serving `app`'s connections. */
async function serverTicks(admin: pg.Pool, app: string): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [app]);
  let ticks = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the backend ended
    }
  }
  return ticks;
}

async function timed(write: Variant['write'], data: Rollup[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < data.length; i += IN_FLIGHT * BATCH) {
    const group: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(i + IN_FLIGHT * BATCH, data.length); j += BATCH) group.push(write(data.slice(j, j + BATCH)));
    await Promise.all(group);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

export async function compareWriteVariants(variants: (schema: string, app: string, url: string) => Variant[]): Promise<void> {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  const tag = randomBytes(3).toString('hex');
  const built = [];
  try {
    const names = variants('x', 'x', PG_URL).map((v) => v.name);
    for (let i = 0; i < names.length; i++) {
      if (ONLY && !ONLY.includes(String(i))) continue;
      const schema = `pw_ideas_${tag}_${i}`;
      const app = `pw_ideas_${tag}_${i}`;
      const url = `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}application_name=${app}`;
      await new PostgresStorage({ connectionString: PG_URL, schema }).migrate();
      const v = variants(schema, app, url)[i]!;
      await v.prepare?.(admin, schema);
      built.push({ v, schema, app, rates: [] as number[], clientUs: [] as number[], serverUs: [] as number[] });
    }
    const tick = 1e6 / 100; // µs per clock tick (CLK_TCK 100 on Linux)
    const loadBefore = load();
    for (let round = -1; round < ROUNDS; round++) {
      for (let k = 0; k < built.length; k++) {
        const b = built[(Math.max(round, 0) + k) % built.length]!;
        const data = rollups(PER_ROUND, now - 20 * 86_400_000 + (round + 1) * (PER_ROUND / SERIES) * MINUTE);
        const s0 = await serverTicks(admin, b.app);
        const c0 = process.cpuUsage();
        const seconds = await timed(b.v.write, data);
        const c = process.cpuUsage(c0);
        const s1 = await serverTicks(admin, b.app);
        if (round < 0) continue;
        b.rates.push(PER_ROUND / seconds);
        b.clientUs.push((c.user + c.system) / PER_ROUND);
        b.serverUs.push(((s1 - s0) * tick) / PER_ROUND);
      }
    }
    console.log(`load average before: ${loadBefore}; after: ${load()}; ${ROUNDS} rounds of ${PER_ROUND} rollups`);
    console.log('| variant | rollups/s median (min - max) | client CPU µs/rollup | server CPU µs/rollup |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const b of built) {
      const f = (n: number): string => Math.round(n).toLocaleString('en-US');
      console.log(`| ${b.v.name} | ${f(median(b.rates))} (${f(Math.min(...b.rates))} - ${f(Math.max(...b.rates))}) | ${median(b.clientUs).toFixed(1)} | ${median(b.serverUs).toFixed(1)} |`);
    }
  } finally {
    for (const b of built) await admin.query(`DROP SCHEMA IF EXISTS "${b.schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

// ---- The variants -------------------------------------------------------------------------

/**
 * The text form of COPY the adapter sent before the binary one (6d9e573), for the columns of
 * this schema: tab-separated, `\N` for absent values, text escaped as COPY's text format wants.
 */
function copyText(rollups: readonly Rollup[]): Buffer {
  const esc = (s: string): string => (/[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s);
  const opt = (n: number | undefined): string => (n === undefined ? '\\N' : float(n));
  let out = '';
  for (const r of rollups) {
    out += `${r.name}\t${r.kind}\t${esc(JSON.stringify(encodeLabels(r.labels)))}\t${r.start}\t${r.end}\t${float(r.count)}\t${float(r.sum)}\t${float(r.min)}\t${float(r.max)}\t`;
    out += `${opt(r.last)}\t${r.hdr ?? '\\N'}\t${opt(r.resolution)}\t${r.service === undefined ? '\\N' : esc(r.service)}\t${r.instance === undefined ? '\\N' : esc(r.instance)}\n`;
  }
  return Buffer.from(out, 'utf8');
}

const COLS = ROLLUP_COLUMNS.map(([c]) => c).join(', ');

/** COPY of one batch in `format` through pg-copy's protocol, on a connection of `p` (no combining). */
function copyWith(p: pg.Pool, schema: string, format: 'text' | 'binary'): (b: Rollup[]) => Promise<unknown> {
  return async (b) => {
    const valid = partitionRollups(b).valid;
    const client = await p.connect();
    try {
      await new Promise<void>((resolve, reject) => {
        const data = format === 'binary' ? copyBinary(valid) : copyText(valid);
        const text = `COPY "${schema}".rollups (${COLS}) FROM STDIN${format === 'binary' ? ' (FORMAT binary)' : ''}`;
        let error: Error | undefined;
        client.query({
          text,
          submit(c: { query(t: string): void; sendCopyFromChunk(b: Buffer): void; endCopyFrom(): void }) {
            c.query(text);
            c.sendCopyFromChunk(data);
            c.endCopyFrom();
          },
          handleCopyInResponse() {},
          handleError(e: Error) {
            error ??= e;
          },
          handleReadyForQuery() {
            if (error) reject(error);
            else resolve();
          },
          handleCommandComplete() {},
          handleRowDescription() {},
          handleDataRow() {},
          handleEmptyQuery() {},
          handlePortalSuspended() {},
          handleCopyData() {},
        } as never);
      });
    } finally {
      client.release();
    }
  };
}

/**
 * The variants: the adapter as it is (binary COPY, the group shared between two statements),
 * the same with 1 and 4 statements, one COPY per batch in each format without combining, and
 * diagnostics of the schema (what a surrogate key or the database's collation would cost).
 */
function variants(schema: string, _app: string, url: string): Variant[] {
  const pool = (): pg.Pool => new pg.Pool({ connectionString: url, max: 10 });
  const adapter = (statements?: number): PostgresStorage => {
    const storage = new PostgresStorage({ connectionString: url, schema, now: () => now });
    if (statements !== undefined) {
      const inner = storage as unknown as { db: PgSession; rollups: PostgresRollups };
      inner.rollups = new PostgresRollups(inner.db, 30 * 86_400_000, statements);
    }
    return storage;
  };
  const [now2, now1, now4] = [adapter(), adapter(1), adapter(4)];
  const [p0, p1, p2, p3] = [pool(), pool(), pool(), pool()];
  return [
    { name: 'PostgresStorage.writeRollups now (binary COPY, 2 statements per group)', write: (b) => now2.writeRollups(b) },
    { name: 'the same, 1 statement per group', write: (b) => now1.writeRollups(b) },
    { name: 'the same, 4 statements per group (one per batch)', write: (b) => now4.writeRollups(b) },
    { name: 'text COPY per batch (the form before the binary one)', write: copyWith(p0, schema, 'text') },
    { name: 'binary COPY per batch', write: copyWith(p1, schema, 'binary') },
    {
      name: 'binary COPY per batch, with an id bigint identity primary key (diagnostic)',
      prepare: async (admin, s) => void (await admin.query(`ALTER TABLE "${s}".rollups ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY`)),
      write: copyWith(p2, schema, 'binary'),
    },
    {
      name: "binary COPY per batch, name and instance in the database's collation (diagnostic)",
      prepare: async (admin, s) => {
        await admin.query(`ALTER TABLE "${s}".rollups ALTER COLUMN name TYPE text COLLATE "default", ALTER COLUMN instance TYPE text COLLATE "default"`);
      },
      write: copyWith(p3, schema, 'binary'),
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await compareWriteVariants(variants);
  process.exit(0);
}
