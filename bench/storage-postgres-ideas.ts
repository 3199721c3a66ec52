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
import { canonicalLabels } from '../src/core/labels.js';
import { partitionRollups } from '../src/storage/rollup-validation.js';
import { PostgresRollups } from '../src/storage/postgres-rollups.js';
import type { PgSession } from '../src/storage/postgres-sql.js';
import { batchJson, batchOf, encodeLabels, float, ROLLUP_COLUMNS } from '../src/storage/postgres-rows.js';

const rollupsJson = (b: readonly Rollup[]): string => batchJson(batchOf(b));
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

// The encodings of b21763e (15 arrays that pg escapes) and of d073cbb (15 array literals built
// here), kept to compare.


/**
 * A batch as the 15 PostgreSQL array literals of {@link ROLLUP_COLUMNS} (one `unnest`
 * statement), built here rather than by pg, whose generic escaping of every element cost three
 * times as much; without the rollups a later one of the same (name, labels, start, instance)
 * replaces: one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice (SQLSTATE 21000).
 * Rollups without an instance are all kept. Text elements are quoted, with `\` and
 * `"` escaped (array_in's only special characters inside quotes); numbers and NULL are bare.
 */
function rollupArrays(rollups: readonly Rollup[]): string[] {
  const cols: string[][] = ROLLUP_COLUMNS.map(() => []);
  let slots: Map<string, number> | undefined;
  for (const r of rollups) {
    const labels = encodeLabels(r.labels);
    const seriesKey = canonicalLabels(labels); // series_key: kept for writers on schema version 1
    let at = cols[0]!.length;
    if (r.instance !== undefined) {
      const slot = `${r.name}\u0000${seriesKey}\u0000${r.start}\u0000${r.instance}`;
      const before = (slots ??= new Map()).get(slot);
      if (before === undefined) slots.set(slot, at);
      else at = before; // the last of the batch wins
    }
    cols[0]![at] = `"${r.name}"`; // a metric name: [a-zA-Z_:][a-zA-Z0-9_:]*
    cols[1]![at] = `"${r.kind}"`;
    cols[2]![at] = quote(JSON.stringify(labels));
    cols[3]![at] = quote(seriesKey);
    cols[4]![at] = String(r.start);
    cols[5]![at] = String(r.end);
    cols[6]![at] = float(r.count);
    cols[7]![at] = float(r.sum);
    cols[8]![at] = float(r.min);
    cols[9]![at] = float(r.max);
    cols[10]![at] = r.last === undefined ? 'NULL' : float(r.last);
    cols[11]![at] = r.hdr === undefined ? 'NULL' : `"${r.hdr}"`; // base64: nothing to escape
    cols[12]![at] = r.resolution === undefined ? 'NULL' : float(r.resolution);
    cols[13]![at] = r.service === undefined ? 'NULL' : quote(r.service);
    cols[14]![at] = r.instance === undefined ? 'NULL' : quote(r.instance);
  }
  return cols.map((col) => `{${col.join(',')}}`);
}

const ARRAY_SPECIAL = /[\\"]/;

/** A text array element: quoted, backslashes and double quotes escaped. */
function quote(s: string): string {
  return ARRAY_SPECIAL.test(s) ? `"${s.replace(/[\\"]/g, '\\$&')}"` : `"${s}"`;
}

/**
 * The batch without the rollups a later one of the same (name, labels, start, instance)
 * replaces: one INSERT ... ON CONFLICT DO UPDATE may not touch a row twice (SQLSTATE 21000).
 * Rollups without an instance are all kept, as before.
 */
function lastPerInstanceSlot(rollups: readonly Rollup[]): readonly Rollup[] {
  let seen: Map<string, number> | undefined;
  let drop: Set<number> | undefined;
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    if (r.instance === undefined) continue;
    seen ??= new Map();
    const key = `${r.name}\u0000${canonicalLabels(r.labels)}\u0000${r.start}\u0000${r.instance}`;
    const before = seen.get(key);
    if (before !== undefined) (drop ??= new Set()).add(before);
    seen.set(key, i);
  }
  return drop === undefined ? rollups : rollups.filter((_, i) => !drop.has(i));
}

