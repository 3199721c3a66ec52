import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, isPulsewatchError, type Monitor, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { instrumentPg, PG_METRICS } from '../../../src/integrations/instrument/pg.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { dropSchema, PG_URL, postgresAvailable, testPool, uniqueSchema } from '../../helpers/postgres-db.js';
import { labelValues, samplesOf, valueOf } from '../instrument-helpers/exposition.js';

const reachable = await postgresAvailable('instrumentPg');
const schema = uniqueSchema('pw_instrument_pg');
const pools: pg.Pool[] = [];
const closing = closeAfterEach();

function pool(max = 4): pg.Pool {
  const p = testPool(max);
  pools.push(p);
  return p;
}

function monitorWith(options: { clock?: ManualClock } = {}): { monitor: Monitor; errors: PulsewatchError[] } {
  const monitor = closing(createMonitor({ service: 'pg-test', ...options }));
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, errors };
}

const queries = (monitor: Monitor, operation: string, name = 'default'): number | undefined => valueOf(monitor, PG_METRICS.queries, { pool: name, operation });

beforeAll(async () => {
  if (!reachable) return;
  const admin = pool(1);
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.query(`CREATE TABLE "${schema}".accounts (id int PRIMARY KEY, email text NOT NULL)`);
});

afterAll(async () => {
  if (reachable) await dropSchema(pools[0]!, schema);
  await Promise.all(pools.map((p) => p.end()));
});

