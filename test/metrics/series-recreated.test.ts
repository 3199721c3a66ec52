// A series evicted (idle past limits.seriesTtl) while a bound handle to it is kept, then made
// again by a lookup: the lookup and the handle record into the same slot. Stores keep one rollup
// per (series, slot start, instance) (a later one replaces an earlier one: that is how a retried
// write is made idempotent), so the monitor must write one rollup per series and slot holding
// everything recorded in it; two would lose the first one's counts.
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type Rollup } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

const T0 = Date.parse('2026-12-07T00:00:00Z');
const SLOT = 30_000;

/** A monitor on a MemoryStorage whose idle series leave memory after a minute. */
function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, instanceId: 'm-recreated', logger: false, limits: { seriesTtl: 60_000 } });
  return { clock, storage, monitor };
}

/** Advances past the idle TTL, slot by slot, so the sweep at a slot boundary evicts the idle series. */
async function idle(clock: ManualClock): Promise<void> {
  for (let i = 0; i < 6; i++) await clock.advanceAsync(SLOT);
}

/** The stored rollups of `name`, per slot start: the sum of their sums and counts. */
async function stored(monitor: Monitor, name: string): Promise<{ count: number; sum: number; rollups: Rollup[] }> {
  const rollups = await monitor.storage.queryRollups({ name });
  return { count: rollups.reduce((n, r) => n + r.count, 0), sum: rollups.reduce((n, r) => n + r.sum, 0), rollups };
}

/** (start, instance) pairs stored more than once for one label set. */
function repeatedKeys(rollups: readonly Rollup[]): string[] {
  const seen = new Map<string, number>();
  for (const r of rollups) {
    const key = JSON.stringify([r.labels, r.start, r.instance]);
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  return [...seen].filter(([, n]) => n > 1).map(([k]) => k);
}

describe('a series evicted and made again within one slot', () => {
  it('counter: the handle kept past the eviction and the new series write one rollup holding both', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    const handle = c.labels({ shop: 'a' });
    handle.inc(2);
    await idle(clock);
    expect(c.seriesCount).toBe(0);
    // Same slot: a lookup makes the series again, then the old handle writes.
    c.inc(3, { shop: 'a' });
    handle.inc(5);
    // The handle wrote into the series the lookup made: its value is that series' total.
    expect(handle.value).toBe(8);
    c.inc(7, { shop: 'a' });
    expect(c.seriesCount).toBe(1);
    expect(c.get({ shop: 'a' })).toBe(15);
    await monitor.flush();
    const { count, sum, rollups } = await stored(monitor, 'orders_total');
    expect(repeatedKeys(rollups)).toEqual([]);
    expect(sum).toBe(2 + 3 + 5 + 7);
    expect(count).toBe(4);
    await monitor.close();
  });

  it('counter: the handle writes first, then the lookup finds the handle\'s series', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'orders_total', labelNames: ['shop'] });
    const handle = c.labels({ shop: 'a' });
    handle.inc();
    await idle(clock);
    handle.inc(4);
    c.inc(6, { shop: 'a' });
    expect(c.seriesCount).toBe(1);
    await monitor.flush();
    const { count, sum, rollups } = await stored(monitor, 'orders_total');
    expect(repeatedKeys(rollups)).toEqual([]);
    expect(sum).toBe(11);
    expect(count).toBe(3);
    await monitor.close();
  });

  it('histogram: the handle kept past the eviction and the new series write one rollup holding both', async () => {
    const { clock, monitor } = setup();
    const h = monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds', labelNames: ['route'] });
    const handle = h.labels({ route: '/a' });
    handle.observe(10);
    await idle(clock);
    expect(h.seriesCount).toBe(0);
    h.observe(20, { route: '/a' });
    handle.observe(30);
    h.observe(40, { route: '/a' });
    handle.observe(50);
    expect(h.seriesCount).toBe(1);
    await monitor.flush();
    const { count, sum, rollups } = await stored(monitor, 'latency_milliseconds');
    expect(repeatedKeys(rollups)).toEqual([]);
    expect(count).toBe(5);
    expect(sum).toBe(150);
    const read = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', from: clock.now() - 60_000, to: clock.now() });
    expect(read.count).toBe(4);
    expect(read.max).toBeGreaterThanOrEqual(49.5);
    await monitor.close();
  });

  it('many handles of one label set, each kept past an eviction, write into one series', async () => {
    const { clock, monitor } = setup();
    const c = monitor.counter({ name: 'jobs_total', labelNames: ['queue'] });
    const handles = [c.labels({ queue: 'q' })];
    handles[0]!.inc();
    for (let round = 0; round < 3; round++) {
      await idle(clock);
      // A new series each round, through a lookup; its handle is kept too.
      handles.push(c.labels({ queue: 'q' }));
      for (const h of handles) h.inc(10);
    }
    await monitor.flush();
    const { count, sum, rollups } = await stored(monitor, 'jobs_total');
    expect(repeatedKeys(rollups)).toEqual([]);
    expect(sum).toBe(1 + 10 * (2 + 3 + 4));
    expect(count).toBe(1 + 2 + 3 + 4);
    expect(c.seriesCount).toBe(1);
    await monitor.close();
  });
});
