import { afterEach, describe, expect, it } from 'vitest';
import type { Monitor } from '../../src/monitor.js';
import { setup } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

/** The exposed `health_status` sample, or undefined when the series has none. */
function healthStatus(m: Monitor): number | undefined {
  const line = /^health_status (\S+)$/m.exec(m.exportPrometheusMetrics());
  return line === null ? undefined : Number(line[1]);
}

describe('health_status', () => {
  it('has no sample (unknown) until the first answer, rather than 0 (unhealthy)', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('db', () => true);
    const text = t.monitor.exportPrometheusMetrics();
    expect(text).toContain('# TYPE health_check_status gauge');
    expect(text).not.toContain('health_status');
    await t.health.check();
    expect(healthStatus(t.monitor)).toBe(1);
  });

  it('is set by group checks: probes that only ask for readiness keep it current', async () => {
    const t = setup();
    monitor = t.monitor;
    let dbUp = true;
    t.health.register('db', () => dbUp, { groups: ['readiness'] });
    t.health.register('cache', () => 'healthy', { critical: false, groups: ['liveness'] });
    await t.health.check({ group: 'readiness' });
    expect(healthStatus(t.monitor)).toBeUndefined(); // cache has no result yet: the whole is unknown
    await t.health.check({ group: 'liveness' });
    expect(healthStatus(t.monitor)).toBe(1);
    dbUp = false;
    await t.health.check({ group: 'readiness' });
    expect(healthStatus(t.monitor)).toBe(0); // a critical check failed
    dbUp = true;
    await t.health.check.one('db');
    expect(healthStatus(t.monitor)).toBe(1);
  });

  it('grades the latest result of every check as a full check() does', async () => {
    const t = setup();
    monitor = t.monitor;
    let cache: 'healthy' | 'unhealthy' = 'healthy';
    t.health.register('db', () => true, { groups: ['readiness'] });
    t.health.register('cache', () => cache, { critical: false, groups: ['startup'] });
    await t.health.check();
    cache = 'unhealthy';
    await t.health.check({ group: 'startup' });
    // The stale db result still counts; a failing non-critical check makes the whole degraded.
    expect(healthStatus(t.monitor)).toBe(0.5);
    expect((await t.health.check()).status).toBe('degraded');
    expect(healthStatus(t.monitor)).toBe(0.5);
  });

  it('counts a check registered later from its first result, and forgets an unregistered one', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('db', () => true, { groups: ['readiness'] });
    await t.health.check({ group: 'readiness' });
    expect(healthStatus(t.monitor)).toBe(1);
    t.health.register('queue', () => false, { groups: ['startup'] });
    await t.health.check({ group: 'readiness' });
    expect(healthStatus(t.monitor)).toBe(1); // queue has no result yet
    await t.health.check({ group: 'startup' });
    expect(healthStatus(t.monitor)).toBe(0);
    t.health.unregister('queue');
    expect(healthStatus(t.monitor)).toBe(1);
  });

  it('reports a taken health_status name once and keeps the other health metrics', async () => {
    const t = setup();
    monitor = t.monitor;
    t.monitor.counter({ name: 'health_status' });
    t.health.register('db', () => true);
    await t.health.check();
    await t.health.check({ group: 'liveness' });
    await t.health.check.one('db');
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^health metrics are disabled: metric "health_status"/)]);
    expect(t.monitor.exportPrometheusMetrics()).toContain('health_check_status{check="db"} 1');
  });
});