/** Column arrays of a batch, in {@link ROLLUP_COLUMNS} order. */
function rollupColumns(rollups: readonly Rollup[]): (string | null)[][] {
  const cols: (string | null)[][] = ROLLUP_COLUMNS.map(() => new Array<string | null>(rollups.length));
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    const labels = encodeLabels(r.labels);
    cols[0]![i] = r.name;
    cols[1]![i] = r.kind;
    cols[2]![i] = JSON.stringify(labels);
    cols[3]![i] = canonicalLabels(labels); // series_key: kept for writers on schema version 1
    cols[4]![i] = String(r.start);
    cols[5]![i] = String(r.end);
    cols[6]![i] = float(r.count);
    cols[7]![i] = float(r.sum);
    cols[8]![i] = float(r.min);
    cols[9]![i] = float(r.max);
    cols[10]![i] = r.last === undefined ? null : float(r.last);
    cols[11]![i] = r.hdr ?? null;
    cols[12]![i] = r.resolution === undefined ? null : float(r.resolution);
    cols[13]![i] = r.service ?? null;
    cols[14]![i] = r.instance ?? null;
  }
  return cols;
}


const COLS = ROLLUP_COLUMNS.map(([c]) => c).join(', ');
const UPDATES = ROLLUP_COLUMNS.filter(([c]) => !['name', 'series_key', 'start_ms', 'instance'].includes(c))
  .map(([c]) => `${c} = EXCLUDED.${c}`)
  .join(', ');
const CONFLICT = `ON CONFLICT (name, start_ms, instance, md5(series_key)) DO UPDATE SET ${UPDATES}`;

/** The statement of b21763e: 15 arrays, unnest, always ON CONFLICT; $1 now, $2 retention. */
function unnestSql(schema: string, conflict: string): string {
  const arrays = ROLLUP_COLUMNS.map(([, t], i) => `$${i + 3}::${t}[]`).join(', ');
  return `INSERT INTO "${schema}".rollups (${COLS}) SELECT * FROM unnest(${arrays}) AS t(${COLS}) WHERE t.end_ms > $1::float8 - $2::float8 ${conflict}`;
}

/** One json parameter ($3) read by json_to_recordset. */
function jsonSql(schema: string, conflict: string): string {
  const defs = ROLLUP_COLUMNS.map(([, t, k]) => `${k} ${t}`).join(', ');
  const keys = ROLLUP_COLUMNS.map(([, , k]) => k).join(', ');
  return `INSERT INTO "${schema}".rollups (${COLS}) SELECT ${keys} FROM json_to_recordset($3::json) AS t(${defs}) WHERE t.e > $1::float8 - $2::float8 ${conflict}`;
}

/** Plain INSERT first; a unique violation (a rewrite) runs the same batch again as the upsert. */
async function insertThenUpsert(run: (conflict: string) => Promise<unknown>): Promise<unknown> {
  try {
    return await run('');
  } catch (error) {
    if ((error as { code?: string }).code !== '23505') throw error;
    return run(CONFLICT);
  }
}

/**
 * Write combining: a batch that arrives while `inFlight` statements run waits, and the next
 * statement carries every waiting batch (each call resolves when its statement commits).
 */
function combining(inFlight: number, write: (rollups: Rollup[]) => Promise<unknown>): (batch: Rollup[]) => Promise<unknown> {
  let running = 0;
  let queue: { batch: Rollup[]; resolve: (v: unknown) => void; reject: (e: unknown) => void }[] = [];
  const pump = (): void => {
    if (running >= inFlight || queue.length === 0) return;
    const taken = queue;
    queue = [];
    running++;
    write(taken.flatMap((t) => t.batch)).then(
      (v) => taken.forEach((t) => t.resolve(v)),
      (e) => taken.forEach((t) => t.reject(e)),
    ).finally(() => {
      running--;
      pump();
    });
  };
  return (batch) =>
    new Promise((resolve, reject) => {
      queue.push({ batch, resolve, reject });
      pump();
    });
}

