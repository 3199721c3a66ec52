import { ConfigError } from '../../core/errors.js';
import type { HealthCheck, HealthCheckOutcome } from '../types.js';

/** Any client with `query(sql)`: a pg `Pool` or `Client`, postgres.js-style wrappers, mysql2 pools. */
export interface QueryClient {
  query(sql: string): unknown;
}

/** Options of {@link postgresCheck}. */
export interface PostgresCheckOptions {
  /** The statement to run (default `SELECT 1`). */
  query?: string;
}

/**
 * A check that runs `SELECT 1` (or `options.query`). When the client is a pg `Pool`, the pool's
 * `totalCount`, `idleCount` and `waitingCount` go into `details` (seed 000: watch active
 * connections); a growing `waitingCount` is the first sign of pool exhaustion.
 *
 * @example monitor.health.register('database', checks.postgres(pool), { degradedAfter: '500ms', groups: ['readiness'] })
 */
export function postgresCheck(pool: QueryClient, options: PostgresCheckOptions = {}): HealthCheck {
  if (typeof (pool as Partial<QueryClient> | null)?.query !== 'function') {
    throw new ConfigError('checks.postgres: pool must have a query(sql) method (a pg Pool or Client)');
  }
  const sql = options.query ?? 'SELECT 1';
  if (typeof sql !== 'string' || sql.trim() === '') throw new ConfigError(`checks.postgres: query must be a non-empty SQL string, got ${JSON.stringify(sql)}`);
  return async () => {
    await pool.query(sql);
    const outcome: HealthCheckOutcome = { status: 'healthy' };
    const stats = poolStats(pool);
    if (stats !== undefined) outcome.details = stats;
    return outcome;
  };
}

function poolStats(pool: object): Record<string, number> | undefined {
  const p = pool as { totalCount?: unknown; idleCount?: unknown; waitingCount?: unknown };
  if (typeof p.totalCount !== 'number' || typeof p.idleCount !== 'number' || typeof p.waitingCount !== 'number') return undefined;
  return { totalCount: p.totalCount, idleCount: p.idleCount, waitingCount: p.waitingCount };
}
