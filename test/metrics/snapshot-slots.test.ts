/**
 * The snapshot merges a histogram's window from counts it keeps per closed slot
 * (src/metrics/snapshot-slots.ts): its figures must be those of `MetricWindow.stats` over the
 * same window, exactly, on both sides of the exact-values limit, with other instances' stored
 * rollups in it, and after slots changed under the cache.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import { SlotCountsCache, scanWindow } from '../../src/metrics/snapshot-slots.js';
import { SnapshotWork } from '../../src/metrics/snapshot-work.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import type { MetricWindow } from '../../src/metrics/window-query-window.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const NAME = 'req_seconds';
const WINDOW = 300_000;

/** The sources a monitor's reads use (what `MonitorReads` is given). */
function sourcesOf(monitor: Monitor) {
  return (monitor as unknown as { parts: { reads: { parts: { sources: ConstructorParameters<typeof WindowQuery>[0] } } } }).parts.reads.parts.sources;
}

function setup(series: number, perSlot: number) {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
  const h = monitor.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
  let k = 0;
  const fill = () => {
    for (let s = 0; s < series; s++) for (let j = 0; j < perSlot; j++) h.observe(0.001 + ((k++ * 7919) % 5000) / 1000, { route: `/r/${s}` });
  };
  return { clock, storage, monitor, h, fill };
}

/** The cache's figures and the window's own, for the window ending now. */
async function both(monitor: Monitor, clock: ManualClock, cache: SlotCountsCache) {
  const sources = sourcesOf(monitor);
  const now = clock.now();
  const from = now - WINDOW;
  const w: MetricWindow = await new WindowQuery(sources).read({ name: NAME, from, to: now, now });
  const metric = sources.registry.get(NAME)!;
  if (metric.kind !== 'histogram') throw new Error('not a histogram');
  const scale = { layout: metric.layout, resolution: metric.resolution, slotLength: sources.ctx.slotLength, decoded: sources.ctx.fleet.decoded };
  const cached = await cache.wholeStats(w, NAME, await scanWindow(w, from, now), scale, from, now);
  const direct = w.stats(w.series, from, now, true);
  return { cached: { ...cached, dist: cached.dist!.summary() }, direct: { ...direct, dist: direct.dist!.summary() } };
}

describe('slot counts kept between snapshots', () => {
  it('gives the figures of MetricWindow.stats under the exact-values limit (exact percentiles)', async () => {
    const { clock, monitor, fill } = setup(20, 7);
    const cache = new SlotCountsCache();
    for (let i = 0; i < 4; i++) {
      fill();
      await clock.advanceAsync(30_000);
    }
    const { cached, direct } = await both(monitor, clock, cache);
    expect(cached.count).toBe(20 * 7 * 4);
    expect(cached).toEqual(direct);
    await monitor.close();
  });

  it('gives the figures of MetricWindow.stats past it, snapshot after snapshot, as slots close and leave the window', async () => {
    const { clock, monitor, fill } = setup(400, 20);
    const cache = new SlotCountsCache();
    const seen: number[] = [];
    for (let i = 0; i < 13; i++) {
      fill();
      await clock.advanceAsync(i % 2 === 0 ? 30_000 : 10_000);
      await monitor.flush();
      const { cached, direct } = await both(monitor, clock, cache);
      expect(cached).toEqual(direct);
      seen.push(cached.count);
    }
    // Past 65,536 values: the bucketed side of the limit was compared.
    expect(Math.max(...seen)).toBeGreaterThan(65_536);
    await monitor.close();
  }, 60_000);

  it("merges another instance's stored rollups, and a rollup that reaches the store after its slot was kept", async () => {
    const { clock, storage, monitor, fill } = setup(400, 20);
    const other = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    const oh = other.histogram({ name: NAME, labelNames: ['route'], unit: 'seconds' });
    const cache = new SlotCountsCache();
    for (let i = 0; i < 10; i++) {
      fill();
      oh.observe(0.25 + i, { route: '/other' });
      await clock.advanceAsync(30_000);
      await other.flush();
    }
    const first = await both(monitor, clock, cache);
    expect(first.cached).toEqual(first.direct);
    expect(first.cached.count).toBeGreaterThan(65_536);
    // A late record on the other instance: its rollup lands in a slot the cache holds.
    oh.observe(7.5, { route: '/late' });
    await other.flush();
    const second = await both(monitor, clock, cache);
    expect(second.cached).toEqual(second.direct);
    expect(second.cached.count).toBe(first.cached.count + 1);
    await other.close();
    await monitor.close();
  }, 60_000);
});

describe('SlotCountsCache.wholeStats under the exact limit', () => {
  it('charges the raw values it sorts to the snapshot\'s work (a call with every start kept merges nothing else)', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock, storage: new MemoryStorage({ now: () => clock.now() }) });
    const h = monitor.histogram({ name: 'a_seconds', labelNames: ['route'], unit: 'seconds' });
    for (let i = 0; i < 20; i++) for (let k = 0; k < 20; k++) h.observe(((i * 7 + k * 13) % 100) / 100, { route: `/r/${i}` });
    // The slot closes: every start of the window is closed, kept by the first call.
    await clock.advanceAsync(30_000);
    const sources = (monitor as unknown as { parts: { reads: { parts: { sources: ConstructorParameters<typeof WindowQuery>[0] } } } }).parts.reads.parts.sources;
    const now = clock.now();
    const from = now - 300_000;
    const window = await new WindowQuery(sources).read({ name: 'a_seconds', from, to: now, now });
    const scan = await scanWindow(window, from, now);
    const scale = { layout: h.layout, resolution: h.resolution, slotLength: sources.ctx.slotLength, decoded: sources.ctx.fleet.decoded };
    const cache = new SlotCountsCache();
    await cache.wholeStats(window, 'k', scan, scale, from, now);
    const work = new SnapshotWork(clock, 40);
    const stats = await cache.wholeStats(window, 'k', scan, scale, from, now, undefined, work);
    expect(stats.count).toBe(400);
    expect(work.pauses).toBeGreaterThan(0);
    await monitor.close();
  });
});

