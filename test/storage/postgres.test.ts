import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ConfigError, StorageError } from '../../src/core/errors.js';
import { PostgresStorage, type PostgresStorageOptions } from '../../src/postgres.js';
import type { Rollup } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { recordPoolStatements } from './postgres-statements.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../helpers/postgres-db.js';
import { random as seeded } from '../helpers/random.js';

const available = await postgresAvailable('PostgresStorage tests');
const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const HOUR = 3_600_000;

function rollup(slot: number, labels: Record<string, string> = {}, extra: Partial<Rollup> = {}): Rollup {
  const start = T0 + slot * SLOT;
  return { name: 'requests_total', kind: 'counter', labels, start, end: start + SLOT, count: 1, sum: slot, min: slot, max: slot, ...extra };
}

/** A rollup that ended a minute ago by the real clock (for adapters on the server's clock). */
function recent(): Rollup {
  const start = Math.floor(Date.now() / SLOT) * SLOT - 2 * SLOT;
  return rollup(0, {}, { start, end: start + SLOT });
}

describe('options', () => {
  const pool = testPool(1);
  afterAll(() => pool.end());

  it.each([
    [{}, 'pool', 'either pool'],
    [{ pool: {} }, 'pool', 'pg Pool'],
    [{ connectionString: '' }, 'connectionString', 'empty'],
    [{ connectionString: 5 }, 'connectionString', 'string'],
    [{ connectionString: PG_URL, schema: 'Bad-Name' }, 'schema', 'identifier'],
    [{ connectionString: PG_URL, retention: 'forever' }, 'retention', 'duration'],
    [{ connectionString: PG_URL, retention: 0 }, 'retention', 'greater than 0'],
    [{ connectionString: PG_URL, queryTimeout: -1 }, 'queryTimeout', 'duration'],
    [{ connectionString: PG_URL, maxConnections: 0 }, 'maxConnections', '>0'],
    [{ connectionString: PG_URL, now: 5 }, 'now', 'function'],
  ])('rejects %o with a ConfigError naming the option', (options, option, problem) => {
    const error = catchError(() => new PostgresStorage(options as PostgresStorageOptions));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`${option}:`);
    expect((error as ConfigError).message).toContain(problem);
  });

  it('rejects both pool and connectionString, never echoing the password', () => {
    const connectionString = 'postgres://app:s3cr3t-pw@db.internal:5432/metrics';
    for (const options of [{ pool, connectionString }, { connectionString, retention: 'x' }, { connectionString, schema: 'A B' }]) {
      const error = catchError(() => new PostgresStorage(options as PostgresStorageOptions)) as ConfigError;
      expect(error).toBeInstanceOf(ConfigError);
      expect(`${error.message} ${JSON.stringify(error)} ${String(error.cause ?? '')}`).not.toContain('s3cr3t');
    }
  });

  it('applies defaults and never writes to the options object', () => {
    const options = Object.freeze({ pool });
    const storage = new PostgresStorage(options);
    expect(options).toEqual({ pool });
    expect(storage.schema).toBe('pulsewatch');
    expect(storage.name).toBe('postgres');
  });
});

