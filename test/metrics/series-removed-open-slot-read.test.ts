// A series removed in the open slot after recording in it is held aside until the slot closes
// (series-index-held.ts): what it recorded is written then. Window reads took this process's
// memory from the live series only, so from the `remove` to the slot's close those values were in
// no window: `getAggregatedMetrics`, the rules and `snapshot()` (its capture of memory) read a histogram's observations and a counter's
// increments as gone, then back once the slot's rollup was made. Found by the ground-truth fuzz
// (test/multi-instance/ground-truth-fuzz.test.ts, at most seeds that remove a series).
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const SLOT = 30_000;
const T0 = 1_700_000_010_000;

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, instanceId: 'm0', logger: false, alerts: { sharedEvaluation: false, evaluationInterval: '1h', syncInterval: '1h' } });
  const h = monitor.histogram({ name: 'lat_seconds', labelNames: ['route'], unit: 'seconds' });
  const c = monitor.counter({ name: 'calls_total', labelNames: ['route'] });
  return { clock, storage, monitor, h, c };
}

/** The count and sum of a metric over the last minute, as `getAggregatedMetrics` and a rule read them, and a histogram's snapshot count (5 minutes). */
async function reads(monitor: ReturnType<typeof setup>['monitor'], name: string, ruleId: string) {
  const got = await monitor.getAggregatedMetrics({ name, window: '1m' });
  await monitor.alerts.evaluate();
  const rule = monitor.alerts.getPendingAlerts().find((a) => a.ruleId === ruleId)?.value;
  const snapshot = (await monitor.snapshot({ names: [name] })).performance.snapshot.find((s) => s.name === name)?.count;
  return { count: got.count, sum: got.sum, rule, snapshot };
}

describe('a series removed in the open slot after recording in it', () => {
  it('stays in every window until its slot closes, and after', async () => {
    const { clock, storage, monitor, h, c } = setup();
    try {
      // Rules that always hold, pending for an hour: their value is the window's.
      await monitor.alerts.ensureRule({ id: 'h', name: 'H', metric: 'lat_seconds', aggregation: 'count', window: '1m', condition: 'gte', threshold: -1, duration: '1h' });
      await monitor.alerts.ensureRule({ id: 'c', name: 'C', metric: 'calls_total', aggregation: 'sum', window: '1m', condition: 'gte', threshold: -1, duration: '1h' });
      h.observe(0.25, { route: '/a' });
      h.observe(0.5, { route: '/a' });
      c.inc(3, { route: '/a' });
      expect(h.remove({ route: '/a' })).toBe(true);
      expect(c.remove({ route: '/a' })).toBe(true);
      // In the slot of the removal: held aside, read from memory.
      expect(await reads(monitor, 'lat_seconds', 'h')).toEqual({ count: 2, sum: 0.75, rule: 2, snapshot: 2 });
      expect(await reads(monitor, 'calls_total', 'c')).toEqual({ count: 1, sum: 3, rule: 3, snapshot: undefined });
      // The slot closed: its rollups wait in the recorder; then they are stored.
      await clock.advanceAsync(SLOT);
      expect(await reads(monitor, 'lat_seconds', 'h')).toEqual({ count: 2, sum: 0.75, rule: 2, snapshot: 2 });
      expect(await reads(monitor, 'calls_total', 'c')).toEqual({ count: 1, sum: 3, rule: 3, snapshot: undefined });
      await monitor.flush();
      expect(await reads(monitor, 'lat_seconds', 'h')).toEqual({ count: 2, sum: 0.75, rule: 2, snapshot: 2 });
      expect(await reads(monitor, 'calls_total', 'c')).toEqual({ count: 1, sum: 3, rule: 3, snapshot: undefined });
    } finally {
      await monitor.close();
      await storage.close();
    }
  });

  it('is counted once when its labels record again in that slot (the held series comes back)', async () => {
    const { clock, storage, monitor, h } = setup();
    try {
      h.observe(1, { route: '/a' });
      expect(h.remove({ route: '/a' })).toBe(true);
      h.observe(2, { route: '/a' });
      expect((await monitor.getAggregatedMetrics({ name: 'lat_seconds', window: '1m' })).count).toBe(2);
      await clock.advanceAsync(SLOT);
      await monitor.flush();
      const got = await monitor.getAggregatedMetrics({ name: 'lat_seconds', window: '1m' });
      expect([got.count, got.sum]).toEqual([2, 3]);
    } finally {
      await monitor.close();
      await storage.close();
    }
  });
});
