import { describe, expect, it } from 'vitest';
import { scheduleAligned } from '../../src/core/schedule-aligned.js';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { Recorder } from '../../src/metrics/recorder.js';
import type { CallOptions, Rollup } from '../../src/storage/contract.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deferred } from '../helpers/deferred.js';

const T0 = Date.UTC(2026, 0, 1);
const SLOT = 30_000;

function rollup(n: number): Rollup {
  return { name: 'requests_total', kind: 'counter', labels: { n: String(n) }, start: T0, end: T0 + SLOT, count: 1, sum: n, min: n, max: n };
}

/** A store whose writes wait for `gate` (a connection that went silent), counting the batches written. */
class HungStorage extends MemoryStorage {
  readonly gate = deferred();
  batches = 0;

  override async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    await this.gate.promise;
    this.batches++;
    return super.writeRollups(rollups, options);
  }
}

describe('Recorder.flush() while a write hangs', () => {
  it('queues one drain behind the hung one, however many flush ticks pass, and the monitor clock keeps two tasks, not one per tick', async () => {
    const manual = new ManualClock(T0);
    const clock = new DeferredClock(manual, () => {});
    clock.start();
    const storage = new HungStorage({ now: () => manual.now() });
    const recorder = new Recorder(storage, clock, { batchSize: 1_000, maxBuffered: 10_000, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 } }, {
      flushed: () => undefined,
      dropped: () => undefined,
      failed: () => undefined,
    });
    let n = 0;
    // The pipeline's flush timer: a closed slot's rollups, then a flush, every interval.
    const stop = scheduleAligned(clock, 10_000, () => {
      recorder.add([rollup(n++)]);
      return recorder.flush();
    }, () => {});
    manual.advance(1_000_000); // 100 ticks while the first write hangs
    expect(clock.runningTasks).toBeLessThanOrEqual(2);
    expect(manual.runningTasks).toBeLessThanOrEqual(2);
    storage.gate.resolve();
    await clock.idle();
    // The hung batch, then one batch with everything added while it hung.
    expect(storage.batches).toBe(2);
    expect(recorder.buffered).toBe(0);
    expect((await storage.queryRollups({ name: 'requests_total' })).length).toBe(100);
    stop();
  });

  it('a flush after the queued drain started writes what came after it', async () => {
    const clock = new ManualClock(T0);
    const storage = new HungStorage({ now: () => clock.now() });
    const recorder = new Recorder(storage, clock, { batchSize: 1_000, maxBuffered: 10_000, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 } }, {
      flushed: () => undefined,
      dropped: () => undefined,
      failed: () => undefined,
    });
    recorder.add([rollup(0)]);
    const first = recorder.flush();
    recorder.add([rollup(1)]);
    const queued = recorder.flush();
    expect(recorder.flush()).toBe(queued);
    storage.gate.resolve();
    await Promise.all([first, queued]);
    recorder.add([rollup(2)]);
    await recorder.flush();
    expect(storage.batches).toBe(3);
    expect(recorder.buffered).toBe(0);
  });
});
