/**
 * A rollup read sorts in the client (the server's ORDER BY spilled to disk on 30-day reads) and
 * parses each distinct labels text once: the rollups still come by start whatever order the rows
 * were written in, rows of one start all come, and each rollup has labels of its own.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage read order tests');
const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

function rollup(start: number, labels: Record<string, string>, instance: string): Rollup {
  return { name: 'h_read_order', kind: 'counter', labels, start, end: start + HOUR, count: 1, sum: start / HOUR, min: 1, max: 1, last: 1, instance };
}

describe.skipIf(!available)('PostgresStorage rollup reads', () => {
  const pool = testPool(2);
  const schema = uniqueSchema('h_read_order');
  afterAll(async () => {
    await dropSchema(pool, schema);
    await pool.end();
  });

  it('come by start when the rows were written newest first, every row of a start included, each with its own labels', async () => {
    const storage = new PostgresStorage({ pool, schema, now: () => T0 + 400 * HOUR, retention: '90d' });
    await storage.migrate();
    const series: Record<string, string>[] = [{ route: '/a' }, { route: '/b', nul: 'x\u0000y' }, { '\uE000k': 'v\uE000' }];
    // Newest first, one batch (and so one run of rows) per hour, the series in turn.
    const written: Rollup[] = [];
    for (let h = 299; h >= 0; h--) {
      const batch = series.map((labels, i) => rollup(T0 + h * HOUR, labels, `i${(h * 7 + i) % 3}`));
      written.push(...batch);
      await storage.writeRollups(batch);
    }
    const read = await storage.queryRollups({ name: 'h_read_order' });
    expect(read).toHaveLength(written.length);
    const starts = read.map((r) => r.start);
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    // jsonb keeps its own key order: labels compare as sorted entries.
    const key = (r: Rollup) => JSON.stringify([r.start, r.instance, Object.entries(r.labels).sort()]);
    expect(read.map(key).sort()).toEqual(written.map(key).sort());
    // Labels parsed once per set, copied per rollup: changing one changes no other.
    const sameSeries = read.filter((r) => r.labels.route === '/a');
    expect(sameSeries).toHaveLength(300);
    (sameSeries[0]!.labels as Record<string, string>).route = '/changed';
    expect(sameSeries.slice(1).every((r) => r.labels.route === '/a')).toBe(true);
    expect(read.filter((r) => r.labels.nul === 'x\u0000y')).toHaveLength(300);
    expect(read.filter((r) => r.labels['\uE000k'] === 'v\uE000')).toHaveLength(300);
    // A range read: the same order.
    const range = await storage.queryRollups({ name: 'h_read_order', from: T0 + 100 * HOUR, to: T0 + 110 * HOUR });
    expect(range.map((r) => r.start)).toEqual(Array.from({ length: 30 }, (_, i) => T0 + (100 + Math.floor(i / 3)) * HOUR));
  });
});
