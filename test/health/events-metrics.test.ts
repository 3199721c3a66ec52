import { afterEach, describe, expect, it } from 'vitest';
import type { Monitor } from '../../src/monitor.js';
import { setup } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

describe('healthChanged', () => {
  it('fires for each check and for the whole on the first answer, then only on changes', async () => {
    const t = setup();
    monitor = t.monitor;
    let cacheUp = true;
    t.health.register('db', () => true);
    t.health.register('cache', () => ({ status: cacheUp ? 'healthy' : 'unhealthy', message: cacheUp ? undefined : 'ECONNREFUSED' }), { critical: false });
    await t.health.check();
    const at = Date.UTC(2026, 0, 1);
    expect(t.events).toEqual([
      { scope: 'check', check: 'db', status: 'healthy', previous: undefined, message: undefined, at },
      { scope: 'check', check: 'cache', status: 'healthy', previous: undefined, message: undefined, at },
      { scope: 'overall', status: 'healthy', previous: undefined, at },
    ]);
    t.events.length = 0;
    await t.health.check();
    expect(t.events).toEqual([]);
    cacheUp = false;
    t.clock.advance(1_000);
    await t.health.check();
    expect(t.events).toEqual([
      { scope: 'check', check: 'cache', status: 'unhealthy', previous: 'healthy', message: 'ECONNREFUSED', at: at + 1_000 },
      { scope: 'overall', status: 'degraded', previous: 'healthy', at: at + 1_000 },
    ]);
  });

  it('fires per group for group answers, and never for results served from cache', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('db', () => false, { groups: ['readiness'] });
    await t.health.check({ group: 'readiness' });
    expect(t.events.map((e) => [e.scope, e.group ?? e.check, e.status])).toEqual([
      ['check', 'db', 'unhealthy'],
      ['group', 'readiness', 'unhealthy'],
    ]);
    t.events.length = 0;
    await t.health.check({ group: 'readiness', quick: true });
    expect(t.events).toEqual([]);
  });

  it('a listener that throws does not break the check', async () => {
    const t = setup();
    monitor = t.monitor;
    t.monitor.on('healthChanged', () => {
      throw new Error('listener bug');
    });
    t.health.register('db', () => true);
    expect((await t.health.check()).status).toBe('healthy');
    expect(t.errors.some((e) => e.message.includes('listener bug'))).toBe(true);
  });
});

describe('health metrics', () => {
  it('records health_check_status per check, health_status, and run durations', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('db', () => true);
    t.health.register('cache', () => 'degraded', { critical: false });
    t.health.register('queue', () => new Promise((resolve) => t.clock.setTimeout(() => resolve(false), 250)), { critical: false });
    const answer = t.health.check();
    await t.clock.advanceAsync(250);
    await answer;
    const text = t.monitor.exportPrometheusMetrics();
    expect(text).toContain('health_check_status{check="db"} 1');
    expect(text).toContain('health_check_status{check="cache"} 0.5');
    expect(text).toContain('health_check_status{check="queue"} 0');
    expect(text).toContain('health_status 0.5');
    expect(text).toContain('health_check_duration_seconds_count{check="queue"} 1');
    expect(text).toContain('health_check_duration_seconds_sum{check="queue"} 0.25');
  });

  it('defines no health metric until a check is registered, and drops the status of an unregistered one', async () => {
    const t = setup();
    monitor = t.monitor;
    expect(t.monitor.exportPrometheusMetrics()).not.toContain('health_');
    t.health.register('db', () => true);
    t.health.register('cache', () => true);
    await t.health.check();
    t.health.unregister('cache');
    const text = t.monitor.exportPrometheusMetrics();
    expect(text).toContain('health_check_status{check="db"} 1');
    expect(text).not.toContain('health_check_status{check="cache"}');
  });

  it('keeps checking without metrics when a health metric name is taken', async () => {
    const t = setup();
    monitor = t.monitor;
    t.monitor.counter({ name: 'health_check_status' });
    t.health.register('db', () => true);
    expect((await t.health.check()).status).toBe('healthy');
    expect(t.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^health metrics are disabled: metric "health_check_status"/)]);
  });
});
