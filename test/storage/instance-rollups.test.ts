/**
 * A monitor's `instanceId` and the `instance` it stamps on its rollups: every write of every
 * instance kept exactly once, including the writes that share a slot start within one process
 * (a slot closed twice at one instant, late records, a restart that reuses a configured id).
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Rollup, type StorageAdapter } from '../../src/index.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
const SLOT = 30_000;

async function stored(storage: StorageAdapter, name: string): Promise<{ count: number; sum: number; rows: Rollup[] }> {
  const rows = await storage.queryRollups({ name });
  return { count: rows.reduce((n, r) => n + r.count, 0), sum: rows.reduce((n, r) => n + r.sum, 0), rows };
}

describe('monitor.instanceId', () => {
  it('defaults to an id unique per monitor, with the process id in it, and takes one from the options', async () => {
    const a = createMonitor();
    const b = createMonitor();
    const named = createMonitor({ instanceId: 'web-1' });
    expect(a.instanceId).not.toBe(b.instanceId);
    expect(a.instanceId).toMatch(new RegExp(`(^|-)${process.pid}-[0-9a-f]{8}$`));
    expect(named.instanceId).toBe('web-1');
    await Promise.all([a.close(), b.close(), named.close()]);
  });

  it('refuses an empty id, one longer than 200 characters and one with U+0000', () => {
    for (const instanceId of ['', 'x'.repeat(201), 'a\u0000b']) expect(() => createMonitor({ instanceId })).toThrow(/instanceId/);
  });

  it('is stamped on every rollup the monitor writes', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, instanceId: 'web-1', service: 'shop' });
    monitor.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    const { rows } = await stored(storage, 'orders_total');
    expect(rows.map((r) => [r.instance, r.service])).toEqual([['web-1', 'shop']]);
    await monitor.close();
  });
});

describe('every write kept exactly once', () => {
  it('keeps the identical counts of two instances in one slot', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitors = [createMonitor({ clock, storage }), createMonitor({ clock, storage })];
    for (const m of monitors) m.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await clock.advanceAsync(SLOT);
    for (const m of monitors) await m.flush();
    expect((await stored(storage, 'orders_total')).sum).toBe(2);
    for (const m of monitors) expect((await m.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).sum).toBe(2);
    await Promise.all(monitors.map((m) => m.close()));
  });

  it('counts a batch once when the store kept the first attempt but the caller saw it fail', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    let lostReplies = 1;
    const storage = delegatingStorage(inner, {
      name: 'lost-reply',
      writeRollups: async (rollups, options) => {
        await inner.writeRollups(rollups, options);
        if (lostReplies-- > 0) throw new Error('timeout: the reply was lost');
      },
    });
    const monitor = createMonitor({ clock, storage, flush: { retry: { initialDelay: 1_000, jitter: 0 } } });
    monitor.on('error', () => undefined);
    monitor.counter({ name: 'orders_total', help: 'Orders' }).inc(3);
    await monitor.flush();
    await clock.advanceAsync(1_000);
    await monitor.flush();
    expect(monitor.bufferedRollups).toBe(0);
    // The first write landed and was reported failed: the recorder wrote the batch again.
    expect(lostReplies).toBeLessThan(0);
    expect((await stored(inner, 'orders_total')).sum).toBe(3);
    expect((await monitor.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).sum).toBe(3);
    await monitor.close();
  });

  it('keeps every part of a slot flushed several times at one instant', async () => {
    const clock = new ManualClock(T0 + 1_000);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage });
    const orders = monitor.counter({ name: 'orders_total', help: 'Orders' });
    for (let i = 0; i < 3; i++) {
      orders.inc();
      await monitor.flush();
    }
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    expect((await stored(storage, 'orders_total')).sum).toBe(3);
    expect((await monitor.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).sum).toBe(3);
    await monitor.close();
  });

  it('keeps late records of one old slot apart from each other and from the slot itself', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage });
    monitor.recordMetric({ metricType: 'checkout_ms', value: 10, unit: 'ms' });
    await clock.advanceAsync(SLOT);
    await monitor.flush();
    monitor.recordMetric({ metricType: 'checkout_ms', value: 20, unit: 'ms', timestamp: T0 + 5 });
    monitor.recordMetric({ metricType: 'checkout_ms', value: 30, unit: 'ms', timestamp: T0 + 6 });
    await monitor.flush();
    const { count, sum, rows } = await stored(storage, 'checkout_ms');
    expect({ count, sum }).toEqual({ count: 3, sum: 60 });
    expect(new Set(rows.map((r) => r.instance)).size).toBe(3);
    const read = await monitor.getAggregatedMetrics({ name: 'checkout_ms', window: '5m' });
    expect({ count: read.count, sum: read.sum }).toEqual({ count: 3, sum: 60 });
    await monitor.close();
  });

  it('keeps the slot a stopped process wrote when its successor, with the same configured id, writes the same slot', async () => {
    const clock = new ManualClock(T0 + 1_000);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const before = createMonitor({ clock, storage, instanceId: 'web-1' });
    before.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await before.close();
    await clock.advanceAsync(5_000);
    const after = createMonitor({ clock, storage, instanceId: 'web-1' });
    after.counter({ name: 'orders_total', help: 'Orders' }).inc();
    await clock.advanceAsync(SLOT);
    await after.flush();
    expect((await stored(storage, 'orders_total')).sum).toBe(2);
    await after.close();
  });

  it('reads the slot a predecessor with the same configured id wrote, through getAggregatedMetrics and rules alike', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const before = createMonitor({ clock, storage, instanceId: 'web-1', histogram: { slots: 2 } });
    before.histogram({ name: 'latency_ms', help: 'Latency' }).observe(100);
    await clock.advanceAsync(5_000);
    await before.close(); // stops mid-slot: its rollup of this slot is stored under 'web-1'
    const after = createMonitor({ clock, storage, instanceId: 'web-1', histogram: { slots: 2 } });
    after.histogram({ name: 'latency_ms', help: 'Latency' }).observe(5);
    await clock.advanceAsync(SLOT);
    await after.flush();
    expect((await stored(storage, 'latency_ms')).rows).toHaveLength(2);
    const aggregated = await after.getAggregatedMetrics({ name: 'latency_ms', window: '5m' });
    expect([aggregated.count, aggregated.sum]).toEqual([2, 105]);
    // The series idles: its first slot is still in the ring, and the rule reads the store for it.
    await clock.advanceAsync(3 * SLOT);
    await after.alerts.createRule({ name: 'Two', metric: 'latency_ms', aggregation: 'count', window: '5m', condition: 'gt', threshold: 1.5, duration: 0, severity: 'warning' });
    await after.alerts.evaluate();
    expect(after.alerts.getActiveAlerts().map((a) => a.ruleName)).toEqual(['Two']);
    await after.close();
  });

  it('reads another instance rollup of a slot this monitor holds in memory, though it has the same count and sum', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const [a, b] = [createMonitor({ clock, storage }), createMonitor({ clock, storage })];
    // Same count and sum, other values: a reader that skips the first stored rollup equal to its
    // in-memory slot by content would count b's values as a's.
    b.histogram({ name: 'latency_ms', help: 'Latency' }).observe(2);
    b.histogram({ name: 'latency_ms', help: 'Latency' }).observe(2);
    a.histogram({ name: 'latency_ms', help: 'Latency' }).observe(1);
    a.histogram({ name: 'latency_ms', help: 'Latency' }).observe(3);
    await clock.advanceAsync(SLOT);
    await b.flush();
    await a.flush();
    const read = await a.getAggregatedMetrics({ name: 'latency_ms', window: '5m' });
    expect({ count: read.count, sum: read.sum, min: read.min, max: read.max }).toEqual({ count: 4, sum: 8, min: 1, max: 3 });
    expect(read.p50).toBeCloseTo(2, 1);
    await Promise.all([a.close(), b.close()]);
  });
});
