/**
 * `cacheTtl` and `uptime` are durations: they are measured on the clock's monotonic time, so a
 * wall clock stepped back (NTP, a VM resumed) neither keeps serving a stale cached status for as
 * long as the step, nor makes the uptime negative.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import { SteppedClock } from '../helpers/stepped-clock.js';


let monitor: Monitor | undefined;
afterEach(async () => {
  await monitor?.close();
  monitor = undefined;
});

describe('health durations and a wall clock stepped back', () => {
  it('runs a check again once cacheTtl has passed, though the wall clock went back an hour', async () => {
    const clock = new SteppedClock();
    monitor = createMonitor({ clock });
    let status: 'healthy' | 'unhealthy' = 'healthy';
    let runs = 0;
    monitor.health.register('db', () => {
      runs++;
      return status;
    }, { cacheTtl: '10s' });
    expect((await monitor.health.check({ quick: true })).status).toBe('healthy');
    clock.offset = -3_600_000;
    status = 'unhealthy';
    clock.advance(10_000);
    const answer = await monitor.health.check({ quick: true });
    expect(runs).toBe(2);
    expect(answer.status).toBe('unhealthy');
    expect(answer.checks.db?.cached).toBe(false);
    clock.advance(5_000);
    expect((await monitor.health.check.one('db', { quick: true })).cached).toBe(true);
    expect(runs).toBe(2);
  });

  it('reports the uptime on the monotonic clock', async () => {
    const clock = new SteppedClock();
    monitor = createMonitor({ clock });
    clock.advance(60_000);
    clock.offset = -3_600_000;
    expect((await monitor.health.check()).uptime).toBe(60_000);
  });
});
