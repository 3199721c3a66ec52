import type { StorageError } from '../core/errors.js';
import type { AlertRecord } from '../storage/records.js';
import { JOB_METRICS } from './built-in-names.js';
import { WindowQuery, type WindowQuerySources } from './window-query.js';
import type { MetricWindow, RangeStats, WindowSeries } from './window-query-window.js';

// The job metric names live in built-in-names.ts; the package's index re-exports them from here.
export { JOB_METRICS };

/** One job's line in {@link MetricsSnapshot.jobs} (seed 000's /api/metrics); times in ms. */
export interface JobSnapshot {
  jobId: string;
  totalExecutions: number;
  successRate: number;
  avgExecutionTime: number;
  p95ExecutionTime: number;
}

/** One histogram's summary over the snapshot window (durations in the metric's unit). */
export interface MetricSummary {
  name: string;
  labels?: Record<string, string>;
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Direction of a metric between the older and newer half of the window. */
export interface TrendSnapshot {
  name: string;
  trend: 'improving' | 'stable' | 'degrading';
  changePercent: number;
}

/** JSON in the shape of seed 000's GET /api/metrics, over every instance's data in the window. */
export interface MetricsSnapshot {
  timestamp: string;
  service: string;
  /** Runs in the window, fleet-wide, per job. */
  jobs: JobSnapshot[];
  /** The job queue gauge: each instance's latest value per series, summed. */
  queue: { pending: number; queued: number; processing: number; failed: number; deadLetter: number };
  system: { uptime: number; errorRate: number; avgResponseTime: number; p95ResponseTime: number };
  performance: { snapshot: MetricSummary[]; trends: TrendSnapshot[]; slowest: MetricSummary[] };
  /**
   * Firing alerts, most severe first (filled by the monitor from its rule engine): `active` counts
   * them all, `items` lists at most `limits.maxSnapshotSeries` of them.
   */
  alerts: { active: number; items: AlertRecord[] };
  /**
   * Entries left out of `jobs` and `alerts.items` past `limits.maxSnapshotSeries`, so that the
   * snapshot (and the JSON `/metrics`) stays bounded however many series or alerts there are.
   */
  truncated: { jobs: number; alerts: number };
}

/** Inputs of {@link buildSnapshot}. */
export interface SnapshotSources extends WindowQuerySources {
  service: string;
  startedAt: number;
  requestMetric: string;
  window: number;
  jobId?: string | undefined;
  names?: readonly string[] | undefined;
  /** Entries listed at most in `jobs` (`limits.maxSnapshotSeries`); the rest are counted in `truncated`. */
  maxSeries: number;
  /** The store could not be read: the snapshot shows memory and waiting rollups. Called once a snapshot. */
  storageFailed(error: StorageError): void;
}

/** A change of at least this share between window halves counts as a trend (seed 000's 10%). */
const TREND_THRESHOLD = 10;
/** Series listed in `performance.slowest`. */
const SLOWEST = 5;

/**
 * Builds the snapshot through the window query: every instance's data in the window (this
 * process's memory, its waiting rollups, the store), one store read per metric it shows. The
 * histograms shown are this process's and those named in `names`; the job, queue and request
 * metrics are read by name, defined here or not.
 */
export async function buildSnapshot(src: SnapshotSources): Promise<MetricsSnapshot> {
  const query = new WindowQuery(src);
  const now = query.now;
  const from = now - src.window;
  let failed = false;
  const onStorageError = (error: StorageError) => {
    if (failed) return;
    failed = true;
    src.storageFailed(error);
  };
  const reads = new Map<string, Promise<MetricWindow>>();
  const read = (name: string) => {
    let w = reads.get(name);
    if (w === undefined) reads.set(name, (w = query.read({ name, from, to: now, now, onStorageError })));
    return w;
  };
  const filter = src.names === undefined ? undefined : new Set(src.names);
  const names = new Set<string>();
  for (const m of src.registry.all()) if (m.kind === 'histogram' && (filter === undefined || filter.has(m.name))) names.add(m.name);
  for (const name of filter ?? []) names.add(name);
  const [all, executions, durations, outcomes, runTimes, queueWindow, requests] = await Promise.all([
    Promise.all([...names].map(read)),
    read(JOB_METRICS.executions),
    read(JOB_METRICS.duration),
    read(JOB_METRICS.outcomes),
    read(JOB_METRICS.runTime),
    read(JOB_METRICS.queue),
    src.registry.get(src.requestMetric) !== undefined ? read(src.requestMetric) : read(src.requestMetric).then((w) => (w.kind === undefined ? read('response_time') : w)),
  ]);
  const histograms = all.filter((w) => w.kind === 'histogram');
  // Every series of a histogram over the window: shared by `performance.snapshot` and `system`.
  const whole = new Map<MetricWindow, RangeStats>();
  const wholeOf = (h: MetricWindow) => {
    let stats = whole.get(h);
    if (stats === undefined) whole.set(h, (stats = h.stats(h.series, from, now, true)));
    return stats;
  };
  // recordJobExecution's runs by `job`, and monitor.jobs' (and instrumentBullMQ's) by `type`.
  const jobList = jobs(src, [
    { runs: executions, times: durations, id: 'job' },
    { runs: outcomes, times: runTimes, id: 'type' },
  ], from, now);
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: jobList.listed,
    queue: queue(queueWindow, from, now),
    system: system(src, requests, wholeOf, from, now),
    performance: {
      snapshot: histograms.map((h) => summary(h.name, wholeOf(h))).filter((s) => s.count > 0),
      trends: histograms.map((h) => trend(h, from, now)).filter((t): t is TrendSnapshot => t !== undefined),
      slowest: slowest(histograms, from, now),
    },
    alerts: { active: 0, items: [] },
    truncated: { jobs: jobList.omitted, alerts: 0 },
  };
}

