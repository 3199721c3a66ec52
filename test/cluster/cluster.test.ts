/**
 * Many processes on one host: four real `cluster` workers (separate Node processes, forked by
 * this test process as their primary) each record different values into one histogram, one
 * counter and one gauge. One scrape of the primary, and one getAggregatedMetrics on it, equal one
 * process fed every value. A worker that hangs or is killed never holds the scrape past its
 * timeout, and what it counted is not lost.
 */
import { fork as forkChild } from 'node:child_process';
import cluster, { type Worker } from 'node:cluster';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError } from '../../src/index.js';
import { attachWorkers, clusterMetricsHandler, createNodeMonitoringHandler, type AttachedWorkers } from '../../src/node.js';
import { SECONDS_BUCKETS } from '../../src/metrics/options.js';
import { ManualClock } from '../../src/testing.js';
import { parseOpenMetrics } from '../helpers/openmetrics.js';
import { ensurePromtool, promtool } from '../helpers/promtool.js';
import { bucketsOf, valueOf } from '../metrics/exposition/parse-exposition.js';
import { defineMetrics, plans, WORKER_NOW, type WorkerPlan } from './plan.js';
import { linesOf, referenceMonitor, serve, truthBuckets } from './reference.js';

const WORKER = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const FAMILIES = ['job_seconds', 'jobs_total', 'queue_depth'];
const AGGREGATE_FIELDS = ['count', 'sum', 'min', 'max', 'mean', 'p50', 'p90', 'p95', 'p99', 'p999'] as const;

interface Forked {
  worker: Worker;
  ready: Promise<void>;
  exited: Promise<void>;
}

function fork(plan: WorkerPlan): Forked {
  const worker = cluster.fork({ PULSEWATCH_WORKER_PLAN: JSON.stringify(plan) });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { ready?: number }) => m?.ready === plan.index && resolve());
    void exited.then(() => reject(new Error(`worker ${plan.index} exited before it was ready`)));
  });
  return { worker, ready, exited };
}

/** Resolves when `worker` has sent the primary its state (the primary has read it by then: it listened first). */
function stateSent(worker: Worker): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (m: { pulsewatch?: string; body?: string }): void => {
      if (m?.pulsewatch === undefined || !m.body?.startsWith('{"t":"state"')) return;
      worker.off('message', onMessage);
      resolve();
    };
    worker.on('message', onMessage);
  });
}

let primary: { monitor: Monitor; clock: ManualClock; workers: AttachedWorkers; errors: PulsewatchError[] } | undefined;
let forked: Forked[] = [];

function startPrimary(): NonNullable<typeof primary> {
  const clock = new ManualClock(WORKER_NOW + 1_000);
  const monitor = createMonitor({ clock, service: 'cluster-test' });
  defineMetrics(monitor);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  primary = { monitor, clock, workers: attachWorkers(monitor), errors };
  return primary;
}

beforeAll(() => {
  ensurePromtool();
  cluster.setupPrimary({ exec: WORKER, execArgv: ['--import', 'tsx'] });
}, 300_000);

afterEach(async () => {
  for (const f of forked) f.worker.process.kill('SIGKILL');
  await Promise.all(forked.map((f) => f.exited));
  forked = [];
  await primary?.monitor.close();
  primary = undefined;
}, 60_000);

