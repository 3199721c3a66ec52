/**
 * instrumentBullMQ against the real Redis with real BullMQ workers in two separate processes:
 * pulsewatch's job metrics, read fleet-wide from the store by a process that ran no job, equal
 * BullMQ's own counts.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { instrumentBullMQ } from '../../../src/bullmq.js';
import { createMonitor, JOB_METRICS } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';
import type { Gauge } from '../../../src/metrics/gauge.js';
import { clearSharedStore, openSharedStore } from '../../helpers/shared-store.js';
import { deleteUnder, inspector, uniquePrefix } from '../../helpers/redis-env.js';

const connection = { host: '127.0.0.1', port: 6379 };
const WORKER = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const admin = inspector();
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  admin.disconnect();
});

/**
 * Resolves once `total` jobs of the queue have finished for good (completed, or failed out of
 * attempts), from BullMQ's own event stream: no polling. Subscribed before the jobs are added.
 */
async function finished(queueName: string, prefix: string, total: number): Promise<{ done: Promise<void>; close: () => Promise<void> }> {
  // From the stream's start (the prefix is this test's own): with the default '$', events added
  // before the first blocking read was sent were missed, and under load `done` never resolved.
  const events = new QueueEvents(queueName, { connection, prefix, lastEventId: '0-0' });
  await events.waitUntilReady();
  let seen = 0;
  const done = new Promise<void>((resolve) => {
    const one = (): void => void (++seen === total && resolve());
    events.on('completed', one);
    events.on('failed', one);
  });
  return { done, close: () => events.close() };
}

