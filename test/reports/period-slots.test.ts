import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';

/** 2026-01-01T00:00:00Z. */
const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const HOUR = 3_600_000;
const NAME = 'http_request_duration_seconds';

function setup(): { clock: ManualClock; storage: MemoryStorage; monitor: Monitor } {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now(), retention: '30d' });
  const monitor = createMonitor({ clock, storage, instanceId: 'a', logger: false, service: 'period-test', histogram: { slotLength: '1m' } });
  monitor.histogram({ name: NAME, labelNames: ['route', 'status'], unit: 'seconds' });
  return { clock, storage, monitor };
}

/** Another instance's rollup of one slot (totals only, no HDR encoding). */
function rollup(start: number, end: number, count: number): Rollup {
  return { name: NAME, kind: 'histogram', labels: { route: '/b', status: '200' }, start, end, count, sum: count * 0.1, min: 0.1, max: 0.1, service: 'period-test', instance: 'other' };
}

async function countOf(monitor: Monitor, from: number, to: number): Promise<number> {
  const report = await monitor.generatePerformanceReport({ from, to, metrics: [NAME] });
  return report.metrics[NAME]!.count;
}

describe('report periods and slots', () => {
  it('counts a slot straddling the bound between a period and the previous one in the period it starts in, once', async () => {
    const { clock, storage, monitor } = setup();
    // Another instance keeps hour-long slots: this one starts half an hour into the first period.
    await storage.writeRollups([rollup(T0 + 30 * MINUTE, T0 + 90 * MINUTE, 10)]);
    await clock.advanceAsync(3 * HOUR);
    const report = await monitor.generatePerformanceReport({ from: T0 + HOUR, to: T0 + 2 * HOUR, metrics: [NAME] });
    expect(report.metrics[NAME]!.count).toBe(0);
    // The previous period (the hour before) holds it.
    expect(await countOf(monitor, T0, T0 + HOUR)).toBe(10);
    await monitor.close();
  });

  it('moves both bounds of a range up to the next slot boundary (a slot belongs to the period it starts in) and says so', async () => {
    const { clock, monitor } = setup();
    const h = monitor.getMetric(NAME) as ReturnType<Monitor['histogram']>;
    // 10 observations in the slot [1m, 2m) and 30 in [2m, 3m).
    await clock.advanceAsync(MINUTE + 10_000);
    for (let i = 0; i < 10; i++) h.observe(0.2, { route: '/a', status: '200' });
    await clock.advanceAsync(MINUTE);
    for (let i = 0; i < 30; i++) h.observe(0.2, { route: '/a', status: '200' });
    await clock.advanceAsync(HOUR);
    // Asked: [1m30s, 2m30s): read as [2m, 3m), the slot starting in it.
    const report = await monitor.generatePerformanceReport({ from: T0 + 90_000, to: T0 + 150_000, metrics: [NAME] });
    expect(report.startDate).toBe(new Date(T0 + 2 * MINUTE).toISOString());
    expect(report.endDate).toBe(new Date(T0 + 3 * MINUTE - 1).toISOString());
    expect(report.previous).toEqual({ startDate: new Date(T0 + MINUTE).toISOString(), endDate: new Date(T0 + 2 * MINUTE - 1).toISOString() });
    expect(report.metrics[NAME]!.count).toBe(30);
    // Rates divide by the minute the counted slot covers.
    expect(report.metrics[NAME]!.rate).toBeCloseTo(30 / 60, 12);
    // The previous period holds the slot [1m, 2m); the next range starting where this one ends counts neither again.
    expect(await countOf(monitor, T0 + 30_000, T0 + 90_000)).toBe(10);
    expect(await countOf(monitor, T0 + 150_000, T0 + 210_000)).toBe(0);
    // A range inside one slot reads that slot.
    expect(await countOf(monitor, T0 + 2 * MINUTE + 5_000, T0 + 2 * MINUTE + 6_000)).toBe(30);
    await monitor.close();
  });

  it('splits a run of slots between two adjacent periods with nothing counted twice or lost', async () => {
    const { clock, monitor } = setup();
    const h = monitor.getMetric(NAME) as ReturnType<Monitor['histogram']>;
    let total = 0;
    for (let m = 0; m < 20; m++) {
      for (let i = 0; i <= m; i++) h.observe(0.05, { route: '/a', status: '200' });
      total += m + 1;
      await clock.advanceAsync(MINUTE);
    }
    await clock.advanceAsync(MINUTE);
    // Bounds in the middle of slots: each slot falls in exactly one of the two ranges.
    const first = await countOf(monitor, T0, T0 + 9 * MINUTE + 20_000);
    const second = await countOf(monitor, T0 + 9 * MINUTE + 20_000, T0 + 25 * MINUTE);
    expect(first + second).toBe(total);
    // [0, 9m20s) is the slots starting before 10m: minutes 0 to 9.
    expect(first).toBe(Array.from({ length: 10 }, (_, m) => m + 1).reduce((a, b) => a + b, 0));
    await monitor.close();
  });
});
