/**
 * The drain loops (src/jobs/type-queue.ts): p-queue runs one loop per concurrency slot, and each
 * loop runs waiting jobs one after another. What the loop changes: a job's failure, timeout or
 * close() must not stop or double a loop, and the next job is chosen by priority at each take.
 */
import { describe, expect, it } from 'vitest';
import { isTimeoutError } from '../../src/core/errors.js';
import { deferred, jobsHarness, sample, T0, timedBody } from './harness.js';

describe('drain loops', () => {
  it('a job that throws synchronously (an Error or not) fails alone: the loop runs the next jobs in order', async () => {
    const h = jobsHarness();
    const ran: number[] = [];
    h.jobs.define('publish', (n: number) => {
      ran.push(n);
      if (n === 2) throw new Error('bad post');
      if (n === 4) throw 'not an error';
      return n * 10;
    }, { concurrency: 1, retries: 0 });
    const handles = [];
    for (let n = 1; n <= 6; n++) handles.push(await h.jobs.enqueue('publish', n));
    const outcomes = await Promise.all(handles.map((x) => x.result.then((v) => v, (e: Error) => e.message)));
    expect(ran).toEqual([1, 2, 3, 4, 5, 6]);
    expect(outcomes).toEqual([10, 'bad post', 30, 'job threw a non-Error: not an error', 50, 60]);
    expect((await h.jobs.deadLetters.list()).map((l) => l.data)).toEqual([2, 4]);
    const text = h.text();
    expect(sample(text, 'job_outcomes_total{type="publish",outcome="success"}')).toBe(4);
    expect(sample(text, 'job_outcomes_total{type="publish",outcome="failure"}')).toBe(2);
    expect(h.errors).toEqual([]);
  });

  it('a timeout frees the slot at the timeout: the next job starts then, and the late settle counts nothing', async () => {
    const h = jobsHarness();
    const late = deferred<string>();
    const started: [string, number][] = [];
    let firstSignal: AbortSignal | undefined;
    h.jobs.define('export-data', (p: string, ctx) => {
      started.push([p, h.clock.now() - T0]);
      if (p === 'hangs') {
        firstSignal = ctx.signal;
        return late.promise;
      }
      return `done ${p}`;
    }, { concurrency: 1, timeout: '1s', retries: 0 });
    const hangs = await h.jobs.enqueue('export-data', 'hangs');
    const next = await h.jobs.enqueue('export-data', 'next');
    const failure = hangs.result.catch((e: unknown) => e);
    await h.clock.advanceAsync(999);
    expect(started).toEqual([['hangs', 0]]);
    await h.clock.advanceAsync(1);
    expect(await next.result).toBe('done next');
    expect(started).toEqual([['hangs', 0], ['next', 1_000]]);
    expect(isTimeoutError(await failure)).toBe(true);
    expect(firstSignal?.aborted).toBe(true);
    late.resolve('too late');
    await h.clock.advanceAsync(0);
    const text = h.text();
    expect(sample(text, 'job_timeouts_total{type="export-data"}')).toBe(1);
    expect(sample(text, 'job_attempts_total{type="export-data"}')).toBe(2);
    expect(sample(text, 'job_outcomes_total{type="export-data",outcome="success"}')).toBe(1);
    expect(sample(text, 'job_outcomes_total{type="export-data",outcome="failure"}')).toBe(1);
  });

  it('close() mid-drain: running jobs finish, no loop takes another, the rest are dead letters', async () => {
    const h = jobsHarness({ jobs: { closeTimeout: '5s' } });
    const { body, state } = timedBody(h.clock, 1_000);
    h.jobs.define('generate-report', body, { concurrency: 2 });
    const handles = [];
    for (let i = 0; i < 10; i++) handles.push(await h.jobs.enqueue('generate-report', i));
    // Two loops have run two jobs each and started their third.
    await h.clock.advanceAsync(2_500);
    expect(state.started).toHaveLength(6);
    const closing = h.jobs.close();
    await h.clock.advanceAsync(1_000);
    await closing;
    await h.clock.advanceAsync(10_000);
    expect(state.started).toHaveLength(6);
    expect(state.ended).toHaveLength(6);
    const outcomes = await Promise.all(handles.map((x) => x.result.then(() => 'done', (e: Error) => e.name)));
    expect(outcomes).toEqual([...Array(6).fill('done'), ...Array(4).fill('ClosedError')]);
    expect((await h.jobs.deadLetters.list()).map((l) => l.data).sort()).toEqual([6, 7, 8, 9]);
    expect(h.jobs.describe('generate-report')?.state).toMatchObject({ running: 0, waiting: { high: 0, medium: 0, low: 0 } });
  });

  it('a HIGH job queued while a loop drains LOW ones is the next to start', async () => {
    const h = jobsHarness();
    const order: string[] = [];
    const gate = deferred();
    const inside = deferred();
    const lowStarted = deferred();
    h.jobs.define('publish', async (p: string) => {
      order.push(p);
      if (p === 'first') await gate.promise;
      if (p === 'low-1') {
        lowStarted.resolve();
        // Queued from inside a running job, while the loop is between takes.
        await h.jobs.enqueue('publish', 'high-from-inside', { priority: 'HIGH' });
        await inside.promise;
      }
    }, { concurrency: 1, priority: 'LOW' });
    const first = await h.jobs.enqueue('publish', 'first');
    const lows = [];
    for (const p of ['low-1', 'low-2', 'low-3']) lows.push(await h.jobs.enqueue('publish', p));
    gate.resolve();
    // The start of low-1 is a few microtasks after first ends (p-queue frees the slot, then starts the next task).
    await lowStarted.promise;
    expect(order).toEqual(['first', 'low-1']);
    // Queued from outside while low-1 runs.
    const medium = await h.jobs.enqueue('publish', 'medium-from-outside', { priority: 'medium' });
    inside.resolve();
    await Promise.all([first.result, medium.result, ...lows.map((x) => x.result)]);
    expect(order).toEqual(['first', 'low-1', 'high-from-inside', 'medium-from-outside', 'low-2', 'low-3']);
  });

  it('a backlog never runs more than the concurrency at once, also when jobs are queued while loops drain', async () => {
    const h = jobsHarness();
    const { body, state } = timedBody(h.clock, 100);
    h.jobs.define('notifications', body, { concurrency: 3 });
    const results: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) results.push((await h.jobs.enqueue('notifications', i)).result);
    await h.clock.advanceAsync(250);
    for (let i = 20; i < 30; i++) results.push((await h.jobs.enqueue('notifications', i)).result);
    await h.clock.advanceAsync(1_000);
    await Promise.all(results);
    expect(state.ended).toHaveLength(30);
    expect(state.maxRunning).toBe(3);
    expect(h.jobs.describe('notifications')?.state.peakConcurrency).toBe(3);
    expect(Math.max(...state.ended)).toBe(T0 + 1_000);
  });

  it('a thenable that calls back twice, both ways, settles its job once and the loop goes on', async () => {
    const h = jobsHarness();
    const ran: string[] = [];
    h.jobs.define('report', (p: string) => {
      ran.push(p);
      if (p !== 'twice') return p;
      return {
        then(ok: (v: unknown) => void, fail: (e: unknown) => void) {
          ok('first');
          fail(new Error('late'));
          ok('second');
        },
      };
    }, { concurrency: 1, retries: 0 });
    const twice = await h.jobs.enqueue('report', 'twice');
    const after = await h.jobs.enqueue('report', 'after');
    expect(await twice.result).toBe('first');
    expect(await after.result).toBe('after');
    expect(ran).toEqual(['twice', 'after']);
    const text = h.text();
    expect(sample(text, 'job_outcomes_total{type="report",outcome="success"}')).toBe(2);
    expect(sample(text, 'job_outcomes_total{type="report",outcome="failure"}')).toBe(0);
    expect(sample(text, 'job_attempts_total{type="report"}')).toBe(2);
  });
});