describe('four cluster workers reporting to their primary', () => {
  it('one scrape of the primary equals one process fed every value, in both formats, and passes promtool', async () => {
    const { workers, errors } = startPrimary();
    const plan = plans(4);
    forked = plan.map(fork);
    await Promise.all(forked.map((f) => f.ready));
    expect(workers.reporting).toBe(4);

    const http = await serve(clusterMetricsHandler(workers));
    const text = await http.get('/metrics');
    const om = await http.get('/metrics', 'application/openmetrics-text; version=1.0.0');
    await http.close();
    expect(text.status).toBe(200);
    expect(text.type).toContain('text/plain; version=0.0.4');
    expect(om.type).toContain('application/openmetrics-text');

    const reference = referenceMonitor(plan, WORKER_NOW);
    // 12 buckets, sum and count; 5 counter series; 1 gauge.
    expect(linesOf(text.body, FAMILIES)).toHaveLength(14 + 5 + 1);
    expect(linesOf(text.body, FAMILIES)).toEqual(linesOf(reference.exportPrometheusMetrics({ format: 'prometheus' }), FAMILIES));
    expect(linesOf(om.body, FAMILIES)).toEqual(linesOf(reference.exportPrometheusMetrics({ format: 'openmetrics' }), FAMILIES));
    await reference.close();

    // And against the values themselves, counted by hand.
    const all = plan.flatMap((p) => p.values);
    expect(bucketsOf(text.body, 'job_seconds', { queue: 'q' }).map((b) => b.count)).toEqual(truthBuckets(all, SECONDS_BUCKETS));
    expect(valueOf(text.body, 'job_seconds_sum', { queue: 'q' })).toBe(all.reduce((a, b) => a + b, 0));
    expect(valueOf(text.body, 'job_seconds_count', { queue: 'q' })).toBe(400);
    expect(valueOf(text.body, 'jobs_total', { queue: 'q' })).toBe(400);
    expect(valueOf(text.body, 'queue_depth')).toBe(1 + 2 + 3 + 4);
    expect(valueOf(text.body, 'pulsewatch_cluster_workers')).toBe(4);

    const lint = promtool(['check', 'metrics'], text.body);
    expect(lint.stderr).toBe('');
    expect(lint.status).toBe(0);
    const parsed = parseOpenMetrics(om.body);
    expect(parsed.ok, parsed.ok ? '' : parsed.error).toBe(true);
    expect(errors).toEqual([]);
  }, 90_000);

  it('one getAggregatedMetrics on the primary equals one histogram fed every value, open slots included', async () => {
    const { workers, errors, monitor } = startPrimary();
    const plan = plans(4);
    forked = plan.map(fork);
    await Promise.all(forked.map((f) => f.ready));

    // Nothing is stored yet: every value is in a worker's open slot until the primary asks.
    expect(await monitor.storage.queryRollups({ name: 'job_seconds' })).toEqual([]);
    const latency = await workers.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    expect(latency.workers).toEqual({ workers: 4, flushed: 4, missed: [] });
    const reference = referenceMonitor(plan, WORKER_NOW);
    const expected = await reference.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    for (const field of AGGREGATE_FIELDS) expect(latency[field], field).toBe(expected[field]);
    expect(latency.count).toBe(400);

    const jobs = await workers.getAggregatedMetrics({ name: 'jobs_total', window: '5m' });
    expect(jobs.sum).toBe((await reference.getAggregatedMetrics({ name: 'jobs_total', window: '5m' })).sum);
    expect(jobs.sum).toBe(400 + 1 + 2 + 3 + 4);
    await reference.close();
    expect(errors).toEqual([]);
  }, 90_000);

  it("the primary's own monitoring handler and getAggregatedMetrics equal one process fed every value", async () => {
    const { monitor, errors } = startPrimary();
    const plan = plans(4);
    forked = plan.map(fork);
    await Promise.all(forked.map((f) => f.ready));

    // The handler any primary already serves: its GET /metrics is the merged scrape.
    const http = await serve(createNodeMonitoringHandler(monitor));
    const text = await http.get('/metrics?format=prometheus');
    const om = await http.get('/metrics', 'application/openmetrics-text; version=1.0.0');
    await http.close();
    const reference = referenceMonitor(plan, WORKER_NOW);
    expect(text.status).toBe(200);
    expect(linesOf(text.body, FAMILIES)).toHaveLength(14 + 5 + 1);
    expect(linesOf(text.body, FAMILIES)).toEqual(linesOf(reference.exportPrometheusMetrics({ format: 'prometheus' }), FAMILIES));
    expect(linesOf(om.body, FAMILIES)).toEqual(linesOf(reference.exportPrometheusMetrics({ format: 'openmetrics' }), FAMILIES));
    expect(valueOf(text.body, 'pulsewatch_cluster_workers')).toBe(4);

    // One getAggregatedMetrics on the primary's monitor: the workers write their open slots first.
    expect(await monitor.storage.queryRollups({ name: 'job_seconds' })).toEqual([]);
    const latency = await monitor.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    const expected = await reference.getAggregatedMetrics({ name: 'job_seconds', window: '5m' });
    for (const field of AGGREGATE_FIELDS) expect(latency[field], field).toBe(expected[field]);
    expect(latency.count).toBe(400);
    await reference.close();
    expect(errors).toEqual([]);
  }, 90_000);

  it('keeps the totals of a worker that closes its monitor and exits; its gauge goes', async () => {
    const { workers } = startPrimary();
    const plan = plans(4);
    forked = plan.map(fork);
    await Promise.all(forked.map((f) => f.ready));

    forked[0]!.worker.send({ cmd: 'close' });
    await forked[0]!.exited;
    expect(workers.size).toBe(3);
    const text = await workers.exportPrometheusMetrics();
    const reference = referenceMonitor(plan, WORKER_NOW);
    expect(linesOf(text, ['job_seconds', 'jobs_total'])).toEqual(linesOf(reference.exportPrometheusMetrics(), ['job_seconds', 'jobs_total']));
    await reference.close();
    expect(valueOf(text, 'queue_depth')).toBe(2 + 3 + 4);
  }, 90_000);
});

