/**
 * A window build keeps each in-memory series' `seriesKey` and label hash per labels object
 * (window-query-ids.ts, `seriesIdOf`): a snapshot builds from a capture of each series, a new
 * object every call, so an id kept per series object was computed again for every series at
 * every build. A stale id (one computed for other labels) would be a silent wrong result: the
 * series' own stored rollups would no longer meet its slots in memory and count twice. Here
 * series are removed and others (or the same labels again) made between reads, and every figure
 * is checked against what was recorded, not against another build (which would share the ids).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { seriesKey } from '../../src/core/labels.js';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import type { SnapshotParts } from '../../src/monitor-snapshot.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const SLOT = 30_000;

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup() {
  const clock = new ManualClock(T0);
  const storage = new MemoryStorage({ now: () => clock.now() });
  const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 1_000 } });
  monitors.push(monitor);
  const h = monitor.histogram({ name: 'req_seconds', labelNames: ['route'], unit: 'seconds' });
  /** Observation counts of the snapshot: in all, then per route asked for. */
  const counts = async (routes: readonly string[]): Promise<number[]> => {
    const of = async (labels?: { route: string }) => (await monitor.snapshot(labels === undefined ? {} : { labels })).performance.snapshot.find((m) => m.name === 'req_seconds')?.count ?? 0;
    return [await of(), ...(await Promise.all(routes.map((route) => of({ route }))))];
  };
  /** Closes the open slot and writes its rollups (this monitor's own, also in its rings). */
  const close = async () => {
    await clock.advanceAsync(SLOT);
    await monitor.flush();
  };
  return { clock, monitor, h, counts, close };
}

describe('window build: series ids kept per labels object', () => {
  it('counts each series once after series are removed and others made, the same labels again included', async () => {
    const { clock, h, counts, close } = setup();
    const observe = (route: string, n: number) => {
      for (let i = 0; i < n; i++) h.observe(0.01 * (i + 1), { route });
    };
    observe('/a', 3);
    observe('/b', 1);
    await close();
    // Every snapshot from here builds with ids read from the first one's labels objects.
    expect(await counts(['/a', '/b'])).toEqual([4, 3, 1]);
    expect(await counts(['/a', '/b'])).toEqual([4, 3, 1]);

    // /a leaves memory (its stored rollup still counts); /c is made, /b records again.
    expect(h.remove({ route: '/a' })).toBe(true);
    observe('/c', 2);
    observe('/b', 5);
    await close();
    expect(await counts(['/a', '/b', '/c'])).toEqual([11, 3, 6, 2]);

    // /a again: a new series with labels equal to the removed one's; /c removed in the open
    // slot after recording in it, then recording again (it comes back as the same series).
    observe('/a', 4);
    observe('/c', 1);
    expect(h.remove({ route: '/c' })).toBe(true);
    observe('/c', 7);
    clock.advance(5_000);
    expect(await counts(['/a', '/b', '/c'])).toEqual([23, 7, 6, 10]);
    await close();
    expect(await counts(['/a', '/b', '/c'])).toEqual([23, 7, 6, 10]);

    // Many removals and makings, some of them with labels seen before.
    for (let round = 0; round < 3; round++) {
      for (let r = 0; r < 20; r++) observe(`/x${(r + round * 7) % 30}`, 1);
      for (let r = 0; r < 20; r += 3) h.remove({ route: `/x${(r + round * 7) % 30}` });
      await close();
    }
    const [all, a, b, c, x3] = await counts(['/a', '/b', '/c', '/x3']);
    expect([all, a, b, c]).toEqual([23 + 60, 7, 6, 10]);
    // /x3 recorded in rounds 0 (r = 3) and 2 (r = 19): removed in round 0 after recording.
    expect(x3).toBe(2);
  });

  it('gives every series of a window the key of its own labels', async () => {
    const { clock, monitor, h, close } = setup();
    for (let r = 0; r < 6; r++) h.observe(0.1, { route: `/r${r}` });
    await close();
    await monitor.snapshot();
    for (let r = 0; r < 6; r += 2) h.remove({ route: `/r${r}` });
    for (let r = 6; r < 9; r++) h.observe(0.1, { route: `/r${r}` });
    h.observe(0.1, { route: '/r0' });
    await close();
    const parts = (monitor as unknown as { parts?: { reads?: { parts?: SnapshotParts } } }).parts?.reads?.parts;
    if (parts === undefined) throw new Error('the monitor no longer holds its reads at parts.reads.parts: update this test');
    const now = clock.now();
    const w = await new WindowQuery(parts.sources).read({ name: 'req_seconds', from: now - 10 * 60_000, to: now });
    expect(w.series.map((s) => s.key)).toEqual(w.series.map((s) => seriesKey(s.labels)));
    expect(w.series.map((s) => s.labels.route).sort()).toEqual(['/r0', '/r1', '/r2', '/r3', '/r4', '/r5', '/r6', '/r7', '/r8']);
  });
});
