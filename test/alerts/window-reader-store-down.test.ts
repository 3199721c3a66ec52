/**
 * A counter rule whose store cannot be read: memory holds only a counter's open slot, so the rule
 * fails its tick (reported) instead of reading 0 from memory and resolving an alert that holds.
 * (Histograms keep a ring in memory and gauges their current value: they are evaluated from
 * memory, see rule-sync.test.ts.)
 */
import { expect, it } from 'vitest';
import { MemoryStorage, StorageError, type RollupQuery } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { SECOND, T0, setup } from './support.js';

it('keeps a counter alert firing, and reports, while the store cannot be read', async () => {
  const clock = new ManualClock(T0);
  const mem = new MemoryStorage({ now: () => clock.now() });
  let down = false;
  const storage = Object.create(mem) as MemoryStorage;
  storage.queryRollups = (query: RollupQuery) => (down ? Promise.reject(new Error('connection refused')) : mem.queryRollups(query));
  // Every read fails, the change log the rule engine reads between full reads included.
  storage.readRollupChanges = (name: string, cursor: string | undefined) => (down ? Promise.reject(new Error('connection refused')) : mem.readRollupChanges(name, cursor));
  const s = setup({ storage }, clock);
  s.monitor.counter({ name: 'orders_total' }).inc(10);
  await s.monitor.alerts.createRule({ name: 'Orders', metric: 'orders_total', aggregation: 'sum', window: '2m', condition: 'gt', threshold: 5 });
  await s.at(31 * SECOND);
  await s.monitor.flush();
  expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
  down = true;
  await s.at(61 * SECOND);
  expect(s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
  expect(s.events.resolved).toEqual([]);
  expect(s.events.errors.some((e) => e instanceof StorageError)).toBe(true);
});
