/**
 * What counting a name's series costs PostgreSQL writes (issue 19): `PostgresStorage` upserts a
 * `metric_series` row per series after the rollups, at most once per `SERIES_GRANULARITY` of the
 * series' end. Standalone: `npx tsx bench/postgres-name-series.ts` (the test PostgreSQL).
 *
 * Method, fixed before any result was seen: 5,000 series (50 names x 100 label sets), one
 * histogram rollup each per 30 s slot, SLOTS slots in turn. Per slot, in one process and
 * alternating which goes first: (a) the rollups' write as the adapter makes it (binary COPY,
 * then the names' upsert: `writeRollups`, granularity as shipped), and the names-and-series
 * upsert alone (`PostgresNames.record` on one connection) with (b) the shipped granularity
 * (60 s: a series' row every other slot), (c) none (every slot), (d) names only (no series
 * row due). Figures: median ms wall and client CPU ms per slot, and the load average.
 */
import { readFileSync } from 'node:fs';
import * as hdr from 'hdr-histogram-js';
import pg from 'pg';
import { PostgresStorage } from '../src/postgres.js';
import type { Rollup } from '../src/storage/contract.js';
import { PostgresNames, SERIES_GRANULARITY } from '../src/storage/postgres/postgres-names.js';
import { PgSession } from '../src/storage/postgres/postgres-sql.js';

const PG_URL = process.env.PULSEWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
const SLOT = 30_000;
const SLOTS = 12;
const schema = `n_bench_${process.pid}`;
const load = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const h = hdr.build({ bitBucketSize: 'packed', useWebAssembly: false });
for (let i = 0; i < 100; i++) h.recordValue(1_000 + i * 37);
const encoded = hdr.encodeIntoCompressedBase64(h);

const base = Math.floor(Date.now() / SLOT) * SLOT - (SLOTS + 2) * SLOT;
function slot(k: number, instance: string): Rollup[] {
  const out: Rollup[] = [];
  for (let n = 0; n < 50; n++) {
    for (let s = 0; s < 100; s++) {
      out.push({ name: `bench_metric_${n}_seconds`, kind: 'histogram', labels: { route: `/r${s}`, method: 'GET' }, start: base + k * SLOT, end: base + (k + 1) * SLOT, count: 100, sum: 1, min: 0.001, max: 0.5, hdr: encoded, resolution: 1e-6, instance });
    }
  }
  return out;
}

const pool = new pg.Pool({ connectionString: PG_URL, max: 4 });
const storage = new PostgresStorage({ pool, schema });
try {
  await storage.migrate();
  const session = (): PgSession => new PgSession(pool, `"${schema}"`, undefined, 30_000, true);
  const variants = {
    shipped: new PostgresNames(session(), 3_600_000, SERIES_GRANULARITY),
    everySlot: new PostgresNames(session(), 3_600_000, 0),
    namesOnly: new PostgresNames(session(), 3_600_000, Infinity),
  };
  const rows: Record<string, { wall: number[]; cpu: number[] }> = { write: { wall: [], cpu: [] }, shipped: { wall: [], cpu: [] }, everySlot: { wall: [], cpu: [] }, namesOnly: { wall: [], cpu: [] } };
  const l0 = load();
  for (let k = 0; k < SLOTS; k++) {
    const order = k % 2 === 0 ? (['write', 'shipped', 'everySlot', 'namesOnly'] as const) : (['namesOnly', 'everySlot', 'shipped', 'write'] as const);
    for (const which of order) {
      // Each variant writes its own instance's rows: no variant finds another's rows ahead of it.
      const batch = slot(k, which);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      if (which === 'write') await storage.writeRollups(batch);
      else await session().connected((connection) => variants[which].record(connection, [batch]));
      const c = process.cpuUsage(c0);
      if (k === 0 && which !== 'write') continue; // the first slot inserts every row: not the steady state
      rows[which]!.wall.push(performance.now() - t0);
      rows[which]!.cpu.push((c.user + c.system) / 1000);
    }
  }
  console.log(`5,000 series a slot, ${SLOTS} slots, load ${l0} -> ${load()}`);
  for (const [which, r] of Object.entries(rows)) console.log(`  ${which.padEnd(10)} wall ms median ${median(r.wall).toFixed(1)} (min ${Math.min(...r.wall).toFixed(1)}), client CPU ms median ${median(r.cpu).toFixed(1)}`);
} finally {
  await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await storage.close();
  await pool.end();
}
