import { describe, expect, it } from 'vitest';
import { rulePacks } from '../../src/alerts/packs.js';
import { alertRuleSchema } from '../../src/alerts/rule-schema.js';
import { jobsCheck } from '../../src/health/checks/jobs.js';
import { createMonitor } from '../../src/monitor.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { jobsHarness, T0 } from './harness.js';

describe('rulePacks.jobs()', () => {
  it('gives seed 000 job alerts per type: valid rules a monitor accepts', async () => {
    const rules = rulePacks.jobs({ channels: ['ops'] });
    expect(rules.map((r) => [r.type, r.severity, r.cooldown])).toEqual([
      ['JOB_FAILURE', 'error', '15m'],
      ['QUEUE_BACKLOG', 'warning', '30m'],
      ['QUEUE_BACKLOG', 'warning', '1h'],
      ['PERFORMANCE_DEGRADATION', 'warning', '1h'],
    ]);
    for (const r of rules) expect(alertRuleSchema.safeParse(r).success).toBe(true);
    expect(rules[3]).toMatchObject({ aggregation: { type: 'regression', minCount: 10 }, threshold: 10, groupBy: ['type'] });
    const monitor = createMonitor({ clock: new ManualClock(T0) });
    await monitor.alerts.createRules(rulePacks.jobs());
    expect(monitor.alerts.getRules()).toHaveLength(4);
    await monitor.close();
  });
});

describe('checks.jobs', () => {
  const source = (h: { failureRate: number; attempts: number; stuck: number; deadLetters: number }) => ({ health: () => h });

  it('grades seed 000 thresholds: failure rate 50 % unhealthy, 10 stuck or 100 dead letters degraded', async () => {
    const ctx = {} as never;
    expect(await jobsCheck(source({ failureRate: 10, attempts: 10, stuck: 0, deadLetters: 0 }))(ctx)).toMatchObject({ status: 'healthy' });
    expect(await jobsCheck(source({ failureRate: 60, attempts: 10, stuck: 0, deadLetters: 0 }))(ctx)).toMatchObject({ status: 'unhealthy', message: 'failure rate 60% > 50%' });
    expect(await jobsCheck(source({ failureRate: 0, attempts: 10, stuck: 10, deadLetters: 0 }))(ctx)).toMatchObject({ status: 'degraded' });
    expect(await jobsCheck(source({ failureRate: 0, attempts: 0, stuck: 0, deadLetters: 100 }))(ctx)).toMatchObject({ status: 'degraded', message: '100 dead letters (>= 100)' });
    expect(await jobsCheck(source({ failureRate: 30, attempts: 10, stuck: 0, deadLetters: 0 }), { failureRate: 25 })(ctx)).toMatchObject({ status: 'unhealthy' });
    expect(() => jobsCheck({} as never)).toThrow(/health\(\)/);
  });

  it('reads monitor.jobs: failures, stuck attempts and dead letters', async () => {
    const h = jobsHarness({ jobs: { stuckAfter: '1m' } });
    h.jobs.define('broken', () => Promise.reject(new Error('x')), { retries: 0 });
    h.jobs.define('hangs', () => new Promise(() => undefined));
    await h.jobs.enqueue('broken', 1);
    await h.jobs.enqueue('hangs', 1);
    await h.clock.advanceAsync(61_000);
    expect(h.jobs.health()).toEqual({ failureRate: 100, attempts: 1, stuck: 1, deadLetters: 1 });
    expect(await jobsCheck(h.jobs, { stuckJobs: 1, deadLetterQueue: 1 })({} as never)).toMatchObject({ status: 'unhealthy', details: { stuck: 1, deadLetters: 1 } });
  });
});
