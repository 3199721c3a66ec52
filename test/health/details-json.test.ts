/**
 * A health answer is an HTTP body (seed 000's GET /health): whatever a check puts in `details`
 * (a BigInt count from a driver, a cycle, a getter that throws, a revoked proxy), the answer
 * serializes to JSON, so one check's details never turn every check's answer into an error.
 * Details are copied when the check answers: a check that mutates its object later does not
 * change a cached result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Monitor } from '../../src/monitor.js';
import { setup } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('check details', () => {
  it('serialize to JSON whatever they hold, and keep what can be read', async () => {
    const t = setup();
    monitor = t.monitor;
    const cycle: Record<string, unknown> = { name: 'loop' };
    cycle.self = cycle;
    const hostile = {
      ok: 1,
      get broken(): never {
        throw new Error('getter');
      },
    };
    t.health.register('db', () => true);
    t.health.register('pool', () => ({ status: 'healthy', details: { total: 10n, nested: { ids: [1n, 2] } } }), { critical: false });
    t.health.register('cycle', () => ({ status: 'healthy', details: cycle }), { critical: false });
    t.health.register('getter', () => ({ status: 'healthy', details: hostile }), { critical: false });
    t.health.register('proxy', () => ({ status: 'degraded', details: { inner: revoked() } }), { critical: false });
    t.health.register('scalar', () => ({ status: 'healthy', details: 5n as unknown as Record<string, unknown> }), { critical: false });
    const selfish: Record<string, unknown> = { n: 1 };
    selfish.toJSON = () => selfish;
    t.health.register('toJSON', () => ({ status: 'healthy', details: { at: new Date(0), bad: { toJSON: () => { throw new Error('x'); } }, selfish } }), { critical: false });
    const answer = await t.health.check();
    const parsed = JSON.parse(JSON.stringify(answer)) as typeof answer;
    expect(parsed.status).toBe('degraded');
    expect(parsed.checks.db?.status).toBe('healthy');
    expect(parsed.checks.pool?.details).toEqual({ total: '10', nested: { ids: ['1', 2] } });
    expect(parsed.checks.cycle?.details).toEqual({ name: 'loop', self: '[Circular]' });
    expect(parsed.checks.getter?.details).toEqual({ ok: 1, broken: '[unreadable]' });
    expect(parsed.checks.proxy?.details).toEqual({ inner: '[unreadable]' });
    expect(parsed.checks.scalar?.details).toEqual({ value: '5' });
    expect(parsed.checks.toJSON?.details).toEqual({ at: '1970-01-01T00:00:00.000Z', bad: '[unreadable]', selfish: { n: 1 } });
  });

  it('are a copy: a check that changes its object afterwards does not change a cached result', async () => {
    const t = setup();
    monitor = t.monitor;
    const stats = { waiting: 0 };
    t.health.register('queue', () => ({ status: 'healthy', details: stats }));
    await t.health.check();
    stats.waiting = 99;
    expect((await t.health.check({ quick: true })).checks.queue).toMatchObject({ cached: true, details: { waiting: 0 } });
  });
});
