/**
 * A snapshot's chunks end after a budget of units or of real time, whichever comes first
 * (snapshot-work.ts): counted units alone let a chunk run far past its estimate where a unit
 * costs more (a process's first snapshot, code not yet optimized; a chunk that met a garbage
 * collection). Real time is read through a function the tests replace with a counter, so every
 * run splits the work at the same places; results never depend on where the chunks end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import { CHUNK_MS, CHUNK_UNITS, SnapshotWork } from '../../src/metrics/snapshot-work.js';
import { SnapshotCache } from '../../src/metrics/snapshot-reader.js';
import { snapshotView, type SnapshotParts } from '../../src/monitor-snapshot.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A ManualClock that counts the turns a snapshot lets the event loop take. */
class CountingClock extends ManualClock {
  yields = 0;
  override yield(): Promise<void> {
    this.yields++;
    return super.yield();
  }
}

/** Real time that moves `step` ms at each reading. */
function ticking(step: number): { read: () => number; readings: () => number } {
  let t = 0;
  let n = 0;
  return {
    read: () => {
      n++;
      return (t += step);
    },
    readings: () => n,
  };
}

function partsOf(monitor: Monitor): SnapshotParts {
  const parts = (monitor as unknown as { parts?: { reads?: { parts?: SnapshotParts } } }).parts?.reads?.parts;
  if (parts === undefined) throw new Error('the monitor no longer holds its reads at parts.reads.parts: update partsOf');
  return parts;
}

describe('SnapshotWork', () => {
  it('ends a chunk once it ran its real time, however few units were charged', async () => {
    const time = ticking(1);
    const work = new SnapshotWork(new ManualClock(T0), CHUNK_UNITS, 5, time.read);
    const due: number[] = [];
    for (let i = 0; i < 12; i++) {
      if (work.charge(200)) {
        due.push(i);
        await work.pause();
      }
    }
    // Each reading moves 1 ms: a chunk is due at its fifth reading after it began.
    expect(due).toEqual([4, 9]);
    expect(work.pauses).toBe(2);
  });

  it('reads the time once every 128 units or so, not at every small charge', () => {
    const time = ticking(0);
    const work = new SnapshotWork(new ManualClock(T0), CHUNK_UNITS, 5, time.read);
    for (let i = 0; i < 1_280; i++) work.charge(1);
    // One reading at the construction, then one per 128 units charged.
    expect(time.readings()).toBe(11);
    expect(work.due()).toBe(false);
    expect(time.readings()).toBe(12);
  });

  it('by default bounds a chunk by both (CHUNK_UNITS, CHUNK_MS); with a budget of its own and no time, by units alone', () => {
    const clock = new ManualClock(T0);
    const timed = new SnapshotWork(clock);
    expect([timed.budget, timed.chunkMs, timed.timed]).toEqual([CHUNK_UNITS, CHUNK_MS, true]);
    const counted = new SnapshotWork(clock, 10, undefined, ticking(1_000).read);
    expect(counted.timed).toBe(false);
    // Real time runs fast: a chunk counted in units is still due only at its 10th unit.
    const due: boolean[] = [];
    for (let i = 0; i < 10; i++) due.push(counted.charge(1));
    expect(due.indexOf(true)).toBe(9);
    expect(counted.overdue(1_000)).toBe(false);
  });

  it('tells a step that would run past the chunk (overdue) before it starts', () => {
    const time = ticking(1);
    const work = new SnapshotWork(new ManualClock(T0), CHUNK_UNITS, 10, time.read);
    // The chunk began at the construction's reading (1); the next reading is 2: 1 ms in.
    expect(work.overdue(8)).toBe(false);
    // 2 ms in: a step of 8 ms would end at 10.
    expect(work.overdue(8)).toBe(true);
  });
});

describe('a snapshot paced by real time', () => {
  it('yields once a chunk ran its time, with units never spent, and equals the snapshot made in one chunk', async () => {
    const clock = new CountingClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, limits: { maxSeriesPerMetric: 10_000 } });
    monitors.push(monitor);
    const h = monitor.histogram({ name: 'req_seconds', labelNames: ['route', 'status'], unit: 'seconds' });
    const record = (k: number) => {
      for (let r = 0; r < 60; r++) for (const status of ['200', '500']) h.observe(((r * 7 + k * 13) % 100) / 50, { route: `/r/${r}`, status });
    };
    const whole = new SnapshotCache(30_000, Number.POSITIVE_INFINITY);
    const time = ticking(1);
    // Units are never spent: only real time (1 ms a reading, 5 ms a chunk) ends a chunk.
    const paced = new SnapshotCache(30_000, Number.POSITIVE_INFINITY, 5, time.read);
    for (let step = 0; step < 8; step++) {
      record(step);
      await clock.advanceAsync(step % 3 === 2 ? 30_000 : 5_000);
      await monitor.flush();
      const reference = await snapshotView(partsOf(monitor), {}, whole);
      const yieldsBefore = clock.yields;
      const readingsBefore = time.readings();
      const snapshot = await snapshotView(partsOf(monitor), {}, paced);
      expect(snapshot, `step ${step}`).toEqual(reference);
      // The turns between phases aside (a handful), a turn for about every 5 readings of the time.
      expect(clock.yields - yieldsBefore, `step ${step}`).toBeGreaterThan((time.readings() - readingsBefore) / 10);
    }
  });
});
