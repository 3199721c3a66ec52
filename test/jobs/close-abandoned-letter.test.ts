/**
 * A job close() gives up on (running past `closeTimeout`) is kept as close() keeps a waiting one:
 * its letter says why it last failed (an earlier attempt's error, not "the runner closed"), and
 * a dead letter's retry cut short leaves its letter as it was, instead of spending one of its
 * `deadLetterMaxAttempts` retries (a shutdown is not the job's failure).
 */
import { describe, expect, it } from 'vitest';
import { jobsHarness } from './harness.js';

describe('close() and an attempt it gives up on', () => {
  it("keeps an earlier attempt's error in the letter", async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '1s' } });
    let runs = 0;
    h.jobs.define('sync', () => {
      runs++;
      if (runs === 1) throw new Error('db down');
      return new Promise(() => undefined);
    }, { retries: 1, backoff: { initialDelay: '1s', jitter: 0 } });
    const handle = await h.jobs.enqueue('sync', 'p');
    await h.clock.advanceAsync(1_000);
    expect(runs).toBe(2);
    const closing = h.jobs.close();
    await h.clock.advanceAsync(1_000);
    await closing;
    await expect(handle.result).rejects.toThrow(/close bound/);
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.attempts, l.error])).toEqual([[handle.id, 2, 'db down']]);
  });

  it("leaves a dead letter's retry's letter as it was", async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '1s' } });
    let failing = true;
    h.jobs.define('sync', () => {
      if (failing) throw new Error('db down');
      return new Promise(() => undefined);
    }, { retries: 0 });
    const handle = await h.jobs.enqueue('sync', 'p');
    await h.clock.advanceAsync(0);
    const [before] = await h.jobs.deadLetters.list();
    expect(before).toMatchObject({ id: handle.id, retries: 0, error: 'db down', status: 'pending' });
    failing = false;
    const retry = await h.jobs.deadLetters.retry(handle.id);
    await h.clock.advanceAsync(0);
    const closing = h.jobs.close();
    await h.clock.advanceAsync(1_000);
    await closing;
    await expect(retry.result).rejects.toThrow(/close bound/);
    expect(await h.jobs.deadLetters.list()).toEqual([before]);
  });
});