describe.skipIf(!available)('PostgresStorage on a real server', () => {
  const pool = testPool(8);
  const schemas: string[] = [];
  const time = { now: T0 + HOUR };

  /** A migrated adapter in a fresh schema, on the shared pool and the test's clock. */
  async function store(options: Partial<PostgresStorageOptions> = {}): Promise<PostgresStorage> {
    const schema = uniqueSchema();
    schemas.push(schema);
    const storage = new PostgresStorage({ pool, schema, now: () => time.now, ...options } as PostgresStorageOptions);
    await storage.migrate();
    return storage;
  }

  afterEach(async () => {
    time.now = T0 + HOUR;
    for (const schema of schemas.splice(0)) await dropSchema(pool, schema);
  });
  afterAll(() => pool.end());

  describe('migrate', () => {
    it('creates the schema, tables and indexes once; running it again changes nothing', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const storage = new PostgresStorage({ pool, schema });
      expect(await storage.migrate()).toEqual([1, 2]);
      expect(await storage.migrate()).toEqual([]);
      const tables = await pool.query<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
        [schema],
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(['alerts', 'dead_letters', 'job_dead_letters', 'leases', 'metric_names', 'metric_series', 'migrations', 'rollups', 'rules', 'state']);
      const indexes = await pool.query<{ indexname: string; indexdef: string }>('SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 ORDER BY 1', [
        schema,
        'rollups',
      ]);
      expect(indexes.rows.map((r) => r.indexname)).toEqual(['rollups_end_idx', 'rollups_labels_idx', 'rollups_slot_idx']);
      expect(indexes.rows[0]!.indexdef).toMatch(/USING btree \(end_ms\)/);
      expect(indexes.rows[2]!.indexdef).toContain('UNIQUE INDEX rollups_slot_idx ON');
      expect(indexes.rows[2]!.indexdef).toContain('(name, start_ms, instance, md5((labels)::text) COLLATE "C")');
    });

    it('is safe when three instances migrate at once: one applies, the others find nothing to do', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const instances = [0, 1, 2].map(() => new PostgresStorage({ connectionString: PG_URL, schema }));
      const results = await Promise.all(instances.map((s) => s.migrate()));
      expect(results.flat()).toEqual([1, 2]);
      await instances[0]!.writeRollups([recent()]);
      expect(await instances[2]!.queryRollups({ name: 'requests_total' })).toHaveLength(1);
      await Promise.all(instances.map((s) => s.close()));
    });

    it('migrates by itself before the first call, unless autoMigrate is false', async () => {
      const schema = uniqueSchema();
      schemas.push(schema);
      const manual = new PostgresStorage({ pool, schema, autoMigrate: false });
      const error = await manual.queryRollups({ name: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).cause).toMatchObject({ code: '42P01' }); // undefined_table
      const auto = new PostgresStorage({ pool, schema });
      await auto.writeRollups([recent()]);
      expect(await manual.queryRollups({ name: 'requests_total' })).toHaveLength(1);
    });
  });

  describe('writeRollups', () => {
    it('writes a batch in one COPY, then upserts its names and series in one statement (names whose end moved, series whose end moved a minute); the first write of a minute deletes what retention hides first', async () => {
      const storage = await store();
      const log = recordPoolStatements(pool);
      try {
        await storage.writeRollups(Array.from({ length: 100 }, (_, i) => rollup(100 + i, { route: `/r${i % 7}` })));
        // The next slot of a series the first batch ended last (/r1 at slot 199).
        await storage.writeRollups([rollup(200, { route: '/r1' })]);
      } finally {
        log.restore();
      }
      expect(log.texts()).toHaveLength(5);
      expect(log.texts()[0]).toMatch(/^WITH swept AS \(DELETE FROM .*rollups .*metric_names .* DELETE FROM .*leases/s);
      expect(log.texts()[1]).toMatch(/^COPY .*rollups \(.*\) FROM STDIN \(FORMAT binary\) WHERE end_ms > /s);
      expect(log.texts()[2]).toMatch(/^WITH n AS \(INSERT INTO .*metric_names AS m .* ON CONFLICT \(name\) DO UPDATE.*s AS \(INSERT INTO .*metric_series AS m .* ON CONFLICT \(name, series\) DO UPDATE.*w AS \(DELETE FROM .*metric_series/s);
      expect(log.texts()[3]).toMatch(/^COPY .*rollups \(.*\) FROM STDIN \(FORMAT binary\) WHERE end_ms > /s);
      // The name's end moved; its series' ends moved less than a minute (the series row waits).
      expect(log.texts()[4]).toMatch(/^WITH n AS \(INSERT INTO .*metric_names AS m/s);
      expect(log.texts()[4]).not.toMatch(/metric_series/);
      expect(await storage.queryRollups({ name: 'requests_total' })).toHaveLength(101);
    });

    it('stores a batch of 10,000 rollups with histograms, every field intact', async () => {
      const storage = await store();
      const batch = Array.from({ length: 10_000 }, (_, i) =>
        rollup(i % 100, { route: `/r${i % 100}`, shard: String(Math.floor(i / 100)) }, {
          kind: 'histogram',
          sum: i * 0.1,
          min: -i,
          max: i / 3,
          hdr: 'HISTFAAAAB94nJNpmSzMwMDAwgABzFCaEUzOmNZg/wEiAOMqBGo=',
          resolution: 1e-3,
          service: 'api',
        }),
      );
      const log = recordPoolStatements(pool);
      try {
        await storage.writeRollups(batch);
      } finally {
        log.restore();
      }
      expect(log.texts().filter((t) => t.startsWith('COPY'))).toHaveLength(1); // beside the sweep
      const read = await storage.queryRollups({ name: 'requests_total' });
      expect(read).toHaveLength(10_000);
      const key = (r: Rollup) => `${r.start}|${r.labels.route}|${r.labels.shard}`;
      expect(read.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(batch.slice().sort((a, b) => key(a).localeCompare(key(b))));
    });

    it('round-trips -0, NaN and ±Infinity, which JSON could not', async () => {
      const storage = await store();
      const written = [rollup(100, {}, { kind: 'gauge', sum: -0, min: -Infinity, max: Infinity, last: Number.NaN })];
      await storage.writeRollups(written);
      const [read] = await storage.queryRollups({ name: 'requests_total' });
      expect(Object.is(read!.sum, -0)).toBe(true);
      expect(read).toEqual(written[0]);
    });

    it('rejects a fractional slot boundary with a StorageError (bigint ms columns)', async () => {
      const storage = await store();
      const error = await storage.writeRollups([rollup(100, {}, { start: T0 + 0.5 })]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toContain('integer');
    });
  });

  describe('label matchers (jsonb containment)', () => {
    const special = {
      quote: 'say "hi"',
      backslash: 'C:\\dir\\',
      unicode: 'ünï ✓ 日本 🚀',
      json: '{"a":[1]}',
      sql: "'; DROP TABLE rollups; --",
      nul: 'a\u0000b',
      private: '\uE000x\uE0000',
      like: '%_*',
    };

    it('matches every special value exactly, alone and combined, and nothing else', async () => {
      const storage = await store();
      const entries = Object.entries(special);
      await storage.writeRollups(entries.map(([k, v], i) => rollup(100 + i, { k, v })));
      await storage.writeRollups([rollup(200, { k: 'nul', v: 'a' }), rollup(201, { k: 'like', v: '%' }), rollup(202, { k: 'private', v: '\uE000' })]);
      for (const [k, v] of entries) {
        const read = await storage.queryRollups({ name: 'requests_total', labels: { v } });
        expect(read.map((r) => r.labels)).toEqual([{ k, v }]);
        expect(await storage.queryRollups({ name: 'requests_total', labels: { k, v } })).toHaveLength(1);
      }
      expect(await storage.queryRollups({ name: 'requests_total', labels: { v: 'a' } })).toHaveLength(1);
      expect(await storage.queryRollups({ name: 'requests_total', labels: { v: 'say' } })).toEqual([]);
      expect(await storage.queryRollups({ name: 'requests_total', labels: {} })).toHaveLength(entries.length + 3);
      expect(await storage.queryRollups({ name: 'requests_total', labels: { missing: '' } })).toEqual([]);
    });

    it('keeps label names with special characters', async () => {
      const storage = await store();
      const labels = { 'a"b': '1', 'c\\d': '2', 'e\u0000f': '3', 'ü': '4' };
      await storage.writeRollups([rollup(100, labels)]);
      expect((await storage.queryRollups({ name: 'requests_total', labels: { 'e\u0000f': '3' } }))[0]!.labels).toEqual(labels);
    });
  });

  describe('queryRollups matches MemoryStorage exactly', () => {
    it('on random rollups, matchers and (from, to) ranges, boundaries included', async () => {
      const storage = await store();
      const memory = new MemoryStorage({ now: () => time.now, retention: '30d', maxPointsPerSeries: 100_000 });
      const rand = seeded(11);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
      const batch = Array.from({ length: 400 }, () => {
        const start = T0 + Math.floor(rand() * 100) * 1_000;
        return rollup(0, { route: pick(['/a', '/b', '/c']), status: pick(['200', '500']) }, { start, end: start + pick([1_000, 5_000, 30_000]) });
      });
      await storage.writeRollups(batch);
      await memory.writeRollups(batch);
      const order = (rs: Rollup[]) => rs.map((r) => JSON.stringify([r.start, r.end, r.labels.route, r.labels.status])).sort();
      for (let i = 0; i < 60; i++) {
        const a = T0 + Math.floor(rand() * 140_000) - 10_000;
        const q = {
          name: 'requests_total',
          labels: pick<Record<string, string> | undefined>([undefined, { route: '/a' }, { route: '/b', status: '500' }, { status: '200' }]),
          from: pick([undefined, a, a + 0.5, -Infinity]),
          to: pick([undefined, a + Math.floor(rand() * 40_000), a + 0.5, Infinity]),
        };
        const [pgRows, memRows] = await Promise.all([storage.queryRollups(q), memory.queryRollups(q)]);
        expect(order(pgRows)).toEqual(order(memRows));
        expect(pgRows.map((r) => r.start)).toEqual(memRows.map((r) => r.start)); // ordered by start
      }
    });
  });

  describe('retention', () => {
    it('skips rollups already past retention, hides them as time passes, and sweeps them on a later write', async () => {
      const storage = await store({ retention: '1h' });
      time.now = T0 + 2 * HOUR;
      await storage.writeRollups([rollup(0), rollup(150), rollup(200)]); // slot 0 ended 2 h ago
      expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([150, 200]);
      time.now = T0 + 150 * SLOT + HOUR + SLOT; // slot 150 ended exactly an hour ago
      expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([200]);
      await storage.writeRollups([rollup(300)]); // sweep due (a minute later)
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${storage.schema}".rollups`);
      expect(rows[0].n).toBe(2);
    });
  });

  describe('purgeBefore', () => {
    it('returns the exact count: ended rollups, resolved alerts and both kinds of dead letters; keeps firing alerts and rules', async () => {
      const storage = await store();
      const cut = T0 + 100 * SLOT;
      await storage.writeRollups([rollup(98), rollup(99), rollup(100)]); // 98 and 99 end at or before `cut`
      await storage.saveAlert(alert('firing-old', T0, 'firing'));
      await storage.saveAlert(alert('resolved-old', T0, 'resolved', { endsAt: cut - 1 }));
      await storage.saveAlert(alert('resolved-at-cut', T0, 'resolved', { endsAt: cut }));
      await storage.saveAlert(alert('resolved-no-end', cut - 5, 'resolved'));
      await storage.saveRule({ id: 'r1', name: 'old rule', createdAt: T0, updatedAt: T0 });
      const notification = { id: 'n', status: 'firing', reason: 'firing', alert: alert('a', T0, 'firing'), service: 'api', createdAt: T0 } as const;
      await storage.saveDeadLetter({ id: 'd1', channel: 'slack', notification: notification as never, error: 'x', attempts: 3, failedAt: cut - 1 });
      await storage.saveDeadLetter({ id: 'd2', channel: 'slack', notification: notification as never, error: 'x', attempts: 3, failedAt: cut });
      await storage.saveJobDeadLetter({ id: 'j1', job: 'email', data: { to: 'a' }, error: 'x', attempts: 3, failedAt: cut - 1 });
      await storage.tryAcquire('lease-expired', 1);
      await storage.tryAcquire('lease-held', HOUR);
      time.now += 10;

      expect(await storage.purgeBefore(cut)).toBe(2 + 2 + 1 + 1);
      expect(await storage.purgeBefore(cut)).toBe(0);
      expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([100]);
      expect((await storage.queryAlerts({})).map((a) => a.id).sort()).toEqual(['firing-old', 'resolved-at-cut']);
      expect(await storage.listRules()).toHaveLength(1);
      expect((await storage.listDeadLetters()).map((d) => d.id)).toEqual(['d2']);
      expect(await storage.listJobDeadLetters()).toEqual([]);
      const { rows } = await pool.query(`SELECT key FROM "${storage.schema}".leases`);
      expect(rows.map((r: { key: string }) => r.key)).toEqual(['lease-held']);
    });
  });

  describe('tryAcquire', () => {
    it('expires on the injected clock without sleeping', async () => {
      const storage = await store();
      expect(await storage.tryAcquire('k', 1000)).toBe(true);
      expect(await storage.tryAcquire('k', 1000)).toBe(false);
      time.now += 999;
      expect(await storage.tryAcquire('k', 1000)).toBe(false);
      time.now += 1;
      expect(await storage.tryAcquire('k', 1000)).toBe(true);
    });

    it('uses the server clock by default, and exactly one of many concurrent callers wins', async () => {
      const storage = await store({ now: undefined });
      const results = await Promise.all(Array.from({ length: 8 }, () => storage.tryAcquire('notify', 60_000)));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await storage.tryAcquire('zero', 0)).toBe(true);
      expect(await storage.tryAcquire('zero', 0)).toBe(true); // a zero ttl has expired already
    });
  });

  describe('failures and close', () => {
    it('rejects every call with a StorageError carrying the cause, and honours an aborted signal', async () => {
      const storage = await store();
      await pool.query(`DROP TABLE "${storage.schema}".alerts`);
      const error = await storage.queryAlerts({}).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).message).toMatch(/PostgresStorage \(schema "pw_test_.*"\): reading alerts failed: relation .* does not exist/);
      expect((error as StorageError).cause).toMatchObject({ code: '42P01' });
      const aborted = await storage.listRules({ signal: AbortSignal.abort() }).catch((e: unknown) => e);
      expect(aborted).toBeInstanceOf(StorageError);
    });

    it('ends the pool only when it created it; afterwards every call rejects with a StorageError', async () => {
      const borrowed = await store();
      const owned = new PostgresStorage({ connectionString: PG_URL, schema: borrowed.schema });
      await owned.writeRollups([recent()]);
      await Promise.all([borrowed.close(), owned.close()]);
      await owned.close(); // idempotent
      expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
      for (const storage of [borrowed, owned]) {
        const calls = [
          () => storage.writeRollups([rollup(1)]),
          () => storage.queryRollups({ name: 'x' }),
          () => storage.tryAcquire('k', 1),
          () => storage.purgeBefore(0),
          () => storage.listRules(),
          () => storage.migrate(),
        ];
        for (const call of calls) await expect(call()).rejects.toBeInstanceOf(StorageError);
      }
    });

    it('reports an unreachable server as a StorageError', async () => {
      const storage = new PostgresStorage({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeout: 1000 });
      const error = await storage.queryRollups({ name: 'x' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(StorageError);
      expect((error as StorageError).cause).toBeDefined();
      await storage.close();
    });
  });
});

function alert(id: string, updatedAt: number, status: AlertRecord['status'], extra: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id,
    ruleId: 'r1',
    ruleName: 'High latency',
    fingerprint: '0123456789abcdef',
    labels: { alertname: 'High latency' },
    annotations: {},
    message: 'm',
    severity: 'warning',
    type: 'performance',
    status,
    value: 1,
    threshold: 1,
    activeAt: updatedAt,
    startsAt: updatedAt,
    channels: [],
    recipients: [],
    service: 'api',
    updatedAt,
    ...extra,
  };
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}