function summary(name: string, stats: RangeStats): MetricSummary {
  const s = stats.dist!.summary();
  return { name, count: s.count, mean: s.mean, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max };
}

/**
 * The series with the highest p95 (in ms, across units). A series' p95 is at most its max: series
 * are visited by max, highest first, and the search stops once no max can beat the fifth p95
 * found, so a snapshot over thousands of series computes a few distributions, not thousands.
 */
function slowest(histograms: readonly MetricWindow[], from: number, now: number): MetricSummary[] {
  const candidates: { h: MetricWindow; s: WindowSeries; maxMs: number }[] = [];
  for (const h of histograms) {
    const toMs = msPerUnit(h);
    for (const s of h.series) {
      const stats = h.stats([s], from, now, false);
      if (stats.count > 0) candidates.push({ h, s, maxMs: stats.max * toMs });
    }
  }
  candidates.sort((a, b) => b.maxMs - a.maxMs);
  const top: { summary: MetricSummary; p95Ms: number }[] = [];
  for (const c of candidates) {
    if (top.length === SLOWEST && c.maxMs < top[SLOWEST - 1]!.p95Ms) break;
    const line: MetricSummary = { ...summary(c.h.name, c.h.stats([c.s], from, now, true)), labels: { ...c.s.labels } };
    top.push({ summary: line, p95Ms: line.p95 * msPerUnit(c.h) });
    top.sort((a, b) => b.p95Ms - a.p95Ms);
    if (top.length > SLOWEST) top.pop();
  }
  return top.map((t) => t.summary);
}

/** Where job runs are counted (a counter by outcome) and timed (a histogram), and the label naming the job. */
interface JobSource {
  runs: MetricWindow;
  times: MetricWindow;
  id: 'job' | 'type';
}

/**
 * Seed 000's per-job lines, from every source: a job counted by both (recordJobExecution and
 * monitor.jobs under one name) adds its runs; its times come from the source with more runs.
 */
