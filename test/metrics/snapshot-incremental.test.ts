/**
 * A snapshot keeps its histogram windows and their totals between calls (snapshot-windows.ts,
 * snapshot-tally.ts): on random data, with another instance writing to the same store, slots
 * closing and leaving the window, new series, flushes, writes that fail (rollups waiting in the
 * recorder) and label and name filters, every snapshot must equal, to the bit, one that builds
 * and sums every window again at the same moment. That one keeps the store's rollups as the
 * monitor's own cache does (the same change-log reads): a store read afresh can hand a series'
 * rollups of one slot in another order, and floating-point sums in another order may differ in
 * the last bit (issue 16 item 6 notes; not what this file checks). With one instance writing,
 * the snapshot equals one read wholly afresh too.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type SnapshotOptions } from '../../src/index.js';
import { snapshotView, type SnapshotParts } from '../../src/monitor-snapshot.js';
import { SnapshotCache } from '../../src/metrics/snapshot-reader.js';
import { ManualClock } from '../../src/testing.js';
import { FlakyStorage } from '../helpers/flaky-storage.js';
import { T0 } from '../helpers/monitor-harness.js';
import { random } from '../helpers/random.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** What a monitor's snapshots read (internal): the fresh side of each comparison reads through it with a new cache. */
function partsOf(monitor: Monitor): SnapshotParts {
  const parts = (monitor as unknown as { parts?: { reads?: { parts?: SnapshotParts } } }).parts?.reads?.parts;
  if (parts === undefined) throw new Error('the monitor no longer holds its reads at parts.reads.parts: update partsOf');
  return parts;
}

/** The monitor's own snapshot cache (internal). */
function cacheOf(monitor: Monitor): SnapshotCache {
  const cache = (monitor as unknown as { parts?: { reads?: { snapshots?: SnapshotCache } } }).parts?.reads?.snapshots;
  if (cache === undefined) throw new Error('the monitor no longer holds its snapshot cache at parts.reads.snapshots: update cacheOf');
  return cache;
}

const STATUSES = ['200', '404', '500', '503'];
const FILTERS: SnapshotOptions[] = [{}, { labels: { status: '500' } }, { names: ['req_seconds', 'theirs_seconds'] }, { labels: { route: '/r/1' } }];

/**
 * Runs `steps` random steps on one monitor (`mine`) and another on the same store (`theirs`),
 * comparing each snapshot of `mine` with a fresh one; returns how many windows of `req_seconds`
 * the snapshots of `mine` built (the fresh ones excluded).
 */
