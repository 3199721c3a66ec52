/**
 * A snapshot's capture of this process's histograms (snapshot-capture.ts) is refreshed in place
 * while no slot closed (the last capture of the cache, its open slot copies filled again), and
 * made anew, with the open slot copies reused, once one closed. Either way it holds the memory
 * at its instant: values recorded after it change neither the copies nor a snapshot made from it.
 * A `MemoryStorage` is read without copies for a snapshot (snapshot-store-reads.ts), unless a
 * subclass reads its own way.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { Histogram } from '../../src/metrics/histogram.js';
import { captureHistogram, type CapturedHistogram } from '../../src/metrics/snapshot-capture.js';
import { storeReads } from '../../src/metrics/snapshot-store-reads.js';
import type { WindowQuerySources } from '../../src/metrics/window-query.js';
import type { Rollup, RollupQuery } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function sourcesOf(monitor: Monitor): WindowQuerySources {
  return (monitor as unknown as { parts: { reads: { parts: { sources: WindowQuerySources } } } }).parts.reads.parts.sources;
}

/** Each captured series' open slot and closed slots, as data. */
function content(c: CapturedHistogram) {
  return c.series.map((s) => ({
    labels: s.labels,
    open: [s.slot.start, s.slot.count, s.slot.sum, s.slot.min, s.slot.max, [...(s.slot.raw ?? [])].slice(0, s.slot.n)],
    closed: s.ring.filter((_, k) => k !== s.openAt).map((slot) => [slot.start, slot.count, slot.sum]),
  }));
}

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage });
  monitors.push(monitor);
  const h = monitor.histogram({ name: 'latency_seconds', labelNames: ['route'], unit: 'seconds' });
  const metric = sourcesOf(monitor).registry.get('latency_seconds') as unknown as Histogram;
  return { clock, storage, monitor, h, metric };
}

describe('a capture of a histogram', () => {
  it('is refreshed in place while no slot closed, and holds the values of its instant', async () => {
    const { h, metric } = setup();
    h.labels({ route: '/a' }).observe(0.1);
    h.labels({ route: '/b' }).observe(0.2);
    const first = captureHistogram(metric);
    const before = content(first);
    h.labels({ route: '/a' }).observe(0.3);
    // Recorded after the capture: not in it.
    expect(content(first)).toEqual(before);
    const again = captureHistogram(metric, first);
    expect(again).toBe(first);
    expect(content(again)).toEqual(content(captureHistogram(metric)));
    expect(again.series[0]!.slot.count).toBe(2);
    expect(again.series[0]!.ring[again.series[0]!.openAt]).toBe(again.series[0]!.slot);
  });

  it('is made anew once a slot closed or a series came, its open slot copies filled again', async () => {
    const { clock, h, metric } = setup();
    h.labels({ route: '/a' }).observe(0.1);
    const first = captureHistogram(metric);
    const copy = first.series[0]!.slot;
    const rings = first.series.map((s) => s.ring.slice());
    await clock.advanceAsync(30_000);
    h.labels({ route: '/a' }).observe(0.5);
    const next = captureHistogram(metric, first);
    expect(next).not.toBe(first);
    expect(content(next)).toEqual(content(captureHistogram(metric)));
    expect(next.series[0]!.slot).toBe(copy);
    // The closed slots of the earlier capture are as they were (windows built from it compare them).
    expect(first.series.map((s) => s.ring)).toEqual(rings);
    h.labels({ route: '/b' }).observe(0.2);
    const more = captureHistogram(metric, next);
    expect(more).not.toBe(next);
    expect(content(more)).toEqual(content(captureHistogram(metric)));
  });

  it('keeps many values and bucket counts apart from the live slot', async () => {
    const { h, metric } = setup();
    const a = h.labels({ route: '/a' });
    for (let i = 0; i < 200; i++) a.observe(i / 100);
    const first = captureHistogram(metric);
    const buckets: number[] = [];
    first.series[0]!.slot.forEachBucket(metric.layout, metric.scale, (index, count) => buckets.push(index, count));
    a.observe(5);
    const after: number[] = [];
    first.series[0]!.slot.forEachBucket(metric.layout, metric.scale, (index, count) => after.push(index, count));
    expect(after).toEqual(buckets);
    expect(first.series[0]!.slot.count).toBe(200);
    const again = captureHistogram(metric, first);
    expect(again.series[0]!.slot.count).toBe(201);
  });
});

describe('a snapshot between two slot closes', () => {
  it('shows what a snapshot that builds its windows afresh from the same instant shows', async () => {
    const { clock, monitor, h } = setup();
    for (let s = 0; s < 3; s++) {
      for (let i = 0; i < 20; i++) h.labels({ route: `/r/${i % 4}` }).observe(0.01 * (i + s));
      await clock.advanceAsync(10_000);
      const kept = await monitor.snapshot();
      const fresh = await monitor.snapshot({ labels: {} });
      expect(kept.performance).toEqual(fresh.performance);
      expect(kept.system).toEqual(fresh.system);
    }
  });
});

describe('the store reads of a snapshot', () => {
  const rollup = (start: number, sum: number): Rollup => ({ name: 'req', kind: 'counter', labels: { route: '/a' }, start, end: start + 30_000, count: 1, sum, min: sum, max: sum, instance: 'i1' });

  it('read a MemoryStorage as it answers, without its copies', async () => {
    const storage = new MemoryStorage({ now: () => T0 + 120_000 });
    await storage.writeRollups([rollup(T0, 1), rollup(T0 + 30_000, 2)]);
    const reads = storeReads(storage, 'req')!;
    const read = await reads.read(T0);
    expect(read).toEqual(await storage.queryRollups({ name: 'req', from: T0 }));
    expect(Object.isFrozen(read[0]!.labels)).toBe(true);
    const changes = await reads.changes!((await storage.readRollupChanges('req', undefined)).cursor);
    expect(changes).toEqual({ rollups: [], cursor: expect.any(String), complete: true });
  });

  it('are the usual ones for a store that reads its own way, or fails as the usual ones do', async () => {
    class Mine extends MemoryStorage {
      override async queryRollups(query: RollupQuery): Promise<Rollup[]> {
        return super.queryRollups(query);
      }
    }
    expect(storeReads(new Mine(), 'req')).toBeUndefined();
    const closed = new MemoryStorage();
    await closed.close();
    await expect(storeReads(closed, 'req')!.read(T0)).rejects.toMatchObject({ message: 'reading rollups of "req" from "memory" storage failed' });
  });
});
