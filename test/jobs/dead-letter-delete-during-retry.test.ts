/**
 * A dead letter deleted while its retry runs stays deleted: the retry's failure is counted, but
 * does not write the letter back (it came back with one more retry, as if never deleted).
 */
import { describe, expect, it } from 'vitest';
import { deferred, jobsHarness, sample } from './harness.js';

describe('deleting a dead letter while its retry runs', () => {
  it('stays deleted when the retry fails, and the gauge does not count it', async () => {
    const h = jobsHarness();
    let gate = deferred();
    h.jobs.define('report', () => gate.promise.then(() => Promise.reject(new Error('down'))), { retries: 0 });
    const first = await h.jobs.enqueue('report', 'p');
    gate.resolve();
    await expect(first.result).rejects.toThrow('down');
    await h.clock.advanceAsync(0);
    expect((await h.jobs.deadLetters.list()).map((l) => l.id)).toEqual([first.id]);
    gate = deferred();
    const retry = await h.jobs.deadLetters.retry(first.id);
    await h.clock.advanceAsync(0);
    expect(await h.jobs.deadLetters.delete(first.id)).toBe(true);
    gate.resolve();
    await expect(retry.result).rejects.toThrow('down');
    await h.clock.advanceAsync(0);
    expect(await h.jobs.deadLetters.list()).toEqual([]);
    expect(sample(h.text(), 'job_queue_size{type="report",state="dead_letter"}')).toBe(0);
    // The failure of the retry is still counted.
    expect(sample(h.text(), 'job_outcomes_total{type="report",outcome="failure"}')).toBe(2);
  });

  it('a retry that ends after a delete of another letter still updates its own', async () => {
    const h = jobsHarness();
    let gate = deferred();
    h.jobs.define('report', () => gate.promise.then(() => Promise.reject(new Error('down'))), { retries: 0 });
    const a = await h.jobs.enqueue('report', 'a');
    const b = await h.jobs.enqueue('report', 'b');
    gate.resolve();
    await Promise.all([a.result.catch(() => undefined), b.result.catch(() => undefined)]);
    await h.clock.advanceAsync(0);
    gate = deferred();
    const retry = await h.jobs.deadLetters.retry(a.id);
    expect(await h.jobs.deadLetters.delete(b.id)).toBe(true);
    gate.resolve();
    await expect(retry.result).rejects.toThrow('down');
    await h.clock.advanceAsync(0);
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.retries])).toEqual([[a.id, 1]]);
  });
});