async function run(seed: number, steps: number, flaky: boolean): Promise<{ built: number; snapshots: number }> {
  const rand = random(seed);
  const clock = new ManualClock(T0);
  const inner = new MemoryStorage({ now: () => clock.now() });
  const storage = flaky ? new FlakyStorage({ now: () => clock.now() }) : inner;
  const store = storage instanceof FlakyStorage ? storage.inner : inner;
  const mine = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
  const theirs = createMonitor({ clock, storage: store, limits: { maxSeriesPerMetric: 10_000 } });
  monitors.push(mine, theirs);
  mine.on('error', () => undefined);
  const req = mine.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
  const http = mine.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
  const theirReq = theirs.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
  const theirOnly = theirs.histogram({ name: 'theirs_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
  let routes = 3;
  const labels = () => ({ route: `/r/${Math.floor(rand() * routes)}`, status: STATUSES[Math.floor(rand() * STATUSES.length)]! });
  // Values of every form a closed slot keeps: whole milliseconds, fractions, and busy series past 128 a slot.
  const value = () => (rand() < 0.3 ? Math.floor(rand() * 500) / 1000 : rand() * (rand() < 0.1 ? 40 : 2));
  const reference = new SnapshotCache(30_000);
  const kept = cacheOf(mine).windows;
  let built = 0;
  let snapshots = 0;
  let options: SnapshotOptions = {};
  for (let step = 0; step < steps; step++) {
    const records = Math.floor(rand() * 60);
    // The other instance records at some steps only: its rollups reach the store when its slots close.
    const theirTurn = rand() < 0.3;
    for (let i = 0; i < records; i++) {
      const r = rand();
      if (r < 0.5) req.observe(value(), labels());
      else if (r < 0.8) http.observe(value(), labels());
      else if (!theirTurn) continue;
      else if (r < 0.9) theirReq.observe(value(), labels());
      else theirOnly.observe(value(), labels());
    }
    if (rand() < 0.05) for (let i = 0; i < 300; i++) req.observe(value(), { route: '/busy', status: '200' });
    if (rand() < 0.1) routes++;
    if (storage instanceof FlakyStorage && rand() < 0.15) {
      if (storage.isFailing) storage.recover();
      else storage.fail();
    }
    const move = rand();
    await clock.advanceAsync(move < 0.75 ? 1_000 + Math.floor(rand() * 4_000) : move < 0.95 ? 30_000 : 60_000 + Math.floor(rand() * 300_000));
    if (rand() < 0.1) await theirs.flush();
    if (rand() < 0.1) await mine.flush().catch(() => undefined);
    if (rand() < 0.2) options = FILTERS[Math.floor(rand() * FILTERS.length)]!;
    const before = kept.built.get('req_seconds') ?? 0;
    const incremental = await mine.snapshot(options);
    built += (kept.built.get('req_seconds') ?? 0) - before;
    snapshots++;
    // The reference builds every window again: it forgets the windows it kept, not the rollups.
    reference.windows.clear();
    const rebuilt = await snapshotView(partsOf(mine), options, reference);
    expect(incremental, `step ${step} (seed ${seed}), options ${JSON.stringify(options)}`).toEqual(rebuilt);
  }
  if (storage instanceof FlakyStorage) storage.recover();
  return { built, snapshots };
}

describe('snapshot() kept between calls', () => {
  it.each([1, 2, 3])('equals a snapshot read afresh, step after step, on random data with a change log (seed %i)', async (seed) => {
    const { built, snapshots } = await run(seed, 60, false);
    // Windows were kept: most snapshots did not build the window of req_seconds again.
    expect(built).toBeLessThan(snapshots * 0.8);
  }, 60_000);

  it.each([4, 5])('equals a snapshot read afresh on a store without a change log whose writes fail at times (seed %i)', async (seed) => {
    // Without a change log the rollup cache re-reads the recent slots and makes their series
    // anew at each call, so windows are built again: only the figures are compared here.
    await run(seed, 60, true);
  }, 60_000);

  it('equals a snapshot read wholly afresh (a new cache) when one instance writes', async () => {
    const rand = random(7);
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 200; i++) h.observe(rand() * 2, { route: `/r/${Math.floor(rand() * 50)}`, status: STATUSES[Math.floor(rand() * 4)]! });
      await clock.advanceAsync(rand() < 0.7 ? 5_000 : 30_000);
      const options = FILTERS[step % 2]!;
      const incremental = await monitor.snapshot(options);
      expect(incremental, `step ${step}`).toEqual(await snapshotView(partsOf(monitor), options));
    }
  }, 60_000);

  it('equals a snapshot read wholly afresh past the exact-values limit, the open slot merged from what was recorded since the last call', async () => {
    const rand = random(8);
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'http_request_duration_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const bound = Array.from({ length: 1_500 }, (_, i) => h.labels({ route: `/r/${i}`, status: STATUSES[i % 4]! }));
    const seen: number[] = [];
    for (let step = 0; step < 24; step++) {
      // Now and then a series past 128 values a slot: its open slot holds buckets only.
      for (const b of bound) for (let j = 0; j < (rand() < 0.002 ? 140 : 6); j++) b.observe(rand() < 0.5 ? Math.floor(rand() * 900) / 1000 : rand() * 3);
      await clock.advanceAsync(5_000);
      const incremental = await monitor.snapshot();
      expect(incremental, `step ${step}`).toEqual(await snapshotView(partsOf(monitor), {}));
      seen.push(incremental.performance.snapshot[0]!.count);
    }
    expect(Math.max(...seen)).toBeGreaterThan(65_536);
  }, 120_000);
});
