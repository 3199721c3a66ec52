/**
 * PostgresStorage runs at most two rollup statements at once: the calls of one turn of the
 * event loop are shared out between them, later ones wait and go together. Each call
 * resolves when its own rows are stored, and a batch the server refuses still fails alone
 * (poison isolation).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import type { Rollup } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { PostgresRollups } from '../../src/storage/postgres/postgres-rollups.js';
import { PgSession } from '../../src/storage/postgres/postgres-sql.js';
import { recordPoolStatements } from './postgres-statements.js';
import { dropSchema, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';

const available = await postgresAvailable('PostgresStorage write combining tests');
const SLOT = 30_000;
const START = Math.floor(Date.now() / SLOT) * SLOT - 100 * SLOT;

/** 100 rollups of `name`, one per slot from `first`, stamped by `instance`. */
function batch(name: string, first: number, instance = 'web-1'): Rollup[] {
  return Array.from({ length: 100 }, (_, i) => {
    const start = START + (first + i) * SLOT;
    return { name, kind: 'counter', labels: { shop: 'eu' }, start, end: start + SLOT, count: 1, sum: i, min: i, max: i, instance };
  });
}

describe.skipIf(!available)('PostgresStorage write combining', () => {
  const pool = testPool(4);
  const schemas: string[] = [];
  afterAll(async () => {
    for (const schema of schemas) await dropSchema(pool, schema);
    await pool.end();
  });

  async function store(): Promise<PostgresStorage> {
    const schema = uniqueSchema('pw_comb');
    schemas.push(schema);
    const storage = new PostgresStorage({ pool, schema });
    await storage.migrate();
    return storage;
  }

  it('writes 8 batches of one turn in 2 statements of 4 batches each', async () => {
    const storage = await store();
    const log = recordPoolStatements(pool);
    try {
      await Promise.all(Array.from({ length: 8 }, (_, k) => storage.writeRollups(batch('orders_total', 0, `web-${k}`))));
    } finally {
      log.restore();
    }
    expect(log.texts().filter((t) => t.startsWith('COPY'))).toHaveLength(2); // beside the sweep
    const read = await storage.queryRollups({ name: 'orders_total' });
    expect(read).toHaveLength(800);
    expect(new Set(read.map((r) => `${r.instance}/${r.start}`)).size).toBe(800);
  });

  it('writes each batch of a refused combined statement alone: the poisoned one fails permanently, the others are stored', async () => {
    const storage = await store();
    const s = `"${storage.schema}"`;
    // The server refuses one metric (as a data exception would), whatever statement carries it.
    await pool.query(`CREATE FUNCTION ${s}.trap() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'poison_total' THEN RAISE EXCEPTION 'refused' USING ERRCODE = '22023'; END IF; RETURN NEW; END $$`);
    await pool.query(`CREATE TRIGGER trap BEFORE INSERT ON ${s}.rollups FOR EACH ROW EXECUTE FUNCTION ${s}.trap()`);
    const log = recordPoolStatements(pool);
    let settled: PromiseSettledResult<void>[];
    try {
      // Two statements: the first two batches, and the last two.
      settled = await Promise.allSettled([
        ...Array.from({ length: 3 }, (_, k) => storage.writeRollups(batch('orders_total', 100 * k))),
        storage.writeRollups(batch('poison_total', 0)),
      ]);
    } finally {
      log.restore();
    }
    // 2 combined statements (the second refused), then each of its two batches alone.
    expect(log.texts().filter((t) => t.startsWith('COPY'))).toHaveLength(4);
    expect(settled.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    const error = (settled[3] as PromiseRejectedResult).reason as StorageError;
    expect(error).toBeInstanceOf(StorageError);
    expect(error.permanent).toBe(true);
    expect(error.cause).toMatchObject({ code: '22023' });
    expect(await storage.queryRollups({ name: 'orders_total' })).toHaveLength(300);
    expect(await storage.queryRollups({ name: 'poison_total' })).toEqual([]);
  });

  it('does not write a waiting batch whose call was aborted before its statement began', async () => {
    const storage = await store();
    // The adapter's rollup writer itself: its calls are queued synchronously, so the third one
    // waits for the next turn of the event loop, as the others do, when it is aborted.
    const writer = new PostgresRollups(new PgSession(pool, `"${storage.schema}"`, undefined, 30_000, true), 86_400_000);
    const abort = new AbortController();
    const first = writer.insert(batch('orders_total', 0));
    const second = writer.insert(batch('orders_total', 100));
    const waiting = writer.insert(batch('orders_total', 200), abort.signal);
    abort.abort(new Error('deadline'));
    await expect(waiting).rejects.toThrow('deadline');
    await Promise.all([first, second]);
    await writer.insert(batch('orders_total', 300)); // the queue has moved on
    const slots = (await storage.queryRollups({ name: 'orders_total' })).map((r) => (r.start - START) / SLOT);
    expect(slots).toHaveLength(300);
    expect(slots.filter((slot) => slot >= 200 && slot < 300)).toEqual([]);
  });

  it('names its upsert (prepared once per connection) unless preparedStatements is false', async () => {
    const names: (string | undefined)[][] = [];
    for (const preparedStatements of [true, false]) {
      const schema = uniqueSchema('pw_comb');
      schemas.push(schema);
      const storage = new PostgresStorage({ pool, schema, preparedStatements });
      await storage.migrate();
      const log = recordPoolStatements(pool);
      try {
        await storage.writeRollups(batch('orders_total', 0));
        await storage.writeRollups(batch('orders_total', 0)); // a rewrite: COPY, then the upsert
      } finally {
        log.restore();
      }
      const seen = log.statements.map((s) => s.name);
      expect(await storage.queryRollups({ name: 'orders_total' })).toHaveLength(100);
      names.push(seen);
    }
    const [named, unnamed] = names;
    // The sweep, the first COPY, its names upsert, the second COPY (refused), the rollups upsert:
    // only the two upserts are prepared.
    expect(named).toHaveLength(5);
    expect([named![0], named![1], named![3]]).toEqual([undefined, undefined, undefined]);
    expect(named![2]).toMatch(/^pulsewatch_[0-9a-f]{20}$/);
    expect(named![4]).toMatch(/^pulsewatch_[0-9a-f]{20}$/);
    expect(unnamed).toEqual([undefined, undefined, undefined, undefined, undefined]);
  });
});
