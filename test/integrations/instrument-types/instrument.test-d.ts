import type { Cluster, Redis } from 'ioredis';
import type pg from 'pg';
import { describe, expectTypeOf, it } from 'vitest';
import type { Monitor } from 'pulsewatch';
import { instrumentPg, type InstrumentPgOptions } from '../../../src/integrations/instrument/pg.js';
import { instrumentRedis, type InstrumentRedisOptions } from '../../../src/integrations/instrument/redis.js';
import { timedFetch, instrumentFetch, type FetchMetricsOptions } from '../../../src/integrations/instrument/fetch.js';
import { cacheMetrics, type CacheMetrics } from '../../../src/integrations/instrument/cache.js';
import { serveMetrics, type MetricsServer } from '../../../src/integrations/instrument/metrics-server.js';

declare const monitor: Monitor;

describe('instrumentation types', () => {
  it('take pg and ioredis objects as they are, with no import of either in pulsewatch', () => {
    expectTypeOf(instrumentPg).toBeCallableWith(monitor, {} as pg.Pool);
    expectTypeOf(instrumentPg).toBeCallableWith(monitor, {} as pg.Client);
    expectTypeOf(instrumentPg).toBeCallableWith(monitor, {} as pg.PoolClient, { name: 'tx' });
    expectTypeOf(instrumentRedis).toBeCallableWith(monitor, {} as Redis);
    expectTypeOf(instrumentRedis).toBeCallableWith(monitor, {} as Cluster, { name: 'cluster', maxCommands: 50 });
    expectTypeOf(instrumentPg(monitor, {} as pg.Pool)).toEqualTypeOf<() => void>();
  });

  it('keep the type of the fetch they wrap', () => {
    expectTypeOf(timedFetch(monitor, globalThis.fetch)).toEqualTypeOf<typeof fetch>();
    expectTypeOf(instrumentFetch(monitor)).toEqualTypeOf<() => void>();
    expectTypeOf(cacheMetrics(monitor, 'users')).toEqualTypeOf<CacheMetrics>();
    expectTypeOf(serveMetrics(monitor)).resolves.toEqualTypeOf<MetricsServer>();
  });

  it('accept only the options they know', () => {
    expectTypeOf<{ name: 'primary' }>().toMatchTypeOf<InstrumentPgOptions>();
    // @ts-expect-error: not an option of instrumentPg
    instrumentPg(monitor, {} as pg.Pool, { table: true });
    // @ts-expect-error: not an option of instrumentRedis
    instrumentRedis(monitor, {} as Redis, { keys: true });
    expectTypeOf<{ maxHosts: 10; statusLabel: 'class' }>().toMatchTypeOf<FetchMetricsOptions>();
    expectTypeOf<{ maxCommands: 10 }>().toMatchTypeOf<InstrumentRedisOptions>();
  });
});
