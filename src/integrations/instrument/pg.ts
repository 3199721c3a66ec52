import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { OperationMetrics, type OperationFamily } from './operation-metrics.js';
import { OperationCache, wrapQuery, type PgQueryable } from './pg-query.js';
import { PoolGauges, type PgPoolStats } from './pg-pool-gauges.js';
import { Registrations, targetName, type Uninstrument } from './shared.js';

export type { PgQueryable } from './pg-query.js';
export type { PgPoolStats } from './pg-pool-gauges.js';

/** Names of the metrics {@link instrumentPg} records (seed 001's `db_queries_total` and `db_query_duration_seconds`). */
export const PG_METRICS = Object.freeze({
  queries: 'db_queries_total',
  duration: 'db_query_duration_seconds',
  errors: 'db_query_errors_total',
  connections: 'db_pool_connections',
  waiting: 'db_pool_waiting_clients',
  max: 'db_pool_max_connections',
});

/** Bucket bounds of `db_query_duration_seconds` by default: from 1 ms, as most queries of a healthy database take less than Prometheus' default first 5 ms. */
export const QUERY_BUCKETS = Object.freeze([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]);

/** Options of {@link instrumentPg}. */
export const instrumentPgOptionsSchema = z
  .object({
    /** The `pool` label, to tell pools apart (a primary and a replica): default `'default'`. */
    name: targetName.default('default'),
    /** Bucket bounds of `db_query_duration_seconds` (default {@link QUERY_BUCKETS}); one set per monitor. */
    buckets: z.array(z.number().positive().finite()).min(1).optional(),
  })
  .strict();

/** Options accepted by {@link instrumentPg}. */
export type InstrumentPgOptions = z.input<typeof instrumentPgOptionsSchema>;

/** A pg `Pool` as {@link instrumentPg} uses it: `query`, the `acquire` and `remove` events and its counts. */
export interface PgPool extends PgQueryable, PgPoolStats {
  on(event: 'acquire' | 'remove', listener: (client: PgQueryable) => void): unknown;
  removeListener(event: 'acquire' | 'remove', listener: (client: PgQueryable) => void): unknown;
}

const PG_FAMILY: OperationFamily = {
  calls: PG_METRICS.queries,
  duration: PG_METRICS.duration,
  errors: PG_METRICS.errors,
  noun: 'Database queries',
  targetLabel: 'pool',
  operationLabel: 'operation',
  owner: 'instrumentPg',
};

/** Statement verbs are a fixed list of a few dozen; this only bounds a foreign driver's surprises. */
const MAX_OPERATIONS = 64;

const registrations = new Registrations();

function isPool(target: object): target is PgPool {
  const p = target as Partial<Record<keyof PgPool, unknown>>;
  return typeof p.on === 'function' && typeof p.removeListener === 'function' && typeof p.totalCount === 'number' && typeof p.idleCount === 'number';
}

/**
 * Records every query of a pg `Pool` (or of one `Client`): `db_queries_total`,
 * `db_query_duration_seconds` and `db_query_errors_total{code}` by `pool` and `operation` (the
 * SQL verb, never the SQL text), and for a pool the gauges `db_pool_connections{state="in_use"|"idle"}`,
 * `db_pool_waiting_clients` and `db_pool_max_connections`, read when the monitor is read (a
 * scrape, a snapshot, a slot close). Queries through `pool.query` and through clients from
 * `pool.connect()` are both counted, once. Instrumenting the same pool twice for one monitor
 * returns the first call's remover; closing the monitor removes the instrumentation. Recording
 * never throws into a query: its failures go to the monitor's `error` event.
 * @returns a function that takes the instrumentation out again.
 * @throws {ConfigError} when `target` has no `query` method, an option is invalid, or another pool already uses `name` on this monitor.
 * @example const uninstrument = instrumentPg(monitor, pool, { name: 'primary' });
 */
export function instrumentPg(monitor: Monitor, target: PgQueryable, options: InstrumentPgOptions = {}): Uninstrument {
  if (typeof (target as Partial<PgQueryable> | null)?.query !== 'function') {
    throw new ConfigError('instrumentPg: the target must be a pg Pool or Client (an object with a query method)');
  }
  const existing = registrations.get(target, monitor);
  if (existing !== undefined) return existing;
  const o = parseOptions(instrumentPgOptionsSchema, options, 'instrumentPg options');
  const gauges = isPool(target) ? PoolGauges.of(monitor) : undefined;
  // Checked before anything is wrapped, so a refused call leaves the pool untouched.
  gauges?.claim(o.name, target as PgPool);
  const metrics = new OperationMetrics(monitor, PG_FAMILY, o.name, o.buckets ?? QUERY_BUCKETS, MAX_OPERATIONS);
  if (gauges === undefined) return registrations.add(target, monitor, wrapQuery(target, metrics, monitor));

  const pool = target as PgPool;
  const clients = new Map<PgQueryable, () => void>();
  const operations = new OperationCache();
  // Every query runs on a checked-out client (pool.query checks one out too), so wrapping
  // clients as they are acquired counts each query once, whichever way it was made.
  const onAcquire = (client: PgQueryable): void => {
    if (!clients.has(client)) clients.set(client, wrapQuery(client, metrics, monitor, operations));
  };
  const onRemove = (client: PgQueryable): void => {
    clients.get(client)?.();
    clients.delete(client);
  };
  pool.on('acquire', onAcquire);
  pool.on('remove', onRemove);
  return registrations.add(target, monitor, () => {
    pool.removeListener('acquire', onAcquire);
    pool.removeListener('remove', onRemove);
    for (const unwrap of clients.values()) unwrap();
    clients.clear();
    gauges.release(o.name, pool);
  });
}
