import { afterEach, describe, expect, it } from 'vitest';
import { isNotFoundError } from '../../src/core/errors.js';
import type { Monitor } from '../../src/monitor.js';
import { setup } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

describe('quick checks and cacheTtl', () => {
  it('serves a result younger than cacheTtl and runs the check again once it is older', async () => {
    const t = setup();
    monitor = t.monitor;
    let runs = 0;
    t.health.register('db', () => {
      runs++;
      return true;
    }, { cacheTtl: '10s' });
    await t.health.check({ quick: true });
    expect(runs).toBe(1);
    t.clock.advance(9_999);
    const cached = await t.health.check({ quick: true });
    expect(runs).toBe(1);
    expect(cached.checks.db).toMatchObject({ cached: true, timestamp: '2026-01-01T00:00:00.000Z' });
    expect(cached.timestamp).toBe('2026-01-01T00:00:09.999Z');
    t.clock.advance(1);
    const fresh = await t.health.check({ quick: true });
    expect(runs).toBe(2);
    expect(fresh.checks.db?.cached).toBe(false);
  });

  it('a full check always runs, and refreshes the cache', async () => {
    const t = setup();
    monitor = t.monitor;
    let runs = 0;
    t.health.register('db', () => {
      runs++;
      return runs === 1;
    });
    await t.health.check();
    expect((await t.health.check()).checks.db?.status).toBe('unhealthy');
    expect((await t.health.check({ quick: true })).checks.db).toMatchObject({ status: 'unhealthy', cached: true });
    expect(runs).toBe(2);
  });

  it('cacheTtl 0 never caches', async () => {
    const t = setup();
    monitor = t.monitor;
    let runs = 0;
    t.health.register('db', () => void runs++, { cacheTtl: 0 });
    await t.health.check({ quick: true });
    await t.health.check({ quick: true });
    expect(runs).toBe(2);
  });

  it('check.one serves the cache when quick', async () => {
    const t = setup();
    monitor = t.monitor;
    let runs = 0;
    t.health.register('db', () => void runs++);
    await t.health.check.one('db');
    expect((await t.health.check.one('db', { quick: true })).cached).toBe(true);
    expect(runs).toBe(1);
  });
});

describe('groups: liveness, readiness, startup', () => {
  it('a group runs only its checks and says which group it answers', async () => {
    const t = setup();
    monitor = t.monitor;
    const ran: string[] = [];
    const check = (name: string, ok: boolean) => () => {
      ran.push(name);
      return ok;
    };
    t.health.register('eventLoop', check('eventLoop', true), { groups: ['liveness'] });
    t.health.register('database', check('database', false), { groups: ['readiness', 'startup'] });
    t.health.register('migrations', check('migrations', true), { groups: ['startup'] });
    const live = await t.health.check({ group: 'liveness' });
    expect(ran).toEqual(['eventLoop']);
    expect(live).toMatchObject({ status: 'healthy', group: 'liveness', overall: { total: 1 } });
    const ready = await t.health.check({ group: 'readiness' });
    expect(Object.keys(ready.checks)).toEqual(['database']);
    expect(ready.status).toBe('unhealthy');
    expect(Object.keys((await t.health.check({ group: 'startup' })).checks)).toEqual(['database', 'migrations']);
    // The full answer has every check and no group.
    const all = await t.health.check();
    expect(Object.keys(all.checks)).toEqual(['eventLoop', 'database', 'migrations']);
    expect(all.group).toBeUndefined();
  });

  it('an empty well-known group is healthy: the process answers, which is all liveness asks', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => false, { groups: ['readiness'] });
    expect(await t.health.check({ group: 'liveness' })).toMatchObject({ status: 'healthy', overall: { total: 0 } });
  });

  it('an unknown group is a NotFoundError, so a typo cannot answer healthy forever', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => true, { groups: ['readiness', 'custom'] });
    const error = await t.health.check({ group: 'readyness' }).catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    expect((error as Error).message).toBe('health group "readyness" not found');
    // A custom group is known once a check was put in it, and stays known after the check goes.
    t.health.unregister('database');
    expect((await t.health.check({ group: 'custom' })).overall.total).toBe(0);
  });
});
