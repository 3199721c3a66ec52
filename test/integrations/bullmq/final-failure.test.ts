/**
 * A BullMQ job that fails for good before its attempts run out (an UnrecoverableError, a backoff
 * strategy returning -1, maxStartedAttempts) is a failure outcome, as one out of attempts is:
 * BullMQ moves it to the failed set and sets `finishedOn`; it will not be retried. One worker
 * in this process against the real Redis (no worker processes: fast).
 */
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentBullMQ } from '../../../src/bullmq.js';
import { createMonitor, type Monitor } from '../../../src/index.js';
import { sampleValue } from '../../helpers/monitor-harness.js';

const connection = { host: '127.0.0.1', port: 6379 };
const closing: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

describe('instrumentBullMQ and a job failed for good with attempts left', () => {
  it('counts an UnrecoverableError as a failure outcome, not a retry', async () => {
    const prefix = `pulsewatch-a2:bull:${Date.now().toString(36)}`;
    const monitor: Monitor = createMonitor();
    const queue = new Queue('publish', { connection, prefix });
    const worker = new Worker('publish', async () => {
      throw new UnrecoverableError('account deleted');
    }, { connection, prefix });
    closing.push(() => monitor.close(), () => queue.close(), () => queue.obliterate({ force: true }), () => worker.close());
    instrumentBullMQ(monitor, { workers: [worker] });
    const failed = new Promise<{ attemptsMade: number; finishedOn: number | undefined }>((resolve) =>
      worker.on('failed', (job) => resolve({ attemptsMade: job!.attemptsMade, finishedOn: job!.finishedOn })),
    );
    await queue.add('post', { id: 1 }, { attempts: 3, backoff: { type: 'fixed', delay: 10 } });
    // BullMQ's own view: failed for good after one attempt of three.
    expect(await failed).toMatchObject({ attemptsMade: 1, finishedOn: expect.any(Number) });
    const text = monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'job_attempts_total{type="publish"}')).toBe(1);
    expect(sampleValue(text, 'job_outcomes_total{type="publish",outcome="failure"}')).toBe(1);
  });
});