function variants(schema: string, _app: string, url: string): Variant[] {
  const pool = (): pg.Pool => new pg.Pool({ connectionString: url, max: 10 });
  const retention = 30 * 86_400_000;
  const storage = new PostgresStorage({ connectionString: url, schema, now: () => now });
  const storage4 = new PostgresStorage({ connectionString: url, schema, now: () => now });
  // The same adapter but for its rollup writer, which runs 4 statements at once instead of 2.
  const inner = storage4 as unknown as { db: PgSession; rollups: PostgresRollups };
  inner.rollups = new PostgresRollups(inner.db, 30 * 86_400_000, 4);
  const storage1 = new PostgresStorage({ connectionString: url, schema, now: () => now });
  const inner1 = storage1 as unknown as { db: PgSession; rollups: PostgresRollups };
  inner1.rollups = new PostgresRollups(inner1.db, 30 * 86_400_000, 1);
  const [p0, p1, p2, p4, p5, p6, p7, p8, p9, p10] = [pool(), pool(), pool(), pool(), pool(), pool(), pool(), pool(), pool(), pool()];
  /** The JSON variant on a table changed by `ddl` (diagnostics: what each index costs under 4 writers). */
  const diagnostic = (name: string, p: pg.Pool, ddl: (s: string) => string): Variant => ({
    name: `json, plain INSERT then upsert, ${name} (diagnostic)`,
    prepare: async (admin, s) => void (await admin.query(ddl(`"${s}"`))),
    write: jsonPlain(p),
  });
  const head = (): unknown[] => [float(now), retention];
  const jsonPlain = (p: pg.Pool) => (b: Rollup[]) => insertThenUpsert((c) => p.query(jsonSql(schema, c), [...head(), rollupsJson(b)]));
  const jsonPrepared = (p: pg.Pool) => (b: Rollup[]) =>
    insertThenUpsert((c) => p.query({ name: c === '' ? 'jp' : 'ju', text: jsonSql(schema, c), values: [...head(), rollupsJson(b)] }));
  const [p3, p11, p12, p13] = [pool(), pool(), pool(), pool()];
  return [
    {
      name: 'as of b21763e: unnest of 15 arrays escaped by pg, ON CONFLICT',
      write: (b) => p0.query(unnestSql(schema, CONFLICT), [...head(), ...rollupColumns(lastPerInstanceSlot(partitionRollups(b).valid))]),
    },
    { name: 'json_to_recordset of one json parameter, plain INSERT then upsert on 23505', write: jsonPlain(p1) },
    { name: 'unnest of 15 array literals built by the adapter, ON CONFLICT', write: (b) => p2.query(unnestSql(schema, CONFLICT), [...head(), ...rollupArrays(b)]) },
    { name: 'as of d073cbb: 15 array literals built by the adapter, plain INSERT then upsert on 23505', write: (b) => insertThenUpsert((c) => p3.query(unnestSql(schema, c), [...head(), ...rollupArrays(b)])) },
    {
      name: 'the same, as named prepared statements',
      write: (b) => insertThenUpsert((c) => p4.query({ name: c === '' ? 'plain' : 'upsert', text: unnestSql(schema, c), values: [...head(), ...rollupArrays(b)] })),
    },
    { name: 'json, plain INSERT then upsert, write combining: 1 statement in flight', write: combining(1, jsonPlain(p5)) },
    { name: 'json, plain INSERT then upsert, write combining: 2 statements in flight', write: combining(2, jsonPlain(p6)) },
    { name: 'json, plain INSERT then upsert, named prepared statements', write: jsonPrepared(p11) },
    { name: 'json, plain INSERT then upsert, named prepared statements, combining: 1 statement in flight', write: combining(1, jsonPrepared(p12)) },
    { name: 'json, plain INSERT then upsert, named prepared statements, combining: 2 statements in flight', write: combining(2, jsonPrepared(p13)) },
    { name: 'PostgresStorage.writeRollups now', write: (b) => storage.writeRollups(b) },
    { name: 'PostgresStorage.writeRollups now, its rollup writer with 4 statements in flight (one per batch)', write: (b) => storage4.writeRollups(b) },
    { name: 'PostgresStorage.writeRollups now, its rollup writer with 1 statement in flight (the whole group)', write: (b) => storage1.writeRollups(b) },
    diagnostic('GIN fastupdate off', p7, (s) => `ALTER INDEX ${s}.rollups_labels_idx SET (fastupdate = off)`),
    diagnostic('without the GIN index', p8, (s) => `DROP INDEX ${s}.rollups_labels_idx`),
    diagnostic('without the end_ms index', p9, (s) => `DROP INDEX ${s}.rollups_end_idx`),
    diagnostic('without the primary key', p10, (s) => `ALTER TABLE ${s}.rollups DROP CONSTRAINT rollups_pkey`),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await compareWriteVariants(variants);
  process.exit(0);
}
