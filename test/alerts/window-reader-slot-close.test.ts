/**
 * A slot closing during an evaluation tick (while the store is read for another rule's metric):
 * the rules read after it see what a fresh read sees. The window merged before the close held
 * the open slot's object, which the close empties (its data moves to a new closed slot of the
 * ring), so a later rule of the tick read 0 observations where there were 5.
 */
import { expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type RollupQuery } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

async function counts(closeMidTick: boolean): Promise<[number | null, number | null, number | null]> {
  const clock = new ManualClock(T0);
  const mem = new MemoryStorage({ now: () => clock.now() });
  let armed = false;
  // Reading `other_ms` moves the clock to the next slot boundary: the slot closes mid-tick.
  const hook = (name: string) => {
    if (armed && name === 'other_ms') {
      armed = false;
      clock.advance(SLOT - (clock.now() % SLOT));
    }
  };
  const storage = Object.create(mem) as MemoryStorage;
  storage.queryRollups = (query: RollupQuery) => (hook(query.name), mem.queryRollups(query));
  storage.readRollupChanges = (name: string, cursor: string | undefined) => (hook(name), mem.readRollupChanges(name, cursor));
  const monitor = createMonitor({ clock, storage, alerts: { evaluationInterval: 3_600_000 } });
  try {
    const lat = monitor.histogram({ name: 'lat_ms', help: 'h', labelNames: ['route'] });
    monitor.histogram({ name: 'other_ms', help: 'h' }).observe(1);
    const rule = (name: string, metric: string, window: number) =>
      monitor.alerts.createRule({ name, metric, aggregation: 'count', window, condition: 'gte', threshold: -1 });
    const a2m = await rule('a 2m', 'lat_ms', 120_000);
    await rule('other', 'other_ms', 60_000);
    const a1m = await rule('a 1m', 'lat_ms', 60_000);
    const a1mAgain = await rule('a 1m again', 'lat_ms', 60_000);
    await clock.advanceAsync(SLOT - 1_000);
    for (let i = 0; i < 5; i++) lat.observe(10, { route: '/x' });
    armed = closeMidTick;
    await monitor.alerts.evaluate();
    expect(armed).toBe(false);
    const value = (id: string) => monitor.alerts.getActiveAlerts().find((a) => a.ruleId === id)?.value ?? null;
    return [value(a2m.id), value(a1m.id), value(a1mAgain.id)];
  } finally {
    await monitor.close();
  }
}

it('reads a slot that closed between two rules of one tick', async () => {
  expect(await counts(false)).toEqual([5, 5, 5]);
  expect(await counts(true)).toEqual([5, 5, 5]);
});