describe('instrumentPg on a real PostgreSQL', () => {
  it('counts each query once by its SQL verb, through pool.query, callbacks, config objects and checked-out clients', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor, errors } = monitorWith();
    const p = pool();
    instrumentPg(monitor, p);
    await p.query('SELECT 1');
    await p.query({ text: `INSERT INTO "${schema}".accounts VALUES ($1, $2)`, values: [1, 'a@example.com'] });
    await new Promise<void>((resolve, reject) => p.query('select $1::int AS n', [2], (err) => (err ? reject(err) : resolve())));
    const client = await p.connect();
    try {
      await client.query('BEGIN');
      await client.query(`/* app=api */ ( SELECT email FROM "${schema}".accounts WHERE id = 1 )`);
      await client.query(`UPDATE "${schema}".accounts SET email = 'b@example.com' WHERE id = 1`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(queries(monitor, 'SELECT')).toBe(3);
    expect(queries(monitor, 'INSERT')).toBe(1);
    expect(queries(monitor, 'UPDATE')).toBe(1);
    expect(queries(monitor, 'BEGIN')).toBe(1);
    expect(queries(monitor, 'COMMIT')).toBe(1);
    expect(valueOf(monitor, `${PG_METRICS.duration}_count`, { pool: 'default', operation: 'SELECT' })).toBe(3);
    expect(samplesOf(monitor, PG_METRICS.errors)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('times a query from the call to its answer, on the monitor clock', async (ctx) => {
    if (!reachable) return ctx.skip();
    const clock = new ManualClock();
    const { monitor } = monitorWith({ clock });
    const p = pool();
    instrumentPg(monitor, p);
    const client = await p.connect();
    try {
      const pending = client.query('SELECT 42 AS answer');
      clock.advance(250);
      expect((await pending).rows).toEqual([{ answer: 42 }]);
    } finally {
      client.release();
    }
    const labels = { pool: 'default', operation: 'SELECT' };
    expect(valueOf(monitor, `${PG_METRICS.duration}_sum`, labels)).toBeCloseTo(0.25, 6);
    expect(valueOf(monitor, `${PG_METRICS.duration}_bucket`, { ...labels, le: '0.1' })).toBe(0);
    expect(valueOf(monitor, `${PG_METRICS.duration}_bucket`, { ...labels, le: '0.25' })).toBe(1);
  });

  it('times a submitted query (a pg.Query, as pg-query-stream submits) to its end or error event', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool();
    instrumentPg(monitor, p);
    const client = await p.connect();
    try {
      const ok = client.query(new pg.Query('SELECT generate_series(1, 3) AS n'));
      await new Promise((resolve) => ok.once('end', resolve));
      const bad = client.query(new pg.Query('SELEC 1'));
      const error = await new Promise<unknown>((resolve) => bad.once('error', resolve));
      expect((error as { code?: string }).code).toBe('42601');
    } finally {
      client.release();
    }
    expect(queries(monitor, 'SELECT')).toBe(1);
    expect(valueOf(monitor, PG_METRICS.errors, { pool: 'default', operation: 'OTHER', code: '42601' })).toBe(1);
  });

  it('counts failed queries by SQLSTATE, times them, and hands the caller the same error', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool();
    instrumentPg(monitor, p);
    await p.query(`INSERT INTO "${schema}".accounts VALUES (10, 'x@example.com')`);
    const duplicate = await p.query(`INSERT INTO "${schema}".accounts VALUES (10, 'x@example.com')`).catch((e: unknown) => e);
    expect((duplicate as { code?: string }).code).toBe('23505');
    const syntax = await new Promise<unknown>((resolve) => p.query('SELEC nothing', (err) => resolve(err)));
    expect((syntax as { code?: string }).code).toBe('42601');
    expect(valueOf(monitor, PG_METRICS.errors, { pool: 'default', operation: 'INSERT', code: '23505' })).toBe(1);
    expect(valueOf(monitor, PG_METRICS.errors, { pool: 'default', operation: 'OTHER', code: '42601' })).toBe(1);
    expect(queries(monitor, 'INSERT')).toBe(2);
    expect(valueOf(monitor, `${PG_METRICS.duration}_count`, { pool: 'default', operation: 'INSERT' })).toBe(2);
  });

  it('reads in-use, idle and waiting connections at scrape time, under concurrent load with waiting clients', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool(2);
    instrumentPg(monitor, p, { name: 'primary' });
    const held = await Promise.all([p.connect(), p.connect()]);
    const waiting = Array.from({ length: 3 }, (_, i) => p.query('SELECT $1::int AS i', [i]));
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'primary', state: 'in_use' })).toBe(2);
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'primary', state: 'idle' })).toBe(0);
    expect(valueOf(monitor, PG_METRICS.waiting, { pool: 'primary' })).toBe(3);
    expect(valueOf(monitor, PG_METRICS.max, { pool: 'primary' })).toBe(2);
    for (const c of held) c.release();
    expect((await Promise.all(waiting)).map((r) => r.rows[0].i)).toEqual([0, 1, 2]);
    expect(valueOf(monitor, PG_METRICS.waiting, { pool: 'primary' })).toBe(0);
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'primary', state: 'in_use' })).toBe(0);
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'primary', state: 'idle' })).toBe(2);
    expect(queries(monitor, 'SELECT', 'primary')).toBe(3);
  });

  it('counts every one of 200 concurrent queries on a pool of 4, once', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor, errors } = monitorWith();
    const p = pool(4);
    instrumentPg(monitor, p, { name: 'busy' });
    const pending = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? p.query('SELECT $1::int AS i', [i]) : p.query(`UPDATE "${schema}".accounts SET email = email WHERE id = $1`, [i])));
    expect(valueOf(monitor, PG_METRICS.waiting, { pool: 'busy' })).toBeGreaterThan(150);
    await Promise.all(pending);
    expect(queries(monitor, 'SELECT', 'busy')).toBe(100);
    expect(queries(monitor, 'UPDATE', 'busy')).toBe(100);
    expect(valueOf(monitor, `${PG_METRICS.duration}_count`, { pool: 'busy', operation: 'UPDATE' })).toBe(100);
    expect(valueOf(monitor, PG_METRICS.waiting, { pool: 'busy' })).toBe(0);
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'busy', state: 'idle' })).toBe(4);
    expect(errors).toEqual([]);
  });

  it('never puts the SQL text in a label: secrets, literals and table names stay out of the exposition', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool();
    instrumentPg(monitor, p);
    await p.query(`SELECT 'password=hunter2' AS secret, 'sk_live_51Habc' AS key`);
    await p.query(`/* token=eyJhbGciOi */ SELECT 1`);
    await p.query(`CREATE TABLE "${schema}"."sk_live_table" (id int)`);
    await p.query(`SELECT 1; -- trailing comment password=hunter2`).catch(() => undefined);
    const text = monitor.exportPrometheusMetrics();
    for (const secret of ['hunter2', 'sk_live', 'eyJhbGciOi', schema, 'accounts']) expect(text).not.toContain(secret);
    expect(labelValues(monitor, PG_METRICS.queries, 'operation')).toEqual(['CREATE', 'SELECT']);
  });

  it('is idempotent per monitor, counts once per monitor with two monitors, and uninstruments cleanly', async (ctx) => {
    if (!reachable) return ctx.skip();
    const a = monitorWith().monitor;
    const b = monitorWith().monitor;
    const p = pool();
    const acquireListeners = p.listenerCount('acquire');
    const removeA = instrumentPg(a, p);
    expect(instrumentPg(a, p)).toBe(removeA);
    const removeB = instrumentPg(b, p);
    await p.query('SELECT 1');
    expect(queries(a, 'SELECT')).toBe(1);
    expect(queries(b, 'SELECT')).toBe(1);
    removeA();
    removeA();
    await p.query('SELECT 1');
    expect(queries(a, 'SELECT')).toBe(1);
    expect(queries(b, 'SELECT')).toBe(2);
    removeB();
    expect(p.listenerCount('acquire')).toBe(acquireListeners);
    // A's wrapper sat under B's, so it stays on the clients as a pass-through; nothing counts.
    await p.query('SELECT 1');
    expect(queries(a, 'SELECT')).toBe(1);
    expect(queries(b, 'SELECT')).toBe(2);
    // Its pool gauges' series are gone (gauge.remove), not left at a made-up value.
    for (const name of [PG_METRICS.connections, PG_METRICS.waiting, PG_METRICS.max]) expect(samplesOf(b, name, { pool: 'default' })).toEqual([]);
  });

  it('removes only the uninstrumented pool\'s gauge series, and a pool instrumented again under its name reports again', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const primary = pool(2);
    const replica = pool(3);
    const removePrimary = instrumentPg(monitor, primary, { name: 'primary' });
    instrumentPg(monitor, replica, { name: 'replica' });
    await Promise.all([primary.query('SELECT 1'), replica.query('SELECT 1')]);
    expect(valueOf(monitor, PG_METRICS.max, { pool: 'primary' })).toBe(2);
    removePrimary();
    expect(samplesOf(monitor, PG_METRICS.connections, { pool: 'primary' })).toEqual([]);
    expect(samplesOf(monitor, PG_METRICS.max, { pool: 'primary' })).toEqual([]);
    expect(valueOf(monitor, PG_METRICS.max, { pool: 'replica' })).toBe(3);
    expect(valueOf(monitor, PG_METRICS.connections, { pool: 'replica', state: 'idle' })).toBe(1);
    // The query counters are totals: they stay.
    expect(queries(monitor, 'SELECT', 'primary')).toBe(1);
    const again = pool(4);
    instrumentPg(monitor, again, { name: 'primary' });
    expect(valueOf(monitor, PG_METRICS.max, { pool: 'primary' })).toBe(4);
  });

  it('counts a query once when its client is instrumented both on its own and through its pool', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool();
    instrumentPg(monitor, p);
    const client = await p.connect();
    try {
      instrumentPg(monitor, client, { name: 'tx' });
      await client.query('SELECT 1');
      await new Promise<void>((resolve, reject) => client.query('SELECT 2', (err) => (err ? reject(err) : resolve())));
    } finally {
      client.release();
    }
    expect(queries(monitor, 'SELECT', 'tx')).toBe(2);
    expect(queries(monitor, 'SELECT')).toBeUndefined();
  });

  it('stops when the monitor closes, and a new monitor can instrument the pool again', async (ctx) => {
    if (!reachable) return ctx.skip();
    const p = pool();
    const first = createMonitor({ service: 'first' });
    instrumentPg(first, p);
    await first.close();
    const client = await p.connect();
    expect(Object.prototype.hasOwnProperty.call(client, 'query')).toBe(false);
    client.release();
    const { monitor } = monitorWith();
    instrumentPg(monitor, p);
    await p.query('SELECT 1');
    expect(queries(monitor, 'SELECT')).toBe(1);
  });

  it('instruments a single pg.Client (no pool gauges)', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      instrumentPg(monitor, client, { name: 'single' });
      await client.query('SHOW server_version');
      expect(queries(monitor, 'SHOW', 'single')).toBe(1);
      expect(samplesOf(monitor, PG_METRICS.connections)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('never throws into a query when recording fails: the failure goes to the error event', async (ctx) => {
    if (!reachable) return ctx.skip();
    const clock = new ManualClock();
    const { monitor, errors } = monitorWith({ clock });
    const p = pool();
    instrumentPg(monitor, p);
    const client = await p.connect();
    const monotonic = clock.monotonic;
    clock.monotonic = () => {
      throw new Error('clock broke');
    };
    try {
      expect((await client.query('SELECT 7 AS n')).rows).toEqual([{ n: 7 }]);
    } finally {
      clock.monotonic = monotonic;
      client.release();
    }
    expect(errors.map((e) => e.code)).toEqual(['ERR_PULSEWATCH_INTERNAL']);
    expect(isPulsewatchError(errors[0])).toBe(true);
  });

  it('refuses what it cannot instrument, naming the problem, before touching the pool', (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const p = pool();
    expect(() => instrumentPg(monitor, {} as pg.Pool)).toThrow(/pg Pool or Client/);
    expect(() => instrumentPg(monitor, p, { name: 'has space' })).toThrow(/name/);
    instrumentPg(monitor, p, { name: 'main' });
    const other = pool();
    expect(() => instrumentPg(monitor, other, { name: 'main' })).toThrow(/already instrumented as "main"/);
    expect(other.listenerCount('acquire')).toBe(0);
  });
});
