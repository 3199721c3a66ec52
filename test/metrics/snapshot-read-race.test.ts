/**
 * A snapshot reads the store before its turn and captures this process's memory when the turn
 * comes: a slot that closes, or a flush that finishes, in between moves values from memory (or
 * from the recorder) to the store after the store was read. Counters and gauges keep only their
 * open slot in memory, so their closed slot's values were in neither and went missing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, MemoryStorage, type Monitor } from '../../src/index.js';
import type { Rollup, RollupQuery } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from '../helpers/monitor-harness.js';

const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

/** A MemoryStorage whose range reads answer (with what they read) only once `open()` is called, while `gated`. */
class GatedStorage extends MemoryStorage {
  gated = false;
  private gate: Promise<void> = Promise.resolve();
  private release: (() => void) | undefined;
  private hit: (() => void) | undefined;
  /** Resolves once a gated read was made. */
  reached: Promise<void> = Promise.resolve();
  close_(): void {
    this.gate = new Promise((resolve) => (this.release = resolve));
    this.reached = new Promise((resolve) => (this.hit = resolve));
    this.gated = true;
  }
  open(): void {
    this.gated = false;
    this.release?.();
  }
  override async queryRollups(query: RollupQuery): Promise<Rollup[]> {
    const read = await super.queryRollups(query);
    if (this.gated) {
      this.hit?.();
      await this.gate;
    }
    return read;
  }
}

describe('a snapshot whose store reads are in flight', () => {
  it.each(['slot closed and flushed', 'flushed only'])('counts the values of a counter written meanwhile (%s)', async (what) => {
    const clock = new ManualClock(T0 + 10_000);
    // No change log: every snapshot reads the range, and the read can be held.
    const storage = new GatedStorage({ now: () => clock.now() });
    (storage as { readRollupChanges?: unknown }).readRollupChanges = undefined;
    // Flushed by hand only: what waits when the reads begin still waits then.
    const monitor = createMonitor({ clock, storage, logger: false, flush: { interval: 3_600_000 } });
    monitors.push(monitor);
    const jobs = monitor.counter({ name: 'job_executions_total', labelNames: ['job', 'status'] });
    for (let i = 0; i < 7; i++) jobs.inc({ job: 'j1', status: 'success' });
    expect((await monitor.snapshot()).jobs[0]!.totalExecutions).toBe(7);
    if (what === 'flushed only') {
      // The slot closes before the snapshot: its rollup waits in the recorder when the reads begin.
      await clock.advanceAsync(30_000);
    }
    storage.close_();
    const raced = monitor.snapshot();
    await storage.reached;
    // While the reads are in flight: the slot closes (or not) and what waits is written.
    if (what !== 'flushed only') await clock.advanceAsync(30_000);
    await monitor.flush();
    storage.open();
    expect((await raced).jobs[0]!.totalExecutions).toBe(7);
    expect((await monitor.snapshot()).jobs[0]!.totalExecutions).toBe(7);
  });
});
