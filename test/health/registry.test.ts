import { afterEach, describe, expect, it } from 'vitest';
import { isNotFoundError } from '../../src/core/errors.js';
import type { Monitor } from '../../src/monitor.js';
import { deferred, setup, track } from './helpers.js';

let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

describe('health.check: the answer', () => {
  it('has seed 000 shape: status, timestamp, uptime, checks and overall counts', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => ({ status: 'healthy', details: { pool: 3 } }));
    t.health.register('redis', () => true);
    t.clock.advance(3_600_000);
    const report = await t.health.check();
    expect(report).toEqual({
      status: 'healthy',
      timestamp: '2026-01-01T01:00:00.000Z',
      uptime: 3_600_000,
      checks: {
        database: { status: 'healthy', responseTime: 0, critical: true, cached: false, timestamp: '2026-01-01T01:00:00.000Z', details: { pool: 3 } },
        redis: { status: 'healthy', responseTime: 0, critical: true, cached: false, timestamp: '2026-01-01T01:00:00.000Z' },
      },
      overall: { healthy: 2, degraded: 0, unhealthy: 0, total: 2 },
    });
    // It survives JSON, as an HTTP handler sends it.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('accepts every result form: status strings, booleans, nothing, objects; a throw is unhealthy', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('string', () => 'degraded', { critical: false });
    t.health.register('true', () => true);
    t.health.register('false', () => false, { critical: false });
    t.health.register('void', async () => {});
    t.health.register('object', async () => ({ status: 'unhealthy', message: 'disk full' }), { critical: false });
    t.health.register('throws', () => {
      throw new Error('connection refused');
    }, { critical: false });
    t.health.register('rejects', () => Promise.reject(new Error('no route')), { critical: false });
    const { checks } = await t.health.check();
    expect(checks.string?.status).toBe('degraded');
    expect(checks.true?.status).toBe('healthy');
    expect(checks.false).toMatchObject({ status: 'unhealthy', message: 'check returned false' });
    expect(checks.void?.status).toBe('healthy');
    expect(checks.object).toMatchObject({ status: 'unhealthy', message: 'disk full' });
    expect(checks.throws).toMatchObject({ status: 'unhealthy', message: 'connection refused', details: { error: 'Error' } });
    expect(checks.rejects).toMatchObject({ status: 'unhealthy', message: 'no route' });
  });

  it('makes an invalid result unhealthy and reports it as a ValidationError', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('typo', () => 'ok' as never);
    const report = await t.health.check();
    expect(report.checks.typo?.status).toBe('unhealthy');
    expect(report.checks.typo?.message).toMatch(/check returned "ok"; expected 'healthy'/);
    expect(t.errors.map((e) => e.code)).toEqual(['ERR_PULSEWATCH_VALIDATION']);
  });

  it('keeps any check name as a plain key, even "__proto__"', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('__proto__', () => false, { critical: false });
    const report = await t.health.check();
    expect(Object.keys(report.checks)).toEqual(['__proto__']);
    expect(JSON.parse(JSON.stringify(report)).checks.__proto__.status).toBe('unhealthy');
  });

  it('answers healthy with no checks at all', async () => {
    const t = setup();
    monitor = t.monitor;
    const report = await t.health.check();
    expect(report.status).toBe('healthy');
    expect(report.overall).toEqual({ healthy: 0, degraded: 0, unhealthy: 0, total: 0 });
  });
});

describe('health.check: critical and non-critical checks', () => {
  it('a failing critical check makes the whole unhealthy', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => false, { critical: true });
    t.health.register('cache', () => true, { critical: false });
    expect((await t.health.check()).status).toBe('unhealthy');
  });

  it('a failing non-critical check makes the whole degraded, and keeps its own status', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => true);
    t.health.register('cache', () => false, { critical: false });
    const report = await t.health.check();
    expect(report.status).toBe('degraded');
    expect(report.checks.cache?.status).toBe('unhealthy');
    expect(report.overall).toEqual({ healthy: 1, degraded: 0, unhealthy: 1, total: 2 });
  });

  it('checks are critical by default', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => false);
    const report = await t.health.check();
    expect(report.checks.database?.critical).toBe(true);
    expect(report.status).toBe('unhealthy');
  });

  it('a degraded critical check makes the whole degraded, not unhealthy', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('database', () => 'degraded');
    expect((await t.health.check()).status).toBe('degraded');
  });
});

