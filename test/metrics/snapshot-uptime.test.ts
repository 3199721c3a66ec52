// snapshot().system.uptime counted from the wall clock: a clock set back an hour (NTP, a VM
// resumed) made it negative, while the health answer's uptime (monotonic) stayed right.
import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/index.js';
import { SteppedClock } from '../helpers/stepped-clock.js';

describe('snapshot uptime', () => {
  it('counts on the monotonic clock: a wall clock set back an hour does not change it', async () => {
    const clock = new SteppedClock(Date.UTC(2026, 0, 1));
    const monitor = createMonitor({ clock, logger: false });
    clock.advance(60_000);
    clock.offset = -3_600_000;
    expect((await monitor.snapshot()).system.uptime).toBe(60_000);
    expect((await monitor.health.check()).uptime).toBe(60_000);
    await monitor.close();
  });
});
