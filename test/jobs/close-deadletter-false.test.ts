/**
 * `deadLetter: false` drops a job that failed its last retry, not one that close() cut short: a
 * job still running past the close bound, or failing while close() waits with retries left (it
 * would have been retried), is kept in the dead letters like a waiting or delayed job, whatever
 * its type says ("nothing accepted is lost").
 */
import { describe, expect, it } from 'vitest';
import { deferred, jobsHarness } from './harness.js';

describe('close() and deadLetter: false', () => {
  it('keeps a job still running past the close bound', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '2s' } });
    h.jobs.define('hangs', () => new Promise(() => undefined), { deadLetter: false });
    const handle = await h.jobs.enqueue('hangs', { id: 7 });
    await h.clock.advanceAsync(0);
    const closing = h.jobs.close();
    await h.clock.advanceAsync(2_000);
    await closing;
    await expect(handle.result).rejects.toThrow(/close bound/);
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.data, l.attempts])).toEqual([[handle.id, { id: 7 }, 1]]);
  });

  it('keeps a job whose attempt fails while close() waits, with retries left, as it keeps one in its backoff', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '2s' } });
    const gate = deferred();
    h.jobs.define('flaky', () => gate.promise.then(() => Promise.reject(new Error('flaky'))), { deadLetter: false, retries: 3 });
    const handle = await h.jobs.enqueue('flaky', 'p');
    await h.clock.advanceAsync(0);
    const closing = h.jobs.close();
    gate.resolve();
    await closing;
    await expect(handle.result).rejects.toThrow('flaky');
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.error, l.attempts])).toEqual([[handle.id, 'flaky', 1]]);
  });

  it('still drops a job out of retries that fails while close() waits', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '2s' } });
    const gate = deferred();
    h.jobs.define('best-effort', () => gate.promise.then(() => Promise.reject(new Error('x'))), { deadLetter: false, retries: 0 });
    const handle = await h.jobs.enqueue('best-effort', 'p');
    await h.clock.advanceAsync(0);
    const closing = h.jobs.close();
    gate.resolve();
    await closing;
    await expect(handle.result).rejects.toThrow('x');
    expect(await h.jobs.deadLetters.list()).toEqual([]);
  });
});
