import { userInfo } from 'node:os';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import { createMonitor, type Monitor } from '../../../src/monitor.js';
import { freePort as closedPort } from '../../helpers/ports.js';
import { postgresAvailable } from '../../helpers/postgres-db.js';

const skip = !(await postgresAvailable('checks.postgres'));

/** `postgres`, or the current user when `postgres` cannot log in (trust auth either way). */
async function pgUser(): Promise<string> {
  if (process.env.PGUSER) return process.env.PGUSER;
  const probe = new pg.Client({ host: '127.0.0.1', port: 5432, database: 'test', user: 'postgres' });
  try {
    await probe.connect();
    return 'postgres';
  } catch {
    return userInfo().username;
  } finally {
    await probe.end().catch(() => {});
  }
}

let monitor: Monitor | undefined;
const pools: pg.Pool[] = [];
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function pool(port: number, user: string): pg.Pool {
  const p = new pg.Pool({ host: '127.0.0.1', port, database: 'test', user, connectionTimeoutMillis: 2_000 });
  p.on('error', () => {});
  pools.push(p);
  return p;
}

describe.skipIf(skip)('checks.postgres against the real PostgreSQL at 127.0.0.1:5432', () => {
  it('is healthy when SELECT 1 succeeds, with the pool stats in details', async () => {
    monitor = createMonitor();
    monitor.health.register('database', checks.postgres(pool(5432, await pgUser())), { degradedAfter: '500ms', groups: ['readiness'] });
    const report = await monitor.health.check({ group: 'readiness' });
    expect(report.checks.database).toMatchObject({ status: 'healthy', details: { totalCount: 1, idleCount: 1, waitingCount: 0 } });
    expect(report.checks.database?.responseTime).toBeLessThan(500);
  });

  it('runs a custom query, and a failing query is unhealthy with the server message', async () => {
    monitor = createMonitor();
    const p = pool(5432, await pgUser());
    monitor.health.register('custom', checks.postgres(p, { query: 'SELECT count(*) FROM pg_stat_activity' }));
    monitor.health.register('broken', checks.postgres(p, { query: 'SELECT * FROM no_such_table_pulsewatch' }), { critical: false });
    const report = await monitor.health.check();
    expect(report.checks.custom?.status).toBe('healthy');
    expect(report.checks.broken).toMatchObject({ status: 'unhealthy', message: 'relation "no_such_table_pulsewatch" does not exist' });
  });

  it('is unhealthy with the connection error when nothing listens on the port', async () => {
    monitor = createMonitor();
    monitor.health.register('database', checks.postgres(pool(await closedPort(), 'postgres')));
    const report = await monitor.health.check();
    expect(report.status).toBe('unhealthy');
    expect(report.checks.database?.message).toMatch(/ECONNREFUSED/);
    expect(report.checks.database?.details).toMatchObject({ code: 'ECONNREFUSED' });
  });
});

describe('checks.postgres without a server', () => {
  it('rejects a pool without query() and an empty query', () => {
    for (const make of [() => checks.postgres({} as never), () => checks.postgres({ query: async () => ({}) }, { query: ' ' })]) {
      let error: unknown;
      try {
        make();
      } catch (e) {
        error = e;
      }
      expect(isConfigError(error)).toBe(true);
    }
  });
});