describe('a worker that hangs or dies', () => {
  it('never holds the scrape past its timeout, and its last state keeps the totals whole', async () => {
    const { workers, clock, monitor, errors } = startPrimary();
    const plan = plans(2);
    forked = plan.map(fork);
    await Promise.all(forked.map((f) => f.ready));
    const [hung, alive] = forked as [Forked, Forked];
    const reference = referenceMonitor(plan, WORKER_NOW);
    const expected = linesOf(reference.exportPrometheusMetrics(), ['job_seconds', 'jobs_total']);
    await reference.close();
    expect(linesOf(await workers.exportPrometheusMetrics(), ['job_seconds', 'jobs_total'])).toEqual(expected);

    // Stopped: alive, connected, silent. The scrape waits for it until the timeout, no longer.
    hung.worker.process.kill('SIGSTOP');
    const answered = stateSent(alive.worker);
    const scrape = workers.exportPrometheusMetrics();
    await answered;
    clock.advance(workers.options.timeout);
    const text = await scrape;
    expect(linesOf(text, ['job_seconds', 'jobs_total'])).toEqual(expected);
    const misses = monitor.getMetric('pulsewatch_cluster_misses_total');
    expect(misses?.kind === 'counter' && misses.get({ op: 'collect', reason: 'timeout' })).toBe(1);
    expect(errors.map((e) => e.code)).toEqual(['ERR_PULSEWATCH_TIMEOUT']);
    expect(errors[0]!.message).toContain(`worker ${hung.worker.id} did not answer the scrape (timeout); its last state is used`);

    // Killed while a scrape waits for it: the scrape ends when the worker does, with no clock move.
    const waiting = workers.exportPrometheusMetrics();
    hung.worker.process.kill('SIGKILL');
    const after = await waiting;
    await hung.exited;
    expect(workers.size).toBe(1);
    expect(linesOf(after, ['job_seconds', 'jobs_total'])).toEqual(expected);
    expect(errors).toHaveLength(1);
  }, 90_000);
});

describe('a forked child process', () => {
  it('reports through the same calls, attached with add()', async () => {
    const { workers, errors } = startPrimary();
    const [plan] = plans(1, 50) as [WorkerPlan];
    const child = forkChild(WORKER, { execArgv: ['--import', 'tsx'], env: { ...process.env, PULSEWATCH_WORKER_PLAN: JSON.stringify(plan) } });
    const exited = once(child, 'exit');
    const ready = new Promise<void>((resolve) => child.on('message', (m: { ready?: number }) => m?.ready === 0 && resolve()));
    expect(workers.add(child)).toBe(true);
    try {
      await ready;
      const text = await workers.exportPrometheusMetrics();
      expect(valueOf(text, 'job_seconds_count', { queue: 'q' })).toBe(50);
      expect((await workers.getAggregatedMetrics({ name: 'job_seconds', window: '5m' })).count).toBe(50);
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    expect(workers.size).toBe(0);
    expect(errors).toEqual([]);
  }, 90_000);
});
