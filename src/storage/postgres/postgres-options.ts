import type { Pool } from 'pg';
import { z } from 'zod';
import { positiveDurationSchema } from '../../core/duration.js';
import type { StorageError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';

const SCHEMA_NAME_RE = /^[a-z_][a-z0-9_]{0,62}$/;

const isPool = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && typeof (v as Partial<Pool>).query === 'function' && typeof (v as Partial<Pool>).connect === 'function';

/**
 * Options of {@link PostgresStorage}. Pass exactly one of `pool` (yours: the adapter never ends
 * it) and `connectionString` (the adapter creates a pool and ends it in `close()`).
 */
export const postgresStorageOptionsSchema = z
  .object({
    /** A pg `Pool` you own. Attach your own `pool.on('error', ...)` handler, as pg requires. */
    pool: z.custom<Pool>(isPool, 'must be a pg Pool (an object with query() and connect())').optional(),
    /** A connection string; the adapter creates a pg `Pool` from it and ends it in `close()`. */
    connectionString: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).optional(),
    /** Size of the pool the adapter creates from `connectionString` (pg's `max`). */
    maxConnections: z.number().int().positive().default(10),
    /** PostgreSQL schema holding the tables; created by `migrate()`. Lowercase letters, digits and `_`, at most 63. */
    schema: z
      .string()
      .regex(SCHEMA_NAME_RE, { error: 'must be a lowercase SQL identifier: [a-z_][a-z0-9_]*, at most 63 characters' })
      .default('pulsewatch'),
    /** Rollups that ended longer ago than this are hidden from reads and swept on writes (seed 002: 30 days). */
    retention: positiveDurationSchema.default(30 * 86_400_000),
    /**
     * Run `migrate()` before the first call (default). Set `false` when migrations are applied by
     * a deploy step; calls then fail with a transient StorageError until the schema is at this
     * version (its version is read once it is, never again).
     */
    autoMigrate: z.boolean().default(true),
    /**
     * Send the upsert of a rewritten rollup batch as a named prepared statement (parsed and
     * planned once per connection; new rollups go by COPY). Set `false` behind a pooler in
     * transaction mode that does not carry prepared statements between server connections
     * (PgBouncer before 1.21, or with `max_prepared_statements = 0`).
     */
    preparedStatements: z.boolean().default(true),
    /** Client-side limit for every statement (pg's `query_timeout`), so a silent network cannot stall the recorder. */
    queryTimeout: positiveDurationSchema.default(30_000),
    /** Limit for opening a connection of the pool the adapter creates (pg's `connectionTimeoutMillis`). */
    connectionTimeout: positiveDurationSchema.default(10_000),
    /**
     * Source of time (ms since the epoch) for retention and lease expiry. Default: the database
     * server's clock, one time source for every instance. Inject one only in tests, or when
     * every instance shares it.
     */
    now: z.custom<() => number>((v) => typeof v === 'function', 'must be a function returning the time in ms since the epoch').optional(),
    /**
     * Called with failures that do not fail the call they happen in: the metric names upsert
     * after a write's rollups were stored (the names are upserted again by a later write).
     * Default: the `error` event of a monitor given this store (see `attachSideFailures`), else a
     * console warning, at most one a minute.
     */
    onError: z.custom<(error: StorageError) => void>((v) => typeof v === 'function', 'must be a function').optional(),
  })
  .superRefine((o, ctx) => {
    const both = o.pool !== undefined && o.connectionString !== undefined;
    if (both || (o.pool === undefined && o.connectionString === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['pool'],
        message: both ? 'pass either pool or connectionString, not both' : 'pass either pool (a pg Pool) or connectionString',
      });
    }
  });

/** Options accepted by {@link PostgresStorage}. */
export type PostgresStorageOptions = z.input<typeof postgresStorageOptionsSchema>;

/** Options after defaults (durations in ms). */
export type ResolvedPostgresStorageOptions = z.output<typeof postgresStorageOptionsSchema>;

/**
 * Validates options into a new frozen object. Messages name the option and never echo a value
 * (a connection string holds a password).
 */
export function parsePostgresStorageOptions(options: PostgresStorageOptions): ResolvedPostgresStorageOptions {
  // Options hold a connection string with a password: errors name the option, never the value.
  return parseOptions(postgresStorageOptionsSchema, options, 'invalid PostgresStorage options', { values: false });
}
