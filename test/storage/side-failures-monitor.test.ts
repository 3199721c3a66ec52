/**
 * A store's side failures (work that must not fail the call it rides on) reach the `error` event
 * of a monitor given the store, unless the store's user gave it `onError`; after the monitor
 * closes they go back to the rate-limited console warning. Real Redis and PostgreSQL, with a
 * forced failure each: a malformed state entry read back (Redis), a metric_names upsert the
 * table refuses after the rollups were stored (PostgreSQL).
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/index.js';
import { PostgresStorage } from '../../src/postgres.js';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup } from '../../src/storage/contract.js';
import { SideFailures } from '../../src/storage/side-failures.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable } from '../helpers/redis-env.js';

const redisUp = await redisAvailable('side failures on the monitor (Redis)');
const pgUp = await postgresAvailable('side failures on the monitor (PostgreSQL)');
const SLOT = 30_000;

describe('SideFailures', () => {
  it('gives onError every failure and attaches nothing; else the attached reporters; else one console line a minute', () => {
    const failure = new StorageError('index write failed');
    const own: StorageError[] = [];
    const withOwn = new SideFailures((e) => own.push(e), 'X');
    expect(withOwn.attach(() => {})).toBeUndefined();
    withOwn.report(failure);
    expect(own).toEqual([failure]);

    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const sides = new SideFailures(undefined, 'X');
      const a: StorageError[] = [];
      const b: StorageError[] = [];
      const detachA = sides.attach((e) => a.push(e))!;
      // A reporter that throws neither stops the others nor escapes.
      const detachThrower = sides.attach(() => {
        throw new Error('listener bug');
      })!;
      const detachB = sides.attach((e) => b.push(e))!;
      expect(() => sides.report(failure)).not.toThrow();
      expect(a).toEqual([failure]);
      expect(b).toEqual([failure]);
      detachA();
      detachThrower();
      detachB();
      sides.report(failure);
      sides.report(failure);
      expect(a).toHaveLength(1);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toContain('index write failed');
    } finally {
      warn.mockRestore();
    }
  });

  it("names the adapter once in the console line, whether or not the failure's message already does", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      new SideFailures(undefined, 'RedisStorage').report(new StorageError('RedisStorage: readState skipped 1 entry'));
      new SideFailures(undefined, 'RedisStorage').report(new StorageError('index write failed'));
      expect(warn.mock.calls.map((c) => String(c[0]))).toEqual(['pulsewatch: RedisStorage: readState skipped 1 entry', 'pulsewatch: RedisStorage: index write failed']);
    } finally {
      warn.mockRestore();
    }
  });
});

describe.skipIf(!redisUp)('a monitor given a RedisStorage', () => {
  const admin = inspector();
  const prefix = `n:side:${process.pid}:`;
  afterEach(() => deleteUnder(admin, prefix));
  afterAll(() => admin.disconnect());

  const poisonState = async (): Promise<void> => {
    // Not `updatedAt\nJSON`: readState skips it and reports it as a side failure.
    await admin.hset(`${prefix}state`, 'jobs:bad', 'not a state entry');
    await admin.zadd(`${prefix}state:keys`, 0, 'jobs:bad');
  };

  it('hears a malformed state entry on its error event, and after close no longer does', async () => {
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix });
    const monitor = createMonitor({ storage, logger: false, clock: new ManualClock(1_800_000_000_000) });
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    await poisonState();
    expect(await storage.readState('jobs:')).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect((errors[0] as Error).message).toContain('jobs:bad');
    await monitor.close();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      await storage.readState('jobs:');
      expect(errors).toHaveLength(1);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      warn.mockRestore();
      await storage.close();
    }
  });

  it("leaves the failures to the store's own onError", async () => {
    const own: StorageError[] = [];
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, onError: (e) => own.push(e) });
    const monitor = createMonitor({ storage, logger: false, clock: new ManualClock(1_800_000_000_000) });
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    await poisonState();
    await storage.readState('jobs:');
    expect(own).toHaveLength(1);
    expect(errors).toEqual([]);
    await monitor.close();
    await storage.close();
  });
});

describe.skipIf(!pgUp)('a monitor given a PostgresStorage', () => {
  const admin = testPool(2);
  const schema = uniqueSchema('n_side');
  afterAll(async () => {
    await dropSchema(admin, schema);
    await admin.end();
  });

  it('hears the metric_names upsert that failed after the rollups were stored on its error event', async () => {
    const base = Math.floor(Date.now() / SLOT) * SLOT - 10 * SLOT;
    const rollup = (name: string): Rollup => ({ name, kind: 'counter', labels: { shop: 'x' }, start: base, end: base + SLOT, count: 1, sum: 5, min: 5, max: 5, instance: 'i1' });
    const storage = new PostgresStorage({ connectionString: PG_URL, schema });
    await storage.migrate();
    // The first write runs the minute's sweep; the refused name comes after it.
    await storage.writeRollups([rollup('warmup_total')]);
    await admin.query(`ALTER TABLE "${schema}".metric_names ADD CONSTRAINT refuse_poisoned CHECK (name <> 'poisoned_total')`);
    const monitor = createMonitor({ storage, logger: false });
    const errors: unknown[] = [];
    monitor.on('error', (e) => errors.push(e));
    await expect(storage.writeRollups([rollup('poisoned_total')])).resolves.toBeUndefined();
    const stored = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".rollups WHERE name = 'poisoned_total'`);
    expect(stored.rows[0].n).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect((errors[0] as Error).message).toContain('metric_names');
    await monitor.close();
    await storage.close();
  });
});
