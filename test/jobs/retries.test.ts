import { describe, expect, it } from 'vitest';
import { isTimeoutError } from '../../src/core/errors.js';
import { jobsHarness, sample, T0 } from './harness.js';

describe('retries, timeouts and dead letters', () => {
  it('retries at 1, 2 and 4 s (within jitter), then writes one dead letter with 4 attempts', async () => {
    const h = jobsHarness();
    const attempts: number[] = [];
    h.jobs.define('item-scheduled-publish', () => {
      attempts.push(h.clock.now());
      throw new Error('platform API down');
    }, { concurrency: 5, priority: 'HIGH', retries: 3 });
    const handle = await h.jobs.enqueue('item-scheduled-publish', { item: 7 });
    const settled = handle.result.then(() => 'resolved', (e: Error) => e.message);
    await h.clock.advanceAsync(10_000);
    expect(await settled).toBe('platform API down');
    expect(attempts).toHaveLength(4);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    // Default backoff: 1 s doubling, jitter 0.2 takes up to a fifth off each delay.
    [1_000, 2_000, 4_000].forEach((d, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(d * 0.8);
      expect(gaps[i]).toBeLessThanOrEqual(d);
    });
    const letters = await h.jobs.deadLetters.list();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ id: handle.id, job: 'item-scheduled-publish', data: { item: 7 }, error: 'platform API down', attempts: 4, status: 'pending', retries: 0, createdAt: T0 });
    const text = h.text();
    expect(sample(text, 'job_attempts_total{type="item-scheduled-publish"}')).toBe(4);
    expect(sample(text, 'job_outcomes_total{type="item-scheduled-publish",outcome="failure"}')).toBe(1);
    expect(sample(text, 'job_run_duration_seconds_count{type="item-scheduled-publish",outcome="failure"}')).toBe(4);
    expect(sample(text, 'job_queue_size{type="item-scheduled-publish",state="dead_letter"}')).toBe(1);
  });

  it('pins the backoff with the jobs option random: exactly 1, 2 and 4 s at random() = 0', async () => {
    const h = jobsHarness({ jobs: { random: () => 0 } });
    const attempts: number[] = [];
    h.jobs.define('content-generation', () => {
      attempts.push(h.clock.now() - T0);
      throw new Error('no');
    });
    await h.jobs.enqueue('content-generation', {});
    await h.clock.advanceAsync(10_000);
    expect(attempts).toEqual([0, 1_000, 3_000, 7_000]);
  });

  it('retries: 0 dead-letters after one attempt', async () => {
    const h = jobsHarness();
    let runs = 0;
    h.jobs.define('project-scheduled-publish', () => {
      runs++;
      return Promise.reject(new Error('bad token'));
    }, { concurrency: 10, priority: 'HIGH', retries: 0 });
    const handle = await h.jobs.enqueue('project-scheduled-publish', { project: 1 });
    await expect(handle.result).rejects.toThrow('bad token');
    await h.clock.advanceAsync(60_000);
    expect(runs).toBe(1);
    expect((await h.jobs.deadLetters.list()).map((l) => [l.id, l.attempts])).toEqual([[handle.id, 1]]);
  });

  it('a timed-out attempt fails with a TimeoutError, aborts its signal, and its late result counts nothing', async () => {
    const h = jobsHarness();
    let signal: AbortSignal | undefined;
    let finishLate!: (v: string) => void;
    h.jobs.define('generate-report', (_p, ctx) => {
      signal = ctx.signal;
      return new Promise<string>((resolve) => (finishLate = resolve));
    }, { retries: 0, timeout: '30s' });
    const handle = await h.jobs.enqueue('generate-report', {});
    const outcome = handle.result.then(() => undefined, (e: unknown) => e);
    await h.clock.advanceAsync(30_000);
    const error = await outcome;
    expect(isTimeoutError(error)).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(isTimeoutError(signal?.reason)).toBe(true);
    finishLate('too late');
    await h.clock.advanceAsync(1);
    const text = h.text();
    expect(sample(text, 'job_timeouts_total{type="generate-report"}')).toBe(1);
    expect(sample(text, 'job_outcomes_total{type="generate-report",outcome="success"}')).toBe(0);
    expect(sample(text, 'job_outcomes_total{type="generate-report",outcome="failure"}')).toBe(1);
    expect(sample(text, 'job_run_duration_seconds_count{type="generate-report",outcome="failure"}')).toBe(1);
    expect(sample(text, 'job_active_workers{type="generate-report"}')).toBe(0);
  });

  it('a job rejecting after its timeout neither crashes the host nor counts twice', async () => {
    const h = jobsHarness();
    let failLate!: (e: unknown) => void;
    h.jobs.define('export-data', () => new Promise((_, reject) => (failLate = reject)), { retries: 0, timeout: 1_000 });
    const handle = await h.jobs.enqueue('export-data', {});
    await h.clock.advanceAsync(1_000);
    await expect(handle.result).rejects.toThrow(/timeout of 1000 ms/);
    failLate('a string, after the timeout');
    await h.clock.advanceAsync(1);
    expect(sample(h.text(), 'job_outcomes_total{type="export-data",outcome="failure"}')).toBe(1);
    expect(await h.jobs.deadLetters.list()).toHaveLength(1);
  });

  it('a job throwing a non-Error is recorded as a failure with a readable message', async () => {
    const h = jobsHarness();
    h.jobs.define('send-notification', () => {
      throw { code: 42 };
    }, { retries: 0 });
    h.jobs.define('send-undefined', () => Promise.reject(undefined), { retries: 0 });
    const a = await h.jobs.enqueue('send-notification', 1);
    const b = await h.jobs.enqueue('send-undefined', 1);
    await expect(a.result).rejects.toThrow('job threw a non-Error: {"code":42}');
    await expect(b.result).rejects.toThrow('job threw a non-Error: undefined');
    await h.clock.advanceAsync(0);
    expect((await h.jobs.deadLetters.list()).map((l) => l.error).sort()).toEqual(['job threw a non-Error: undefined', 'job threw a non-Error: {"code":42}']);
  });

  it('a failing job whose result nobody reads leaves no unhandled rejection', async () => {
    const h = jobsHarness();
    const unhandled: unknown[] = [];
    const listener = (r: unknown) => void unhandled.push(r);
    process.on('unhandledRejection', listener);
    try {
      h.jobs.define('fire-and-forget', () => Promise.reject(new Error('ignored')), { retries: 0 });
      await h.jobs.enqueue('fire-and-forget', {});
      await h.clock.advanceAsync(0);
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('unhandledRejection', listener);
    }
    expect(unhandled).toEqual([]);
  });

  it('deadLetter: false counts the failure and writes no letter', async () => {
    const h = jobsHarness();
    h.jobs.define('best-effort', () => Promise.reject(new Error('x')), { retries: 0, deadLetter: false });
    await h.jobs.enqueue('best-effort', {});
    await h.clock.advanceAsync(0);
    expect(await h.jobs.deadLetters.list()).toEqual([]);
    expect(sample(h.text(), 'job_outcomes_total{type="best-effort",outcome="failure"}')).toBe(1);
  });
});
