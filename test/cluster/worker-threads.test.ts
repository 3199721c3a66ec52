/**
 * Many threads in one process: four real `worker_threads` workers each record different values
 * into one histogram, one counter and one gauge and report to the main thread. One scrape of the
 * main thread, and one getAggregatedMetrics on it, equal one process fed every value, though the
 * main thread never defined those metrics (the cluster test covers a primary that does).
 */
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError } from '../../src/index.js';
import { attachWorkers } from '../../src/node.js';
import { SECONDS_BUCKETS } from '../../src/metrics/options.js';
import { ManualClock } from '../../src/testing.js';
import { bucketsOf, valueOf } from '../metrics/exposition/parse-exposition.js';
import { plans, WORKER_NOW, type WorkerPlan } from './plan.js';
import { linesOf, referenceMonitor, truthBuckets } from './reference.js';

const BOOT = new URL('./thread-boot.mjs', import.meta.url);
const ENTRY = pathToFileURL(fileURLToPath(new URL('./worker-process.ts', import.meta.url))).href;
const FAMILIES = ['job_seconds', 'jobs_total', 'queue_depth'];

function start(plan: WorkerPlan): { thread: Worker; ready: Promise<void> } {
  const thread = new Worker(BOOT, { workerData: { entry: ENTRY, plan } });
  const ready = new Promise<void>((resolve, reject) => {
    thread.on('message', (m: { ready?: number }) => m?.ready === plan.index && resolve());
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`thread ${plan.index} exited (${code}) before it was ready`)));
  });
  return { thread, ready };
}

let threads: Worker[] = [];
let monitor: Monitor | undefined;

afterEach(async () => {
  await Promise.all(threads.map((t) => t.terminate()));
  threads = [];
  await monitor?.close();
  monitor = undefined;
}, 60_000);

describe('four worker threads reporting to the main thread', () => {
  it('one scrape and one getAggregatedMetrics of the main thread equal one process fed every value', async () => {
    // The main thread defines none of the workers' metrics: kinds, units and histograms come from them.
    monitor = createMonitor({ clock: new ManualClock(WORKER_NOW + 1_000), service: 'cluster-test' });
    const errors: PulsewatchError[] = [];
    monitor.on('error', (e) => errors.push(e));
    const workers = attachWorkers(monitor, { cluster: false });
    const plan = plans(4);
    const started = plan.map(start);
    threads = started.map((s) => s.thread);
    for (const thread of threads) expect(workers.add(thread)).toBe(true);
    await Promise.all(started.map((s) => s.ready));
    expect(workers.reporting).toBe(4);

    const reference = referenceMonitor(plan, WORKER_NOW);
    for (const format of ['prometheus', 'openmetrics'] as const) {
      const text = await workers.exportPrometheusMetrics({ format });
      expect(linesOf(text, FAMILIES)).toHaveLength(14 + 5 + 1);
      expect(linesOf(text, FAMILIES)).toEqual(linesOf(reference.exportPrometheusMetrics({ format }), FAMILIES));
    }
    const text = await workers.exportPrometheusMetrics();
    const all = plan.flatMap((p) => p.values);
    expect(bucketsOf(text, 'job_seconds', { queue: 'q' }).map((b) => b.count)).toEqual(truthBuckets(all, SECONDS_BUCKETS));
    expect(valueOf(text, 'job_seconds_sum', { queue: 'q' })).toBe(all.reduce((a, b) => a + b, 0));
    expect(valueOf(text, 'queue_depth')).toBe(1 + 2 + 3 + 4);

    expect(await monitor.storage.queryRollups({ name: 'job_seconds' })).toEqual([]);
    const latency = await workers.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    expect(latency.workers).toEqual({ workers: 4, flushed: 4, missed: [] });
    const expected = await reference.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    for (const field of ['count', 'sum', 'min', 'max', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const) expect(latency[field], field).toBe(expected[field]);
    expect(latency.count).toBe(400);
    await reference.close();

    // A terminated thread is forgotten at once; what it counted stays.
    const exited = once(threads[3]!, 'exit');
    await threads[3]!.terminate();
    await exited;
    expect(workers.size).toBe(3);
    const after = await workers.exportPrometheusMetrics();
    expect(valueOf(after, 'jobs_total', { queue: 'q' })).toBe(400);
    expect(valueOf(after, 'queue_depth')).toBe(1 + 2 + 3);
    expect(errors).toEqual([]);
  }, 90_000);
});
