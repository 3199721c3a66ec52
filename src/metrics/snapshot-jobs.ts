import type { MetricWindow, WindowSeries } from './window-query-window.js';

/** One job's line in `MetricsSnapshot.jobs` (seed 000's /api/metrics); times in ms. */
export interface JobSnapshot {
  jobId: string;
  totalExecutions: number;
  successRate: number;
  avgExecutionTime: number;
  p95ExecutionTime: number;
}

/** The job queue gauge of a snapshot, under seed 000's state names. */
export interface QueueSnapshot {
  pending: number;
  queued: number;
  processing: number;
  failed: number;
  deadLetter: number;
}

/** Where job runs are counted (a counter by outcome) and timed (a histogram), and the label naming the job. */
export interface JobSource {
  runs: MetricWindow;
  times: MetricWindow;
  id: 'job' | 'type';
}

/**
 * Seed 000's per-job lines, from every source: a job counted by both (recordJobExecution and
 * monitor.jobs under one name) adds its runs; its times come from the source with more runs.
 * Only `jobId` when given; at most `maxSeries` lines, the first by id, the rest counted.
 */
export function jobLines(sources: readonly JobSource[], jobId: string | undefined, maxSeries: number, from: number, now: number): { listed: JobSnapshot[]; omitted: number } {
  const byJob = new Map<string, { ok: number; failed: number; best: number; avg: number; p95: number }>();
  for (const { runs, times, id } of sources) {
    if (runs.kind !== 'counter') continue;
    const perJob = new Map<string, WindowSeries[]>();
    for (const s of runs.series) {
      const job = ownLabel(s.labels, id);
      if (job === undefined || (jobId !== undefined && job !== jobId)) continue;
      const list = perJob.get(job);
      if (list === undefined) perJob.set(job, [s]);
      else list.push(s);
    }
    // Job times are reported in ms whatever the histogram's unit (seconds since job_duration_seconds).
    const toMs = msPerUnit(times);
    for (const [job, series] of perJob) {
      let ok = 0;
      let failed = 0;
      for (const s of series) {
        const count = runs.stats([s], from, now, false).sum;
        // `outcome` since the one success label convention; `status` as jobs labelled runs before.
        if ((ownLabel(s.labels, 'outcome') ?? ownLabel(s.labels, 'status')) === 'success') ok += count;
        else failed += count;
      }
      const timed = times.kind === 'histogram' ? times.series.filter((s) => ownLabel(s.labels, id) === job) : [];
      const stats = times.stats(timed, from, now, true);
      let line = byJob.get(job);
      if (line === undefined) byJob.set(job, (line = { ok: 0, failed: 0, best: -1, avg: 0, p95: 0 }));
      line.ok += ok;
      line.failed += failed;
      if (stats.count > line.best) {
        line.best = stats.count;
        line.avg = stats.count === 0 ? 0 : round((stats.sum / stats.count) * toMs);
        line.p95 = round(orZero(stats.dist!.percentile(95)) * toMs);
      }
    }
  }
  const selected = [...byJob.keys()].sort();
  const omitted = Math.max(0, selected.length - maxSeries);
  const listed: JobSnapshot[] = selected.slice(0, maxSeries).map((job) => {
    const line = byJob.get(job)!;
    const total = line.ok + line.failed;
    return { jobId: job, totalExecutions: total, successRate: total === 0 ? 0 : round((line.ok / total) * 100), avgExecutionTime: line.avg, p95ExecutionTime: line.p95 };
  });
  return { listed, omitted };
}

/** `job_queue_size` states of monitor.jobs and instrumentBullMQ, as seed 000's snapshot names them. */
const SEED_QUEUE_STATES: ReadonlyMap<string, string> = new Map([
  ['waiting', 'pending'],
  ['delayed', 'queued'],
  ['active', 'processing'],
]);

/** The queue gauge's fleet value per state (each instance's latest value per series, summed). */
export function queueStates(gauge: MetricWindow, from: number, now: number): QueueSnapshot {
  const q = { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 };
  if (gauge.kind !== 'gauge') return q;
  for (const s of gauge.series) {
    const state = ownLabel(s.labels, 'state');
    const value = gauge.latest([s], from, now) ?? 0;
    // monitor.jobs' states (waiting, delayed, active) under seed 000's names.
    const seed = state === undefined ? undefined : (SEED_QUEUE_STATES.get(state) ?? state);
    if (seed === 'dead_letter' || seed === 'deadLetter') q.deadLetter += value;
    // Own keys only: a label value such as "constructor" must not reach Object.prototype.
    else if (seed !== undefined && Object.hasOwn(q, seed)) q[seed as keyof typeof q] += value;
  }
  return q;
}

/** Milliseconds per unit of a histogram's values: 1000 for seconds, else 1 (ms or unitless). */
export function msPerUnit(h: MetricWindow): number {
  return h.unit === 'seconds' || h.name.endsWith('_seconds') ? 1000 : 1;
}

/** A label's own value (a label named like an Object.prototype member reads as absent). */
export function ownLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(labels, name) ? labels[name] : undefined;
}

/** Rounded to 2 decimals, as seed 000 shows figures. */
export function round(v: number): number {
  return Math.round(v * 100) / 100;
}

/** 0 for NaN (an empty distribution's percentile). */
export function orZero(v: number): number {
  return Number.isNaN(v) ? 0 : v;
}
