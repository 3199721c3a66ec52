/**
 * close() waits for a baseline write already in progress: the write a type's tenth successful run
 * starts is chained, and close() only wrote what was left (nothing), so it resolved while that
 * write was still running. The monitor then closes the store, and a restarted instance learns
 * again from runs that may be regressed (it also made test/jobs/baseline-restart.test.ts flaky
 * on PostgreSQL). The store here is slow in a deterministic way: its write takes many turns of
 * the microtask queue, no timer.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { baselineKeyPrefix } from '../../src/jobs/baseline-store.js';
import { jobsHarness, T0, timedBody } from './harness.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

describe('close() and a baseline write in progress', () => {
  it('resolves only once the write has ended', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const put = storage.putStateIfAbsent.bind(storage);
    const writes = { started: 0, ended: 0 };
    storage.putStateIfAbsent = async (key, value, options) => {
      writes.started++;
      for (let i = 0; i < 1_000; i++) await null;
      const result = await put(key, value, options);
      writes.ended++;
      return result;
    };
    const h = jobsHarness({ clock, storage });
    const { body } = timedBody(clock, 50);
    h.jobs.define('media', body);
    for (let i = 0; i < 10; i++) {
      const handle = await h.jobs.enqueue('media', i);
      await clock.advanceAsync(50);
      await handle.result;
    }
    expect(writes.started).toBe(1);
    await h.jobs.close();
    expect(writes.ended).toBe(1);
    expect((await storage.readState(baselineKeyPrefix('publisher'))).map((e) => e.key)).toEqual([`${baselineKeyPrefix('publisher')}media`]);
  });
});