function startWorker(config: object): { child: ChildProcess; ready: Promise<unknown> } {
  const child = fork(WORKER, [JSON.stringify(config)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A test that fails before it closes its workers leaves no process behind.
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const ready = new Promise((resolve, reject) => {
    child.on('message', (m: { t: string }) => m.t === 'ready' && resolve(undefined));
    child.once('exit', (code) => reject(new Error(`worker exited early (${code})`)));
  });
  return { child, ready };
}

describe('instrumentBullMQ', () => {
  it('two worker processes: outcomes, attempts and run times in the store equal BullMQ counts', async () => {
    const queueName = 'publish';
    const bullPrefix = `${uniquePrefix()}bull`;
    const storePrefix = uniquePrefix();
    cleanups.push(() => deleteUnder(admin, bullPrefix), () => clearSharedStore('redis', storePrefix));
    const queue = new Queue(queueName, { connection, prefix: bullPrefix });
    cleanups.push(() => queue.close());
    const workers = [0, 1].map((index) => startWorker({ queue: queueName, bullPrefix, storePrefix, index, events: true }));
    await Promise.all(workers.map((w) => w.ready));

    // 30 succeed at once, 10 succeed on their retry, 6 fail both attempts.
    const jobs = [
      ...Array.from({ length: 30 }, () => ({ name: 'post', data: { fail: 'never' }, opts: { attempts: 2 } })),
      ...Array.from({ length: 10 }, () => ({ name: 'post', data: { fail: 'first' }, opts: { attempts: 2, backoff: { type: 'fixed', delay: 50 } } })),
      ...Array.from({ length: 6 }, () => ({ name: 'post', data: { fail: 'always' }, opts: { attempts: 2, backoff: { type: 'fixed', delay: 50 } } })),
    ];
    const end = await finished(queueName, bullPrefix, jobs.length);
    cleanups.push(end.close);
    await queue.addBulk(jobs);
    await end.done;
    const counts = await queue.getJobCounts('completed', 'failed');
    expect(counts).toMatchObject({ completed: 40, failed: 6 });
    const attempts = (await queue.getJobs(['completed', 'failed'])).reduce((n, j) => n + j.attemptsStarted, 0);
    expect(attempts).toBe(30 + 2 * 10 + 2 * 6);

    for (const w of workers) w.child.send({ t: 'close' });
    await Promise.all(workers.map((w) => once(w.child, 'exit')));

    // A process that ran no job reads the fleet's metrics from the store.
    const storage = await openSharedStore('redis', storePrefix);
    const reader = createMonitor({ service: 'publisher', storage });
    cleanups.push(async () => {
      await reader.close();
      await storage.close();
    });
    const read = (name: string, labels: Record<string, string>) => reader.getAggregatedMetrics({ name, labels, window: '1h' });
    expect((await read(JOB_METRICS.outcomes, { type: queueName, outcome: 'success' })).sum).toBe(counts.completed);
    expect((await read(JOB_METRICS.outcomes, { type: queueName, outcome: 'failure' })).sum).toBe(counts.failed);
    expect((await read(JOB_METRICS.attempts, { type: queueName })).sum).toBe(attempts);
    // One run time per attempt: 40 successful ones, 10 + 12 failed ones.
    expect((await read(JOB_METRICS.runTime, { type: queueName, outcome: 'success' })).count).toBe(40);
    expect((await read(JOB_METRICS.runTime, { type: queueName, outcome: 'failure' })).count).toBe(22);
    // One wait per attempt, retries included, whichever process failed the attempt before.
    expect((await read(JOB_METRICS.waitTime, { type: queueName })).count).toBe(attempts);
  }, 120_000);

  it('two worker processes with QueueEvents: every retry has a wait time, from the end of its backoff, whichever process failed it', async () => {
    const queueName = 'retrying';
    const bullPrefix = `${uniquePrefix()}bull`;
    const storePrefix = uniquePrefix();
    cleanups.push(() => deleteUnder(admin, bullPrefix), () => clearSharedStore('redis', storePrefix));
    const queue = new Queue(queueName, { connection, prefix: bullPrefix });
    cleanups.push(() => queue.close());
    const workers = [0, 1].map((index) => startWorker({ queue: queueName, bullPrefix, storePrefix, index, events: true }));
    await Promise.all(workers.map((w) => w.ready));

    // Each job fails its first attempt and succeeds on its retry, after a 3 s backoff: a wait
    // measured from the failure (or from creation) would be at least 3 s.
    const BACKOFF = 3_000;
    const jobs = Array.from({ length: 8 }, () => ({ name: 'post', data: { fail: 'first' }, opts: { attempts: 2, backoff: { type: 'fixed', delay: BACKOFF } } }));
    const end = await finished(queueName, bullPrefix, jobs.length);
    cleanups.push(end.close);
    await queue.addBulk(jobs);
    await end.done;
    expect(await queue.getJobCounts('completed', 'failed')).toMatchObject({ completed: 8, failed: 0 });
    const attempts = (await queue.getJobs(['completed'])).reduce((n, j) => n + j.attemptsStarted, 0);
    expect(attempts).toBe(16);

    for (const w of workers) w.child.send({ t: 'close' });
    await Promise.all(workers.map((w) => once(w.child, 'exit')));

    const storage = await openSharedStore('redis', storePrefix);
    const reader = createMonitor({ service: 'publisher', storage });
    cleanups.push(async () => {
      await reader.close();
      await storage.close();
    });
    const waits = await reader.getAggregatedMetrics({ name: JOB_METRICS.waitTime, labels: { type: queueName }, window: '1h' });
    // One wait per attempt, the retries' included, recorded once in the fleet.
    expect(waits.count).toBe(16);
    expect(waits.max).toBeLessThan(BACKOFF / 1000);
  }, 120_000);

  it('reads queue sizes by state into job_queue_size, with the failed set as dead letters', async () => {
    const bullPrefix = `${uniquePrefix()}bull`;
    cleanups.push(() => deleteUnder(admin, bullPrefix));
    const queue = new Queue('emails', { connection, prefix: bullPrefix });
    cleanups.push(() => queue.close());
    const clock = new ManualClock();
    const monitor = createMonitor({ service: 'mailer', clock });
    cleanups.push(() => monitor.close());
    await queue.addBulk([
      ...Array.from({ length: 4 }, () => ({ name: 'send', data: {} })),
      { name: 'send', data: {}, opts: { delay: 3_600_000 } },
      { name: 'send', data: {}, opts: { priority: 5 } },
    ]);
    const failing = new Worker('emails', async () => Promise.reject(new Error('smtp down')), { connection, prefix: bullPrefix, autorun: false });
    cleanups.push(() => failing.close());
    const instrumentation = instrumentBullMQ(monitor, { queues: [queue], refresh: '10s' });
    await clock.advanceAsync(10_000);
    const gauge = monitor.getMetric(JOB_METRICS.queue);
    expect(gauge?.kind).toBe('gauge');
    const value = (state: string) => (gauge as Gauge).get({ type: 'emails', state });
    expect([value('waiting'), value('delayed'), value('active'), value('dead_letter'), value('failed')]).toEqual([5, 1, 0, 0, 0]);

    // One job fails for good: BullMQ's failed set is the dead letters.
    const job = await failing.getNextJob('token-1');
    await job!.moveToFailed(new Error('smtp down'), 'token-1', false);
    await instrumentation.refresh();
    expect([value('waiting'), value('dead_letter')]).toEqual([4, 1]);
    instrumentation.stop();
  }, 60_000);

  it('refuses what is not a queue or a worker, naming the field', () => {
    const monitor = createMonitor({ service: 'x' });
    cleanups.push(() => monitor.close());
    expect(() => instrumentBullMQ(monitor, { queues: [{} as never] })).toThrow(/queues\.0.*BullMQ Queue/s);
    expect(() => instrumentBullMQ(monitor, { workers: ['w' as never] })).toThrow(/workers\.0.*BullMQ Worker/s);
    expect(() => instrumentBullMQ(monitor, { refresh: 0 })).toThrow(/refresh/);
    expect(() => instrumentBullMQ(monitor, { events: [{ name: 'q' } as never] })).toThrow(/events\.0.*QueueEvents/s);
    expect(() => instrumentBullMQ(null as never, {})).toThrow(/monitor/);
  });
});
