/**
 * snapshot() keeps every instance's stored rollups between calls that come less than 5 minutes
 * apart (issue 16 item 6): such a call reads only what the store's change log says was written
 * since the last (or, on a store without one, the recent slots), and what other instances write
 * in between still shows. A snapshot after a longer gap (or the first) reads the whole window
 * and keeps nothing, so one-off snapshots hold no memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, createMonitor, type Monitor } from '../src/index.js';
import type { RollupQuery } from '../src/storage/contract.js';
import { ManualClock } from '../src/testing.js';
import { delegatingStorage } from './helpers/delegating-storage.js';
import { T0 } from './helpers/monitor-harness.js';

const NAME = 'db_query_duration_seconds';
const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function setup(changeLog: boolean, failing: { on: boolean } = { on: false }) {
  const clock = new ManualClock(T0);
  const inner = new MemoryStorage({ now: () => clock.now() });
  const ranges: RollupQuery[] = [];
  const changes: string[] = [];
  const storage = delegatingStorage(inner, {
    name: 'counting',
    writeRollups: (r, o) => inner.writeRollups(r, o),
    queryRollups: async (q, o) => {
      if (failing.on) throw new Error('connection refused');
      if (q.name === NAME) ranges.push(q);
      return inner.queryRollups(q, o);
    },
    ...(changeLog
      ? {
          readRollupChanges: async (name: string, cursor: string | undefined) => {
            if (failing.on) throw new Error('connection refused');
            if (name === NAME) changes.push(name);
            return inner.readRollupChanges(name, cursor);
          },
        }
      : {}),
  });
  const monitor = createMonitor({ clock, storage });
  const other = createMonitor({ clock, storage });
  monitors.push(monitor, other);
  const errors: unknown[] = [];
  monitor.on('error', (e) => errors.push(e));
  const mine = monitor.histogram({ name: NAME, unit: 'seconds' });
  const theirs = other.histogram({ name: NAME, unit: 'seconds' });
  return { clock, monitor, other, mine, theirs, ranges, changes, errors };
}

const countOf = async (monitor: Monitor) => (await monitor.snapshot()).performance.snapshot.find((s) => s.name === NAME)?.count;

describe('snapshot() reads the store incrementally', () => {
  it('reads the window on the first two calls, then only the change log, and shows what other instances wrote since', async () => {
    const { clock, monitor, other, mine, theirs, ranges, changes } = setup(true);
    mine.observe(0.1);
    theirs.observe(0.2);
    await other.flush();
    expect(await countOf(monitor)).toBe(2);
    expect(ranges).toHaveLength(1);
    for (let i = 0; i < 4; i++) {
      theirs.observe(0.3);
      mine.observe(0.1);
      await clock.advanceAsync(30_000);
      await other.flush();
      expect(await countOf(monitor)).toBe(4 + 2 * i);
    }
    // The first call kept nothing (no call before it); from the second on, the change log.
    expect(ranges).toHaveLength(2);
    expect(changes.length).toBeGreaterThanOrEqual(4);
  });

  it('reads the whole window for snapshots more than 5 minutes apart', async () => {
    const { clock, monitor, mine, ranges } = setup(true);
    for (let i = 0; i < 3; i++) {
      mine.observe(0.1);
      expect(await countOf(monitor)).toBe(1);
      await clock.advanceAsync(5 * 60_000 + 30_000);
    }
    expect(ranges).toHaveLength(3);
  });

  it('re-reads only the recent slots from a store without a change log', async () => {
    const { clock, monitor, other, mine, theirs, ranges } = setup(false);
    for (let i = 0; i < 6; i++) {
      mine.observe(0.1);
      theirs.observe(0.2);
      await clock.advanceAsync(30_000);
      await other.flush();
    }
    expect(await countOf(monitor)).toBe(12);
    expect(await countOf(monitor)).toBe(12);
    theirs.observe(0.4);
    await clock.advanceAsync(30_000);
    await other.flush();
    expect(await countOf(monitor)).toBe(13);
    expect(ranges).toHaveLength(3);
    // The third read starts after the window's start: the older slots came from what was kept.
    expect(ranges[2]!.from).toBeGreaterThan(ranges[0]!.from!);
  });

  it('shows this process\'s data when the store fails, then reads the whole window again', async () => {
    const failing = { on: false };
    const { monitor, other, mine, theirs, ranges, errors } = setup(true, failing);
    mine.observe(0.1);
    theirs.observe(0.2);
    await other.flush();
    expect(await countOf(monitor)).toBe(2);
    failing.on = true;
    expect(await countOf(monitor)).toBe(1);
    expect(errors.map((e) => (e as Error).name)).toEqual(['StorageError']);
    failing.on = false;
    expect(await countOf(monitor)).toBe(2);
    expect(ranges).toHaveLength(2);
  });
});
