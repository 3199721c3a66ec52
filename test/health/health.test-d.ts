import { describe, expectTypeOf, it } from 'vitest';
import type { HealthCheckOptions } from '../../src/health/options.js';
import type { HealthChangedEvent, HealthReport, HealthStatus, NamedCheckReport } from '../../src/health/types.js';
import { createMonitor } from '../../src/monitor.js';
import { checks } from '../../src/system/checks.js';

const monitor = createMonitor();

describe('health types', () => {
  it('check() answers a HealthReport and check.one a NamedCheckReport', () => {
    expectTypeOf(monitor.health.check()).resolves.toEqualTypeOf<HealthReport>();
    expectTypeOf(monitor.health.check.one('db')).resolves.toEqualTypeOf<NamedCheckReport>();
    expectTypeOf(monitor.health.checkOne('db')).resolves.toEqualTypeOf<NamedCheckReport>();
    expectTypeOf<HealthReport['checks'][string]['status']>().toEqualTypeOf<HealthStatus>();
  });

  it('options are z.input: every field optional, durations as ms or strings', () => {
    expectTypeOf<{}>().toMatchTypeOf<HealthCheckOptions>();
    expectTypeOf<{ timeout: '2s'; degradedAfter: 500; groups: ['readiness'] }>().toMatchTypeOf<HealthCheckOptions>();
  });

  it('a check returns a status, a boolean, an outcome or nothing, never any string', () => {
    monitor.health.register('a', () => 'degraded');
    monitor.health.register('b', async () => ({ status: 'healthy', details: { n: 1 } }));
    monitor.health.register('c', async () => {});
    // @ts-expect-error 'ok' is not a status
    monitor.health.register('d', () => 'ok');
    // @ts-expect-error the options are validated types too
    monitor.health.register('e', () => true, { critical: 'yes' });
  });

  it('healthChanged listeners get the typed payload', () => {
    monitor.on('healthChanged', (e) => {
      expectTypeOf(e).toEqualTypeOf<HealthChangedEvent>();
      expectTypeOf(e.scope).toEqualTypeOf<'overall' | 'group' | 'check'>();
    });
  });

  it('built-in checks accept structural clients', () => {
    checks.redis({ ping: async () => 'PONG' });
    checks.postgres({ query: async (_sql: string) => ({ rows: [] }) });
    checks.metric(monitor, { metric: 'response_time', warn: 500 });
    // @ts-expect-error a client without ping()
    checks.redis({ get: async () => 'x' });
  });
});
