/**
 * What the workers of the cluster tests record, and the metrics they (and the primary, and the
 * reference process) define. Every value is k/1024 s: exact in binary, so sums are exact in any
 * order; none lies just above a bucket bound (within 3%), where a bucketed histogram would
 * place it by its HDR bucket rather than its value.
 */
import type { Monitor } from '../../src/index.js';
import { SECONDS_BUCKETS } from '../../src/metrics/options.js';

/** Start of the slot the workers record in (30 s slots); their clocks stand 1 s into it. */
export const SLOT_START = Math.floor(Date.UTC(2026, 0, 1) / 30_000) * 30_000;
export const WORKER_NOW = SLOT_START + 1_000;

/** One worker's plan. */
export interface WorkerPlan {
  index: number;
  now: number;
  /** Observed in `job_seconds{queue="q"}`; their count is added to `jobs_total{queue="q"}`. */
  values: number[];
}

/** The metrics every process of the tests defines (a module shared by primary and workers). */
export function defineMetrics(monitor: Monitor) {
  return {
    latency: monitor.histogram({ name: 'job_seconds', help: 'Job latency', unit: 'seconds', labelNames: ['queue'] }),
    jobs: monitor.counter({ name: 'jobs_total', help: 'Jobs done', labelNames: ['queue'] }),
    depth: monitor.gauge({ name: 'queue_depth', help: 'Jobs waiting' }),
  };
}

/** Records a plan: its values, its count, its own counter series and a gauge of index + 1. */
export function record(monitor: Monitor, plan: WorkerPlan): void {
  const m = defineMetrics(monitor);
  for (const v of plan.values) m.latency.observe(v, { queue: 'q' });
  m.jobs.inc({ queue: 'q' }, plan.values.length);
  m.jobs.inc({ queue: `w${plan.index}` }, plan.index + 1);
  m.depth.set(plan.index + 1);
}

function clearOfBounds(v: number): boolean {
  return SECONDS_BUCKETS.every((b) => !(v > b && v <= b * 1.03));
}

/** `workers` plans of `perWorker` distinct values each (more than 128 in all: the reference histogram buckets them). */
export function plans(workers: number, perWorker = 100): WorkerPlan[] {
  const candidates: number[] = [];
  for (let k = 1; candidates.length < workers * perWorker; k++) if (clearOfBounds(k / 1024)) candidates.push(k / 1024);
  return Array.from({ length: workers }, (_, index) => ({
    index,
    now: WORKER_NOW,
    values: candidates.filter((_, i) => i % workers === index),
  }));
}
