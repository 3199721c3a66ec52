/**
 * One type's queue on its own (src/jobs/type-queue.ts): p-queue is handed drain loops, each with
 * a priority, about one per concurrency slot, not a task per job; it holds a loop of every
 * priority that has waiting jobs, so its own ordering picks between priorities; it stays the
 * engine of concurrency and pause.
 */
import { describe, expect, it } from 'vitest';
import { Job } from '../../src/jobs/job.js';
import type { TypeMetrics } from '../../src/jobs/job-metrics.js';
import { type JobHandler, jobTypeOptionsSchema, type JobTypeOptions } from '../../src/jobs/options.js';
import { TypeQueue } from '../../src/jobs/type-queue.js';
import { TypeStats } from '../../src/jobs/type-stats.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { timedBody } from './harness.js';

const metrics: TypeMetrics = { attempt() {}, waited() {}, ran() {}, finished() {}, timedOut() {}, dedupHit() {} };

function typeQueue(clock: ManualClock, handler: JobHandler, options: JobTypeOptions) {
  const failed: Job[] = [];
  const internal: unknown[] = [];
  const queue = new TypeQueue('t', handler, jobTypeOptionsSchema.parse(options), metrics, new TypeStats('t', 10, 10, () => undefined, () => clock.now()), {
    clock,
    random: () => 0,
    failed: (job) => void failed.push(job),
    abandoned: (job) => void failed.push(job),
    recovered: () => undefined,
    internal: (error) => void internal.push(error),
  });
  let seq = 0;
  const push = (payload: unknown, priority = 1): Job => {
    const job = new Job(++seq, 'q', 't', payload, undefined, priority);
    queue.push(job);
    return job;
  };
  return { queue, push, failed, internal };
}

describe('TypeQueue', () => {
  it('hands p-queue one loop per concurrency slot and one held for the backlog of 1,000 jobs, and p-queue never runs more', async () => {
    const clock = new ManualClock();
    const { body, state } = timedBody(clock, 10);
    const { queue, push } = typeQueue(clock, body, { concurrency: 4 });
    let added = 0;
    let mostPending = 0;
    queue.queue.on('add', () => void added++);
    queue.queue.on('active', () => void (mostPending = Math.max(mostPending, queue.queue.pending)));
    const jobs = Array.from({ length: 1_000 }, (_, i) => push(i));
    // Four running, and one held in p-queue, with the jobs' priority, for the 996 waiting.
    expect(queue.queue.sizeBy({ priority: 1 })).toBe(1);
    expect(queue.waitingCount).toBe(996);
    await clock.advanceAsync(2_500);
    await Promise.all(jobs.map((j) => j.result));
    expect(state.ended).toHaveLength(1_000);
    expect(added).toBe(5);
    expect(mostPending).toBe(4);
    expect(state.maxRunning).toBe(4);
    expect(queue.peak).toBe(4);
  });

  it("p-queue's priority ordering picks between priorities: it holds a loop of each priority that has waiting jobs", async () => {
    const clock = new ManualClock();
    const order: unknown[] = [];
    const { body } = timedBody(clock, 100);
    const { queue, push } = typeQueue(clock, (p) => (order.push(p), body(p)), { concurrency: 1 });
    const jobs = [push('running'), push('low-1', 0), push('low-2', 0), push('medium', 1), push('high-1', 2), push('high-2', 2)];
    expect([queue.queue.sizeBy({ priority: 2 }), queue.queue.sizeBy({ priority: 1 }), queue.queue.sizeBy({ priority: 0 })]).toEqual([1, 1, 1]);
    await clock.advanceAsync(1_000);
    await Promise.all(jobs.map((j) => j.result));
    expect(order).toEqual(['running', 'high-1', 'high-2', 'medium', 'low-1', 'low-2']);
  });

  it('pausing p-queue stops the loops after their running jobs; start() resumes them, by priority', async () => {
    const clock = new ManualClock();
    const order: unknown[] = [];
    const { body, state } = timedBody(clock, 100);
    const { queue, push } = typeQueue(clock, (p) => (order.push(p), body(p)), { concurrency: 2 });
    const first = [push('a'), push('b'), push('c'), push('d')];
    queue.queue.pause();
    await clock.advanceAsync(1_000);
    // The two running when paused finished; no loop took c or d.
    expect(order).toEqual(['a', 'b']);
    expect(state.ended).toHaveLength(2);
    expect(queue.waitingCount).toBe(2);
    const high = push('high', 2);
    await clock.advanceAsync(1_000);
    expect(order).toEqual(['a', 'b']);
    queue.queue.start();
    await clock.advanceAsync(1_000);
    await Promise.all([...first, high].map((j) => j.result));
    expect(order).toEqual(['a', 'b', 'high', 'c', 'd']);
    expect(state.maxRunning).toBe(2);
  });

  it('HIGH and MEDIUM queued while every slot drains LOW: the slots go to HIGH, then MEDIUM, then LOW again, never more than the concurrency', async () => {
    const clock = new ManualClock();
    const order: unknown[] = [];
    const { body, state } = timedBody(clock, 100);
    const { push } = typeQueue(clock, (p) => (order.push(p), body(p)), { concurrency: 3 });
    const jobs = Array.from({ length: 9 }, (_, i) => push(`L${i + 1}`, 0));
    expect(order).toEqual(['L1', 'L2', 'L3']);
    jobs.push(...['H1', 'H2', 'H3', 'H4'].map((p) => push(p, 2)), ...['M1', 'M2'].map((p) => push(p, 1)));
    await clock.advanceAsync(1_000);
    await Promise.all(jobs.map((j) => j.result));
    expect(order).toEqual(['L1', 'L2', 'L3', 'H1', 'H2', 'H3', 'H4', 'M1', 'M2', 'L4', 'L5', 'L6', 'L7', 'L8', 'L9']);
    expect(state.maxRunning).toBe(3);
    expect(state.ended).toHaveLength(15);
  });

  it('a resume with thousands of free slots starts a loop per slot without one nested in the other (no stack overflow)', async () => {
    const clock = new ManualClock();
    let running = 0;
    let most = 0;
    const { queue, push } = typeQueue(clock, async () => {
      most = Math.max(most, ++running);
      await Promise.resolve();
      running--;
    }, { concurrency: 10_000 });
    queue.queue.pause();
    const jobs = Array.from({ length: 20_000 }, (_, i) => push(i));
    queue.queue.start();
    await Promise.all(jobs.map((j) => j.result));
    expect(most).toBe(10_000);
    expect(queue.peak).toBe(10_000);
  });

  it('takeWaiting() (close) empties the FIFOs and p-queue: only the running job ends', async () => {
    const clock = new ManualClock();
    const { body, state } = timedBody(clock, 100);
    const { queue, push } = typeQueue(clock, body, { concurrency: 1 });
    const jobs = [push(1), push(2), push(3)];
    expect(queue.takeWaiting().map((j) => j.payload)).toEqual([2, 3]);
    await clock.advanceAsync(1_000);
    await jobs[0]!.result;
    expect(state.started).toHaveLength(1);
    await queue.queue.onIdle();
    expect(queue.queue.pending).toBe(0);
  });
});