function jobs(src: SnapshotSources, sources: readonly JobSource[], from: number, now: number): { listed: JobSnapshot[]; omitted: number } {
  const byJob = new Map<string, { ok: number; failed: number; best: number; avg: number; p95: number }>();
  for (const { runs, times, id } of sources) {
    if (runs.kind !== 'counter') continue;
    const perJob = new Map<string, WindowSeries[]>();
    for (const s of runs.series) {
      const job = ownLabel(s.labels, id);
      if (job === undefined || (src.jobId !== undefined && job !== src.jobId)) continue;
      const list = perJob.get(job);
      if (list === undefined) perJob.set(job, [s]);
      else list.push(s);
    }
    // Job times are reported in ms whatever the histogram's unit (seconds since job_duration_seconds).
    const toMs = msPerUnit(times);
    for (const [jobId, series] of perJob) {
      let ok = 0;
      let failed = 0;
      for (const s of series) {
        const count = runs.stats([s], from, now, false).sum;
        // `outcome` since the one success label convention; `status` as jobs labelled runs before.
        if ((ownLabel(s.labels, 'outcome') ?? ownLabel(s.labels, 'status')) === 'success') ok += count;
        else failed += count;
      }
      const timed = times.kind === 'histogram' ? times.series.filter((s) => ownLabel(s.labels, id) === jobId) : [];
      const stats = times.stats(timed, from, now, true);
      let line = byJob.get(jobId);
      if (line === undefined) byJob.set(jobId, (line = { ok: 0, failed: 0, best: -1, avg: 0, p95: 0 }));
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
  const omitted = Math.max(0, selected.length - src.maxSeries);
  const out: JobSnapshot[] = selected.slice(0, src.maxSeries).map((jobId) => {
    const line = byJob.get(jobId)!;
    const total = line.ok + line.failed;
    return { jobId, totalExecutions: total, successRate: total === 0 ? 0 : round((line.ok / total) * 100), avgExecutionTime: line.avg, p95ExecutionTime: line.p95 };
  });
  return { listed: out, omitted };
}

/** `job_queue_size` states of monitor.jobs and instrumentBullMQ, as seed 000's snapshot names them. */
const SEED_QUEUE_STATES: ReadonlyMap<string, string> = new Map([
  ['waiting', 'pending'],
  ['delayed', 'queued'],
  ['active', 'processing'],
]);

function queue(gauge: MetricWindow, from: number, now: number): MetricsSnapshot['queue'] {
  const q = { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 };
  if (gauge.kind !== 'gauge') return q;
  for (const s of gauge.series) {
    const state = s.labels['state'];
    const value = gauge.latest([s], from, now) ?? 0;
    // monitor.jobs' states (waiting, delayed, active) under seed 000's names.
    const seed = state === undefined ? undefined : (SEED_QUEUE_STATES.get(state) ?? state);
    if (seed === 'dead_letter' || seed === 'deadLetter') q.deadLetter += value;
    // Own keys only: a label value such as "constructor" must not reach Object.prototype.
    else if (seed !== undefined && Object.hasOwn(q, seed)) q[seed as keyof typeof q] += value;
  }
  return q;
}

function system(src: SnapshotSources, metric: MetricWindow, wholeOf: (h: MetricWindow) => RangeStats, from: number, now: number): MetricsSnapshot['system'] {
  const uptime = now - src.startedAt;
  if (metric.kind !== 'histogram') return { uptime, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 };
  const toMs = msPerUnit(metric);
  const all = wholeOf(metric);
  const errors = metric.stats(metric.series.filter((s) => isErrorSeries(s.labels)), from, now, false);
  return {
    uptime,
    errorRate: all.count === 0 ? 0 : round((errors.count / all.count) * 100),
    avgResponseTime: all.count === 0 ? 0 : round((all.sum / all.count) * toMs),
    p95ResponseTime: round(orZero(all.dist!.percentile(95)) * toMs),
  };
}

/** Milliseconds per unit of a histogram's values: 1000 for seconds, else 1 (ms or unitless). */
function msPerUnit(h: MetricWindow): number {
  return h.unit === 'seconds' || h.name.endsWith('_seconds') ? 1000 : 1;
}

/**
 * A request series that counts as an error: `outcome` failure, error or timeout (the success
 * label convention), and as before a 5xx `status`/`status_code`/`statusCode`/`code`,
 * `success="false"` or `status_class="5xx"`.
 */
function isErrorSeries(labels: Readonly<Record<string, string>>): boolean {
  const outcome = ownLabel(labels, 'outcome');
  if (outcome !== undefined && ERROR_OUTCOME.test(outcome)) return true;
  const status = ownLabel(labels, 'status') ?? ownLabel(labels, 'status_code') ?? ownLabel(labels, 'statusCode') ?? ownLabel(labels, 'code');
  if (status !== undefined && /^5/.test(status)) return true;
  return ownLabel(labels, 'success') === 'false' || ownLabel(labels, 'status_class') === '5xx';
}

const ERROR_OUTCOME = /^(?:failure|failed|error|errored|timeout)$/i;

/** A label's own value (a label named like an Object.prototype member reads as absent). */
function ownLabel(labels: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.hasOwn(labels, name) ? labels[name] : undefined;
}

/** The mean of the newer half of the window against the older, over every series and instance. */
function trend(h: MetricWindow, from: number, now: number): TrendSnapshot | undefined {
  const mid = from + (now - from) / 2;
  const older = { count: 0, sum: 0 };
  const newer = { count: 0, sum: 0 };
  h.forEachSlot(h.series, from, now, (start, count, sum) => {
    const half = start < mid ? older : newer;
    half.count += count;
    half.sum += sum;
  });
  if (older.count === 0 || newer.count === 0) return undefined;
  const before = older.sum / older.count;
  const after = newer.sum / newer.count;
  const changePercent = before === 0 ? 0 : round(((after - before) / before) * 100);
  const trendOf = changePercent >= TREND_THRESHOLD ? 'degrading' : changePercent <= -TREND_THRESHOLD ? 'improving' : 'stable';
  return { name: h.name, trend: trendOf, changePercent };
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function orZero(v: number): number {
  return Number.isNaN(v) ? 0 : v;
}
