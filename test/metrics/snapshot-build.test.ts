/**
 * A snapshot builds a histogram's window from a capture of this process's memory, in shares
 * between which it may yield (snapshot-build.ts). The window must be the one `WindowQuery.merge`
 * builds at the instant of the capture: the same series in the same order, the same parts, and
 * slots with the same content. Random data with another instance on the same store, writes that
 * fail (rollups waiting in the recorder, then stored as well), label filters, and shares of a
 * few series so that every kind of series crosses a share boundary; and paced by real time
 * (shares of 10 series, runs of them built in one call as the time measured lets fit).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Labels } from '../../src/core/labels.js';
import { createMonitor, type Monitor } from '../../src/index.js';
import { captureHistogram } from '../../src/metrics/snapshot-capture.js';
import { buildCapturedWindow } from '../../src/metrics/snapshot-build.js';
import { SnapshotWork } from '../../src/metrics/snapshot-work.js';
import type { MetricWindow, WindowQuerySources } from '../../src/metrics/window-query.js';
import { groupRollups } from '../../src/metrics/window-query-series.js';
import { WindowQuery } from '../../src/metrics/window-query.js';
import { ManualClock } from '../../src/testing.js';
import { FlakyStorage } from '../helpers/flaky-storage.js';
import { T0 } from '../helpers/monitor-harness.js';
import { random } from '../helpers/random.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function sourcesOf(monitor: Monitor): WindowQuerySources {
  return (monitor as unknown as { parts: { reads: { parts: { sources: WindowQuerySources } } } }).parts.reads.parts.sources;
}

/** A window as data: its series in order with their parts (by identity) and their slots' content. */
function shape(w: MetricWindow) {
  return {
    name: w.name,
    kind: w.kind,
    unit: w.unit,
    series: w.series.map((s) => ({
      key: s.key,
      labels: s.labels,
      current: s.current,
      parts: s.parts,
      slots: s.slots.map((slot) => [slot.start, slot.count, slot.sum, slot.min, slot.max]),
    })),
    stats: w.stats(w.series, w.from, w.now, true).dist!.summary(),
  };
}

const FILTERS: (Labels | undefined)[] = [undefined, { status: '500' }, { route: '/r/3' }];

describe('a window built from a capture, in shares', () => {
  it.each([1, 2, 3])('is the window WindowQuery.merge builds at the capture (seed %i)', async (seed) => {
    const rand = random(seed);
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    const mine = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    const theirs = createMonitor({ clock, storage: storage.inner, limits: { maxSeriesPerMetric: 10_000 } });
    monitors.push(mine, theirs);
    mine.on('error', () => undefined);
    const h = mine.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const other = theirs.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const sources = sourcesOf(mine);
    const query = new WindowQuery(sources);
    let compared = 0;
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 40; i++) {
        const labels = { route: `/r/${Math.floor(rand() * 12)}`, status: rand() < 0.5 ? '200' : '500' };
        // Some label sets only the other instance writes: series of stored rollups alone.
        if (rand() < 0.6) h.observe(rand() * 2, labels);
        else other.observe(rand() * 2, { ...labels, route: rand() < 0.5 ? labels.route : `/theirs/${Math.floor(rand() * 30)}` });
      }
      if (rand() < 0.2) {
        if (storage.isFailing) storage.recover();
        else storage.fail();
      }
      await clock.advanceAsync(rand() < 0.6 ? 5_000 : 30_000);
      if (rand() < 0.3) await theirs.flush();
      const now = clock.now();
      const from = now - 300_000;
      const stored = groupRollups(await storage.inner.queryRollups({ name: 'req_seconds', from }));
      for (const labels of FILTERS) {
        const request = { name: 'req_seconds', labels, from, to: now, now };
        const merged = query.merge(request, stored, now);
        const pending = sources.ctx.fleet.pendingRollups().slice();
        const captured = captureHistogram(h as never);
        const built = await buildCapturedWindow({ name: 'req_seconds', labels, from, now, captured, stored, pending, ctx: sources.ctx }, new SnapshotWork(clock, 5), 3);
        expect(shape(built), `step ${step}, labels ${JSON.stringify(labels)}`).toEqual(shape(merged));
        // Paced by real time (here a reading that moves at random): runs of shares of 10 series
        // built in one call, as many as the time measured lets fit.
        let t = 0;
        const timed = new SnapshotWork(clock, Number.POSITIVE_INFINITY, 5, () => (t += rand() * rand() * 4));
        const grouped = await buildCapturedWindow({ name: 'req_seconds', labels, from, now, captured, stored, pending, ctx: sources.ctx }, timed, 40);
        expect(shape(grouped), `step ${step}, labels ${JSON.stringify(labels)}, paced by time`).toEqual(shape(merged));
        compared += merged.series.length;
      }
    }
    storage.recover();
    // Series of every kind were compared: this process's, waiting rollups' and the store's alone.
    expect(compared).toBeGreaterThan(1_000);
  }, 60_000);
});
