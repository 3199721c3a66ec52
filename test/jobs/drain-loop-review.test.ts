/**
 * Regressions from the review of the priority drain loops (ff424dd, src/jobs/type-queue.ts): each test failed before its fix.
 */
import { describe, expect, it } from 'vitest';
import { Job } from '../../src/jobs/job.js';
import type { TypeMetrics } from '../../src/jobs/job-metrics.js';
import { type JobHandler, jobTypeOptionsSchema, type JobTypeOptions } from '../../src/jobs/options.js';
import type { QueueHost } from '../../src/jobs/attempt-ends.js';
import { TypeQueue } from '../../src/jobs/type-queue.js';
import { TypeStats } from '../../src/jobs/type-stats.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { jobsHarness, timedBody } from './harness.js';

const metrics: TypeMetrics = { attempt() {}, waited() {}, ran() {}, finished() {}, timedOut() {}, dedupHit() {} };

/** A TypeQueue on its own; `host` and `overrides` replace parts of the host and the metrics. */
function typeQueue(clock: ManualClock, handler: JobHandler, options: JobTypeOptions, host: Partial<QueueHost> = {}, overrides: Partial<TypeMetrics> = {}) {
  const internal: unknown[] = [];
  const queue = new TypeQueue('t', handler, jobTypeOptionsSchema.parse(options), { ...metrics, ...overrides }, new TypeStats('t', 10, 10, () => undefined, () => clock.now()), {
    clock, random: () => 0, failed: () => undefined, abandoned: () => undefined, recovered: () => undefined, internal: (error) => void internal.push(error), ...host,
  });
  let seq = 0;
  const push = (payload: unknown, priority = 1): Job => {
    const job = new Job(++seq, 'q', 't', payload, undefined, priority);
    queue.push(job);
    return job;
  };
  return { queue, push, internal };
}

/** A handler of `ms` on the clock that records the payloads it started. */
function timed(clock: ManualClock, ms: number, order: unknown[]): JobHandler {
  return (payload) => {
    order.push(payload);
    const done: Promise<void> = new Promise((resolve) => clock.setTimeout(() => (resolve(), done), ms));
    return done;
  };
}

describe('review of the priority drain loops', () => {
  it('a retry whose backoff ends while every slot is busy does not hang advanceAsync', async () => {
    const h = jobsHarness({ jobs: { random: () => 0 } });
    const { body } = timedBody(h.clock, 5_000);
    let first = true;
    h.jobs.define('publish', (p: { flaky?: boolean }) => {
      if (p.flaky && first) {
        first = false;
        throw new Error('flaky');
      }
      return body(p);
    }, { concurrency: 1, retries: 3 });
    const a = await h.jobs.enqueue('publish', { flaky: true });
    const b = await h.jobs.enqueue('publish', {});
    await h.clock.advanceAsync(20_000);
    await Promise.all([a.result, b.result]);
  }, 5_000);

  it('after a resume, jobs of one priority start in the order they were queued', () => {
    const clock = new ManualClock();
    const order: unknown[] = [];
    const { queue, push } = typeQueue(clock, (p) => (order.push(p), new Promise<void>(() => undefined)), { concurrency: 3 });
    queue.queue.pause();
    for (const p of ['A1', 'A2', 'A3', 'A4']) push(p);
    queue.queue.start();
    expect(order).toEqual(['A1', 'A2', 'A3']);
  });

  it('concurrency lowered at run time applies as running attempts end', async () => {
    const clock = new ManualClock();
    const order: unknown[] = [];
    const { queue, push } = typeQueue(clock, timed(clock, 10, order), { concurrency: 4 });
    for (let i = 0; i < 12; i++) push(i);
    await clock.advanceAsync(5);
    expect(queue.active.length).toBe(4);
    queue.queue.concurrency = 1;
    const running: number[] = [];
    for (let t = 0; t < 3; t++) {
      await clock.advanceAsync(10);
      running.push(queue.active.length);
    }
    expect(running).toEqual([1, 1, 1]);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('a throw of the runner as an attempt begins fails the attempt: the job is settled, not lost', async () => {
    const clock = new ManualClock();
    const bug = new Error('metrics bug');
    const { push, internal } = typeQueue(clock, () => 'never runs', { concurrency: 1, retries: 0 }, {}, {
      attempt() {
        throw bug;
      },
    });
    const job = push('p');
    await expect(job.result).rejects.toBe(bug);
    expect(internal).toEqual([bug]);
  });

  it('a host that throws as a job fails (dead letters) still rejects the job, and the next job runs', async () => {
    const clock = new ManualClock();
    const bug = new Error('dead letters bug');
    const ran: unknown[] = [];
    const { queue, push, internal } = typeQueue(clock, (p) => {
      ran.push(p);
      if (p === 'fails') throw new Error('down');
      return p;
    }, { concurrency: 1, retries: 0 }, {
      failed() {
        throw bug;
      },
    });
    const failing = push('fails');
    const next = push('ok');
    await expect(failing.result).rejects.toThrow('down');
    await expect(next.result).resolves.toBe('ok');
    expect(ran).toEqual(['fails', 'ok']);
    expect(internal).toEqual([bug]);
    expect(queue.active).toEqual([]);
  });
});
