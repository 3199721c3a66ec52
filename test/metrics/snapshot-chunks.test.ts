/**
 * A snapshot works in chunks and lets the event loop turn between them (`Clock.yield`): values
 * recorded, slots closed (with their rollups flushed to the store), series created and rollups
 * written meanwhile must not reach it. Each snapshot here, with chunks of a few units, is made
 * while a clock whose `yield` does all of that between chunks drives the monitor, and must equal
 * the snapshot made just before at the same instant, in one chunk, on the same history.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor, type SnapshotOptions } from '../../src/index.js';
import { SnapshotCache } from '../../src/metrics/snapshot-reader.js';
import { snapshotView, type SnapshotParts } from '../../src/monitor-snapshot.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';
import { random } from '../helpers/random.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/**
 * A ManualClock that runs `between` at each yield of a snapshot's turn (between two of its
 * chunks). The store reads before the turn yield too (between pieces of a large grouping): what
 * happens then comes before the snapshot's instant (its capture, at the start of its turn) and
 * may reach it, so those yields are only counted (`readYields`).
 */
class MeddlingClock extends ManualClock {
  between: (() => void) | undefined;
  yields = 0;
  readYields = 0;
  /** Store reads of a snapshot under way (see {@link ReadMarkingCache}). */
  reading = 0;
  override yield(): Promise<void> {
    if (this.reading > 0) this.readYields++;
    else {
      this.yields++;
      this.between?.();
    }
    return super.yield();
  }
}

/** A SnapshotCache that tells its clock while a store read (and its grouping) is under way. */
class ReadMarkingCache extends SnapshotCache {
  constructor(
    private readonly clock: MeddlingClock,
    budget: number,
  ) {
    super(30_000, budget);
  }

  override async storedSeries(...args: Parameters<SnapshotCache['storedSeries']>): ReturnType<SnapshotCache['storedSeries']> {
    this.clock.reading++;
    try {
      return await super.storedSeries(...args);
    } finally {
      this.clock.reading--;
    }
  }
}

function partsOf(monitor: Monitor): SnapshotParts {
  const parts = (monitor as unknown as { parts?: { reads?: { parts?: SnapshotParts } } }).parts?.reads?.parts;
  if (parts === undefined) throw new Error('the monitor no longer holds its reads at parts.reads.parts: update partsOf');
  return parts;
}

const STATUSES = ['200', '404', '500', '503'];
const FILTERS: SnapshotOptions[] = [{}, { labels: { status: '500' } }, { names: ['req_seconds'] }];

describe('a snapshot made in chunks', () => {
  it.each([1, 2, 3])('is the snapshot of its instant while slots close, values are recorded and series are created between its chunks (seed %i)', async (seed) => {
    const rand = random(seed);
    const clock = new MeddlingClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    const other = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    monitors.push(monitor, other);
    const req = monitor.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const jobs = monitor.counter({ name: 'job_executions_total', labelNames: ['job', 'status'] });
    const theirs = other.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    let routes = 40;
    const labels = () => ({ route: `/r/${Math.floor(rand() * routes)}`, status: STATUSES[Math.floor(rand() * STATUSES.length)]! });
    const value = () => (rand() < 0.3 ? Math.floor(rand() * 500) / 1000 : rand() * 2);
    const record = (n: number) => {
      for (let i = 0; i < n; i++) {
        req.observe(value(), labels());
        if (rand() < 0.1) theirs.observe(value(), labels());
        if (rand() < 0.05) jobs.inc({ job: `j${Math.floor(rand() * 3)}`, status: 'success' });
      }
    };
    // Each side keeps what snapshots keep: the chunked one in chunks of 40 units, the other in one.
    const chunked = new ReadMarkingCache(clock, 40);
    const whole = new SnapshotCache(30_000, Number.POSITIVE_INFINITY);
    let meddled = 0;
    let closedBetween = 0;
    for (let step = 0; step < 30; step++) {
      record(Math.floor(rand() * 300));
      await clock.advanceAsync(rand() < 0.7 ? 5_000 : 30_000);
      if (rand() < 0.3) await other.flush();
      const options = FILTERS[step % FILTERS.length]!;
      const reference = await snapshotView(partsOf(monitor), options, whole);
      // Between chunks: values, new series, now and then a slot closed and the other instance's rollups written.
      let closes = rand() < 0.5 ? 1 : 0;
      clock.between = () => {
        meddled++;
        record(5);
        if (rand() < 0.05) routes++;
        if (closes > 0 && rand() < 0.2) {
          closes--;
          closedBetween++;
          clock.advance(30_000 - (clock.now() % 30_000));
          void other.flush();
        }
      };
      const yieldsBefore = clock.yields;
      const snapshot = await snapshotView(partsOf(monitor), options, chunked);
      clock.between = undefined;
      expect(clock.yields - yieldsBefore, `step ${step}`).toBeGreaterThan(3);
      expect(snapshot, `step ${step} (seed ${seed}), options ${JSON.stringify(options)}`).toEqual(reference);
      await clock.idle();
    }
    expect(meddled).toBeGreaterThan(200);
    expect(closedBetween).toBeGreaterThan(3);
    // The later reads were large enough to be grouped in pieces.
    expect(clock.readYields).toBeGreaterThan(0);
  }, 60_000);

  it('is made once for calls at the same instant with the same filters, each caller getting its own copy', async () => {
    const clock = new MeddlingClock(T0);
    const monitor = createMonitor({ clock, storage: new MemoryStorage({ now: () => clock.now() }) });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'req_seconds', labelNames: ['route'], unit: 'seconds' });
    for (let i = 0; i < 200; i++) h.observe(i / 100, { route: `/r/${i % 20}` });
    await clock.advanceAsync(30_000);
    h.observe(0.5, { route: '/r/1' });
    const cache = new SnapshotCache(30_000, 40);
    const kept = cache.windows;
    const [a, b] = await Promise.all([snapshotView(partsOf(monitor), {}, cache), snapshotView(partsOf(monitor), {}, cache)]);
    expect(kept.built.get('req_seconds')).toBe(1);
    expect(b).toEqual(a);
    expect(b.performance).not.toBe(a.performance);
    // Another filter at the same instant is another snapshot, made after the first.
    const [c, d] = await Promise.all([snapshotView(partsOf(monitor), {}, cache), snapshotView(partsOf(monitor), { labels: { route: '/r/1' } }, cache)]);
    expect(c).toEqual(a);
    expect(d.performance.snapshot[0]!.count).toBe(11);
  });
});
