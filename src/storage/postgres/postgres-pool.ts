import pg from 'pg';
import type { Pool } from 'pg';
import type { ResolvedPostgresStorageOptions } from './postgres-options.js';

/**
 * The pool a `PostgresStorage` creates for itself when it is given no `pool`: sized and timed by
 * the options, exact doubles, and idle-client errors kept from crashing the process.
 */
export function createOwnPool(options: ResolvedPostgresStorageOptions): Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections,
    connectionTimeoutMillis: options.connectionTimeout,
    allowExitOnIdle: true,
    // Doubles must come back exactly (the storage contract; a reader matches its own stored
    // slots by their sums): a role or database set to `extra_float_digits` 0 or less makes the
    // server print them to 15 digits. A connection string's own `options` still win.
    options: '-c extra_float_digits=3',
  });
  // An idle client losing its connection emits 'error' on the pool, which would crash the
  // process unhandled. The next statement fails and reports through its promise instead.
  pool.on('error', () => undefined);
  return pool;
}
