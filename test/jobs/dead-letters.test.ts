import { describe, expect, it } from 'vitest';
import { isNotFoundError } from '../../src/core/errors.js';
import { jobsHarness, sample } from './harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A type that fails while `state.failing`, with no retries: every job becomes a dead letter at once. */
function failingType(h: ReturnType<typeof jobsHarness>, type = 'generate-report') {
  const state = { failing: true, runs: 0 };
  h.jobs.define(type, (p: unknown) => {
    state.runs++;
    if (state.failing) throw new Error(`failed ${JSON.stringify(p)}`);
    return p;
  }, { retries: 0 });
  return state;
}

describe('dead letters', () => {
  it('lists, retries one, retries all and deletes', async () => {
    const h = jobsHarness();
    const state = failingType(h);
    const ids: string[] = [];
    for (const p of [1, 2, 3, 4]) ids.push((await h.jobs.enqueue('generate-report', p)).id);
    await h.clock.advanceAsync(0);
    expect((await h.jobs.deadLetters.list()).map((l) => l.data)).toEqual([1, 2, 3, 4]);
    expect((await h.jobs.deadLetters.list({ limit: 2 })).map((l) => l.data)).toEqual([1, 2]);
    expect(await h.jobs.deadLetters.delete(ids[3]!)).toBe(true);
    expect(await h.jobs.deadLetters.delete(ids[3]!)).toBe(false);
    state.failing = false;
    const one = await h.jobs.deadLetters.retry(ids[0]!);
    expect(await one.result).toBe(1);
    await h.clock.advanceAsync(0);
    expect((await h.jobs.deadLetters.list()).map((l) => l.data)).toEqual([2, 3]);
    const all = await h.jobs.deadLetters.retryAll();
    expect(await Promise.all(all.map((x) => x.result))).toEqual([2, 3]);
    await h.clock.advanceAsync(0);
    expect(await h.jobs.deadLetters.list()).toEqual([]);
    expect(sample(h.text(), 'job_queue_size{type="generate-report",state="dead_letter"}')).toBe(0);
    const missing = await h.jobs.deadLetters.retry('nope').catch((e: unknown) => e);
    expect(isNotFoundError(missing)).toBe(true);
  });

  it('retryAll leaves a letter being retried already as it is; retry of it is refused', async () => {
    const h = jobsHarness();
    let release!: () => void;
    let failing = true;
    h.jobs.define('slow-report', () => {
      if (failing) throw new Error('down');
      return new Promise<void>((r) => (release = r));
    }, { retries: 0 });
    const a = await h.jobs.enqueue('slow-report', 'a');
    await h.jobs.enqueue('slow-report', 'b');
    await h.clock.advanceAsync(0);
    failing = false;
    const first = await h.jobs.deadLetters.retry(a.id);
    const rest = await h.jobs.deadLetters.retryAll();
    expect(rest).toHaveLength(1);
    await expect(h.jobs.deadLetters.retry(a.id)).rejects.toThrow(/being retried already/);
    release();
    await first.result;
  });

  it('a failed retry updates the letter: retries + 1, attempts + 1, the new error', async () => {
    const h = jobsHarness();
    failingType(h);
    const { id } = await h.jobs.enqueue('generate-report', 'x');
    await h.clock.advanceAsync(0);
    await h.jobs.deadLetters.retry(id).then((x) => x.result.catch(() => undefined));
    await h.clock.advanceAsync(0);
    expect(await h.jobs.deadLetters.list()).toMatchObject([{ id, attempts: 2, retries: 1, status: 'pending', error: 'failed "x"' }]);
  });

  it('the hourly processor retries each letter at most 5 times, then keeps it as failed', async () => {
    const h = jobsHarness();
    const state = failingType(h);
    await h.jobs.enqueue('generate-report', 'stubborn');
    await h.clock.advanceAsync(0);
    for (let hour = 1; hour <= 7; hour++) await h.clock.advanceAsync(HOUR);
    expect(state.runs).toBe(1 + 5);
    expect(await h.jobs.deadLetters.list()).toMatchObject([{ retries: 5, attempts: 6, status: 'failed' }]);
    const text = h.text();
    expect(sample(text, 'job_queue_size{type="generate-report",state="failed"}')).toBe(1);
    expect(sample(text, 'job_queue_size{type="generate-report",state="dead_letter"}')).toBe(0);
  });

  it('the processor recovers a letter once the job succeeds', async () => {
    const h = jobsHarness();
    const state = failingType(h);
    await h.jobs.enqueue('generate-report', 'later');
    await h.clock.advanceAsync(0);
    state.failing = false;
    await h.clock.advanceAsync(HOUR);
    expect(await h.jobs.deadLetters.list()).toEqual([]);
    expect(state.runs).toBe(2);
  });

  it('purges letters older than 30 days', async () => {
    const h = jobsHarness({ jobs: { deadLetterMaxAttempts: 0 } });
    failingType(h);
    await h.jobs.enqueue('generate-report', 'old');
    await h.clock.advanceAsync(15 * DAY);
    await h.jobs.enqueue('generate-report', 'newer');
    await h.clock.advanceAsync(15 * DAY + HOUR);
    expect((await h.jobs.deadLetters.list()).map((l) => l.data)).toEqual(['newer']);
  });

  it('one instance of a fleet runs each scheduled processor run (a store lease)', async () => {
    const a = jobsHarness();
    const b = jobsHarness({ clock: a.clock, storage: a.storage });
    const sa = failingType(a);
    const sb = failingType(b);
    await a.jobs.enqueue('generate-report', 1);
    await a.clock.advanceAsync(HOUR);
    expect(sa.runs + sb.runs).toBe(2);
  });

  it('a letter written without the runner fields reads as pending with its failedAt as timestamps', async () => {
    const h = jobsHarness();
    failingType(h);
    await h.storage.saveJobDeadLetter({ id: 'legacy', job: 'generate-report', data: 1, error: 'e', attempts: 3, failedAt: h.clock.now() });
    expect(await h.jobs.deadLetters.list()).toEqual([{ id: 'legacy', job: 'generate-report', data: 1, error: 'e', attempts: 3, failedAt: h.clock.now(), status: 'pending', createdAt: h.clock.now(), lastAttemptAt: h.clock.now(), retries: 0 }]);
  });
});
