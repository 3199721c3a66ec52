import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, createMonitor, type Monitor } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

/** 2026-01-01T00:00:00Z: on the slot grid. */
const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;
const SECOND = 1_000;

const open: Monitor[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((m) => m.close()));
});

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now(), retention: '1d' });
  const monitor = createMonitor({ clock, storage, logger: false, instanceId: 'self' });
  open.push(monitor);
  const h = monitor.histogram({ name: 'latency_seconds', unit: 'seconds' });
  return { clock, storage, monitor, h };
}

/** 10 observations a second, one second at a time, for `seconds`. */
async function tenPerSecond(clock: ManualClock, h: ReturnType<Monitor['histogram']>, seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 10; i++) h.observe(0.01);
    await clock.advanceAsync(SECOND);
  }
}

describe('getAggregatedMetrics rate over slots misaligned with the range', () => {
  it('reads a true 10/s over a 1-minute range that starts and ends mid-slot (three whole slots, 90 s)', async () => {
    const { clock, monitor, h } = setup();
    await tenPerSecond(clock, h, 150);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_seconds', from: T0 + 15 * SECOND, to: T0 + 75 * SECOND });
    // Slots [0, 30), [30, 60), [60, 90) overlap the range: 900 observations over the 90 s they cover.
    expect(stats.count).toBe(900);
    expect(stats.window).toBe(60 * SECOND);
    expect(stats.rateWindow).toBe(3 * SLOT);
    expect(stats.rate).toBe(10);
  });

  it('reads 10/s over a window ending now in the middle of the slot being recorded into', async () => {
    const { clock, monitor, h } = setup();
    await tenPerSecond(clock, h, 95);
    // now = 95 s: the window [35 s, 95 s) counts the slots [30, 60), [60, 90) and [90, now).
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_seconds', window: '1m' });
    expect(stats.count).toBe(650);
    expect(stats.rateWindow).toBe(65 * SECOND);
    expect(stats.rate).toBe(10);
  });

  it('keeps dividing by the range when it is on the slot grid', async () => {
    const { clock, monitor, h } = setup();
    await tenPerSecond(clock, h, 120);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_seconds', from: T0 + SLOT, to: T0 + 3 * SLOT });
    expect(stats.rateWindow).toBe(stats.window);
    expect(stats.rate).toBe(10);
  });

  it('divides by the whole of a longer slot another instance wrote', async () => {
    const { clock, storage, monitor } = setup();
    const hour: Rollup = { name: 'latency_seconds', kind: 'histogram', labels: {}, start: T0, end: T0 + 3_600_000, count: 36_000, sum: 360, min: 0.01, max: 0.01, service: 'x', instance: 'other' };
    await storage.writeRollups([hour]);
    await clock.advanceAsync(2 * 3_600_000);
    const stats = await monitor.getAggregatedMetrics({ name: 'latency_seconds', from: T0 + 600_000, to: T0 + 660_000 });
    expect(stats.count).toBe(36_000);
    expect(stats.rateWindow).toBe(3_600_000);
    expect(stats.rate).toBe(10);
  });
});
