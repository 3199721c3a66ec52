/**
 * Counting faults of the window query found in review (each failed before its fix): a
 * predecessor's rollup of the slot a restart with the same configured id began in, and a
 * rollup whose write is in flight (neither waiting in the buffer nor stored yet).
 */
import { expect, it } from 'vitest';
import { MemoryStorage, createMonitor, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const T0 = Date.UTC(2026, 0, 1);

it('counts a predecessor\'s rollup of the current slot after a restart with the same instanceId', async () => {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const a = createMonitor({ clock, storage, instanceId: 'api' });
  a.counter({ name: 'orders_total' }).inc(5);
  clock.set(T0 + 10_000);
  await a.close();
  const b = createMonitor({ clock, storage, instanceId: 'api' });
  b.counter({ name: 'orders_total' }).inc(2);
  expect((await storage.queryRollups({ name: 'orders_total' })).map((x) => [x.instance, x.sum])).toEqual([['api', 5]]);
  expect((await b.getAggregatedMetrics({ name: 'orders_total', window: '5m' })).sum).toBe(7);
  await b.close();
});

it('counts a rollup while its write is in flight', async () => {
  const clock = new ManualClock(T0);
  const mem = new MemoryStorage({ now: () => clock.now() });
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let writing!: () => void;
  const started = new Promise<void>((resolve) => (writing = resolve));
  const storage = Object.create(mem) as MemoryStorage;
  storage.writeRollups = async (rollups: readonly Rollup[]) => {
    writing();
    await gate;
    return mem.writeRollups(rollups);
  };
  const m = createMonitor({ clock, storage, flush: { interval: 600_000 } });
  m.counter({ name: 'orders_total' }).inc(10);
  clock.set(T0 + 31_000);
  const flushing = m.flush();
  await started;
  const during = await m.getAggregatedMetrics({ name: 'orders_total', window: '5m' });
  release();
  await flushing;
  const after = await m.getAggregatedMetrics({ name: 'orders_total', window: '5m' });
  expect(during.sum).toBe(10);
  expect(after.sum).toBe(10);
  await m.close();
});
