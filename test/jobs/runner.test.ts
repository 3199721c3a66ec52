import { describe, expect, it } from 'vitest';
import { deferred, jobsHarness, sample, T0, timedBody } from './harness.js';

describe('jobs runner on the manual clock', () => {
  it('runs 50 jobs of 200 ms at concurrency 5 never more than 5 at once, in 2 s of clock time', async () => {
    const h = jobsHarness();
    const { body, state } = timedBody(h.clock, 200);
    h.jobs.define('content-generation', body, { concurrency: 5 });
    const handles = await Promise.all(Array.from({ length: 50 }, (_, i) => h.jobs.enqueue('content-generation', { post: i })));
    const results = Promise.all(handles.map((x) => x.result));
    await h.clock.advanceAsync(1_999);
    expect(state.ended).toHaveLength(45);
    await h.clock.advanceAsync(1);
    await results;
    expect(state.ended).toHaveLength(50);
    expect(state.maxRunning).toBe(5);
    expect(Math.max(...state.ended)).toBe(T0 + 2_000);
    const text = h.text();
    expect(sample(text, 'job_outcomes_total{type="content-generation",outcome="success"}')).toBe(50);
    expect(sample(text, 'job_attempts_total{type="content-generation"}')).toBe(50);
    expect(sample(text, 'job_run_duration_seconds_count{type="content-generation",outcome="success"}')).toBe(50);
    expect(sample(text, 'job_run_duration_seconds_sum{type="content-generation",outcome="success"}')).toBeCloseTo(10, 5);
    // Waits: 5 jobs waited 0, 5 waited 200 ms, ..., 5 waited 1800 ms: 5 * 0.2 * (0+1+...+9) = 45 s.
    expect(sample(text, 'job_wait_duration_seconds_sum{type="content-generation"}')).toBeCloseTo(45, 5);
    expect(sample(text, 'job_queue_size{type="content-generation",state="waiting"}')).toBe(0);
    expect(h.errors).toEqual([]);
  });

  it('keeps job_queue_size and job_active_workers from the queue while jobs run', async () => {
    const h = jobsHarness();
    const { body } = timedBody(h.clock, 1_000);
    h.jobs.define('export-data', body, { concurrency: 3 });
    for (let i = 0; i < 10; i++) await h.jobs.enqueue('export-data', i);
    await h.clock.advanceAsync(0);
    const text = h.text();
    expect(sample(text, 'job_queue_size{type="export-data",state="waiting"}')).toBe(7);
    expect(sample(text, 'job_queue_size{type="export-data",state="active"}')).toBe(3);
    expect(sample(text, 'job_active_workers{type="export-data"}')).toBe(3);
  });

  it('starts HIGH before MEDIUM before LOW once queued together, whatever the enqueue order', async () => {
    const h = jobsHarness();
    const order: string[] = [];
    const gate = deferred();
    h.jobs.define('publish', async (p: string) => {
      order.push(p);
      if (p === 'first') await gate.promise;
    }, { concurrency: 1 });
    const first = await h.jobs.enqueue('publish', 'first');
    const handles = [];
    for (const [p, priority] of [['low-1', 'LOW'], ['medium-1', 'MEDIUM'], ['high-1', 'HIGH'], ['low-2', 'low'], ['high-2', 'high'], ['medium-2', 'medium']] as const) {
      handles.push(await h.jobs.enqueue('publish', p, { priority }));
    }
    gate.resolve();
    await Promise.all([first.result, ...handles.map((x) => x.result)]);
    expect(order).toEqual(['first', 'high-1', 'high-2', 'medium-1', 'medium-2', 'low-1', 'low-2']);
  });

  it('settles the handle with the job result and passes the payload, attempt and signal', async () => {
    const h = jobsHarness();
    const seen: unknown[] = [];
    h.jobs.define<{ n: number }, number>('double', (p, ctx) => {
      seen.push([ctx.attempt, ctx.signal.aborted, typeof ctx.id]);
      return p.n * 2;
    });
    const handle = await h.jobs.enqueue<number>('double', { n: 21 });
    expect(handle.deduplicated).toBe(false);
    expect(await handle.result).toBe(42);
    expect(seen).toEqual([[1, false, 'string']]);
  });

  it('a handle serializes to its public fields, also while its attempt runs, and its id is the one the handler sees', async () => {
    const h = jobsHarness();
    const gate = deferred();
    const ids: string[] = [];
    h.jobs.define('report', async (_p: unknown, ctx) => {
      ids.push(ctx.id);
      await gate.promise;
    });
    const handle = await h.jobs.enqueue('report', { secret: 'payload' });
    await h.clock.advanceAsync(0);
    expect(ids).toEqual([handle.id]);
    expect(JSON.parse(JSON.stringify(handle))).toEqual({ id: handle.id, type: 'report', deduplicated: false });
    gate.resolve();
    await handle.result;
  });

  it('createOptimizedFunction wraps a handler as a job type and resolves with its result', async () => {
    const h = jobsHarness();
    const generate = h.jobs.createOptimizedFunction({ id: 'content-generation', name: 'Content generation', concurrency: 5, priority: 'MEDIUM', retries: 3, handler: async (topic: string) => `post about ${topic}` });
    expect(await generate('jobs')).toBe('post about jobs');
    expect(sample(h.text(), 'job_outcomes_total{type="content-generation",outcome="success"}')).toBe(1);
  });
});