describe('health.check: parallel runs and timeouts (manual clock)', () => {
  it('starts every check before any finishes', async () => {
    const t = setup();
    monitor = t.monitor;
    const started: string[] = [];
    const allStarted = deferred();
    const gates = ['a', 'b', 'c'].map((name) => {
      const gate = deferred<'healthy'>();
      t.health.register(name, () => {
        started.push(name);
        if (started.length === 3) allStarted.resolve();
        return gate.promise;
      });
      return gate;
    });
    const checking = t.health.check();
    const answer = track(checking);
    await allStarted.promise;
    expect(started).toEqual(['a', 'b', 'c']);
    expect(answer.done).toBe(false);
    for (const gate of gates) gate.resolve('healthy');
    expect((await checking).status).toBe('healthy');
  });

  it('answers when the hanging check budget ends, not before, with a timeout message', async () => {
    const t = setup();
    monitor = t.monitor;
    let aborted: unknown;
    t.health.register('hangs', ({ signal }) => {
      signal.addEventListener('abort', () => (aborted = signal.reason));
      return new Promise(() => {});
    }, { timeout: '1s' });
    t.health.register('fast', () => true);
    const checking = t.health.check();
    const answer = track(checking);
    t.clock.advance(999);
    await t.clock.idle();
    expect(answer.done).toBe(false);
    t.clock.advance(1);
    // Awaited with no more time passing: it answers at the budget's end.
    const report = await checking;
    expect(report.status).toBe('unhealthy');
    expect(report.checks.hangs).toMatchObject({ status: 'unhealthy', message: 'timed out after 1000 ms', responseTime: 1000 });
    expect(report.checks.fast?.status).toBe('healthy');
    expect((aborted as { code?: string }).code).toBe('ERR_PULSEWATCH_TIMEOUT');
  });

  it('never waits longer than the largest timeout, even with several hanging checks', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('short', () => new Promise(() => {}), { timeout: 100, critical: false });
    t.health.register('long', () => new Promise(() => {}), { timeout: 300, critical: false });
    const checking = t.health.check();
    const answer = track(checking);
    t.clock.advance(299);
    await t.clock.idle();
    expect(answer.done).toBe(false);
    t.clock.advance(1);
    const report = await checking;
    expect(report.status).toBe('degraded');
    expect(report.checks.short?.responseTime).toBe(100);
    expect(report.checks.long?.responseTime).toBe(300);
  });

  it('ignores a result that arrives after the timeout', async () => {
    const t = setup();
    monitor = t.monitor;
    const late = deferred<'healthy'>();
    t.health.register('late', () => late.promise, { timeout: 50 });
    const checking = t.health.check();
    t.clock.advance(50);
    const report = await checking;
    late.resolve('healthy');
    // Reactions run in order: the run's own reaction to the late result has run once this resolves.
    await late.promise;
    expect(report.checks.late?.status).toBe('unhealthy');
  });

  it('a passing check slower than degradedAfter is degraded', async () => {
    const t = setup();
    monitor = t.monitor;
    const slowly = (ms: number) => () => new Promise<'healthy'>((resolve) => t.clock.setTimeout(() => resolve('healthy'), ms));
    t.health.register('slow', slowly(600), { degradedAfter: '500ms' });
    t.health.register('quick', slowly(400), { degradedAfter: '500ms' });
    const checking = t.health.check();
    // Shares the run check() started: it resolves when the quick check has finished, at 400 ms.
    const quick = t.health.check.one('quick');
    t.clock.advance(400);
    expect(await quick).toMatchObject({ status: 'healthy', responseTime: 400 });
    t.clock.advance(200);
    const report = await checking;
    expect(report.checks.slow).toMatchObject({ status: 'degraded', responseTime: 600, message: 'responded in 600 ms, slower than degradedAfter (500 ms)' });
    expect(report.checks.quick).toMatchObject({ status: 'healthy', responseTime: 400 });
    expect(report.status).toBe('degraded');
  });

  it('concurrent callers share one run of a check', async () => {
    const t = setup();
    monitor = t.monitor;
    let runs = 0;
    const gate = deferred<boolean>();
    t.health.register('db', () => {
      runs++;
      return gate.promise;
    });
    const first = t.health.check();
    const second = t.health.check.one('db');
    gate.resolve(true);
    expect((await first).status).toBe('healthy');
    expect((await second).status).toBe('healthy');
    expect(runs).toBe(1);
  });
});

describe('health.check.one', () => {
  it('runs one check and names it (seed 000 /api/health/database)', async () => {
    const t = setup();
    monitor = t.monitor;
    let other = 0;
    t.health.register('database', () => ({ status: 'healthy', message: 'ok' }));
    t.health.register('other', () => {
      other++;
      return true;
    });
    expect(await t.health.check.one('database')).toEqual({
      name: 'database',
      status: 'healthy',
      message: 'ok',
      responseTime: 0,
      critical: true,
      cached: false,
      timestamp: '2026-01-01T00:00:00.000Z',
    });
    expect(await t.health.checkOne('database')).toMatchObject({ name: 'database' });
    expect(other).toBe(0);
  });

  it('throws NotFoundError for an unknown name', async () => {
    const t = setup();
    monitor = t.monitor;
    const error = await t.health.check.one('nope').catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    expect((error as Error).message).toBe('health check "nope" not found');
  });
});

describe('health.register and unregister', () => {
  it('unregister removes a check; the disposer returned by register does too', async () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('a', () => true);
    const dispose = t.health.register('b', () => true);
    expect(t.health.unregister('a')).toBe(true);
    expect(t.health.unregister('a')).toBe(false);
    dispose();
    expect(t.health.has('b')).toBe(false);
    expect((await t.health.check()).overall.total).toBe(0);
  });

  it('lists checks with their resolved options', () => {
    const t = setup();
    monitor = t.monitor;
    t.health.register('db', () => true, { timeout: '5s', degradedAfter: '500ms', groups: ['readiness'] });
    expect(t.health.list()).toEqual([{ name: 'db', critical: true, timeout: 5000, degradedAfter: 500, groups: ['readiness'], cacheTtl: 10_000 }]);
  });
});
