import type { AlertRecord } from '../storage/records.js';
import { matchesLabels } from '../core/labels.js';
import { JOB_METRICS } from './built-in-names.js';
import type { MetricContext } from './context.js';
import type { Counter } from './counter.js';
import type { Distribution } from './distribution.js';
import type { Gauge } from './gauge.js';
import type { Histogram, HistogramSeries } from './histogram.js';
import type { MetricRegistry } from './registry.js';

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

/** JSON in the shape of seed 000's GET /api/metrics. */
export interface MetricsSnapshot {
  timestamp: string;
  service: string;
  jobs: JobSnapshot[];
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
export interface SnapshotSources {
  registry: MetricRegistry;
  ctx: MetricContext;
  service: string;
  startedAt: number;
  requestMetric: string;
  window: number;
  jobId?: string | undefined;
  names?: readonly string[] | undefined;
  /** Entries listed at most in `jobs` (`limits.maxSnapshotSeries`); the rest are counted in `truncated`. */
  maxSeries: number;
}

/** A change of at least this share between window halves counts as a trend (seed 000's 10%). */
const TREND_THRESHOLD = 10;

/** Builds the snapshot from memory only (no storage reads), so it is cheap enough for a health page. */
export function buildSnapshot(src: SnapshotSources): MetricsSnapshot {
  const now = src.ctx.clock.now();
  const from = now - src.window;
  const names = src.names === undefined ? undefined : new Set(src.names);
  const histograms = [...src.registry.all()].filter((m): m is Histogram => m.kind === 'histogram' && (names === undefined || names.has(m.name)));
  const summaries = histograms.map((h) => summarize(h.name, windowOf(h, [...h.index.values()], from)));
  // Ranked by p95 in ms, so a 2 s request (`_seconds`) outranks a 500 ms job (`_milliseconds`).
  const seriesSummaries = histograms.flatMap((h) =>
    [...h.index.values()].map((s) => {
      const summary: MetricSummary = { ...summarize(h.name, windowOf(h, [s], from)), labels: { ...s.labels } };
      return { summary, p95Ms: summary.p95 * msPerUnit(h) };
    }),
  );
  const jobList = jobs(src, from);
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: jobList.listed,
    queue: queue(src.registry.get(JOB_METRICS.queue) as Gauge | undefined),
    system: system(src, from, now),
    performance: {
      snapshot: summaries.filter((s) => s.count > 0),
      trends: histograms.map((h) => trend(h, from, now)).filter((t): t is TrendSnapshot => t !== undefined),
      slowest: seriesSummaries
        .filter((s) => s.summary.count > 0)
        .sort((a, b) => b.p95Ms - a.p95Ms)
        .slice(0, 5)
        .map((s) => s.summary),
    },
    alerts: { active: 0, items: [] },
    truncated: { jobs: jobList.omitted, alerts: 0 },
  };
}

function windowOf(h: Histogram, series: HistogramSeries[], from: number): Distribution {
  const dist = h.distribution();
  for (const s of series) h.addWindow(s, from, dist);
  return dist;
}

function summarize(name: string, dist: Distribution): MetricSummary {
  const s = dist.summary();
  return { name, count: s.count, mean: s.mean, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max };
}

/** The first `maxSeries` jobs by id, and how many more there were. */
function jobs(src: SnapshotSources, from: number): { listed: JobSnapshot[]; omitted: number } {
  const counter = src.registry.get(JOB_METRICS.executions) as Counter | undefined;
  const duration = src.registry.get(JOB_METRICS.duration) as Histogram | undefined;
  if (counter === undefined || duration === undefined || counter.kind !== 'counter' || duration.kind !== 'histogram') return { listed: [], omitted: 0 };
  const ids = new Set<string>();
  for (const s of counter.index.values()) if (s.labels['job'] !== undefined) ids.add(s.labels['job']);
  const selected = [...ids].filter((id) => src.jobId === undefined || id === src.jobId).sort();
  const omitted = Math.max(0, selected.length - src.maxSeries);
  // Job times are reported in ms whatever the histogram's unit (seconds since job_duration_seconds).
  const toMs = msPerUnit(duration);
  const out: JobSnapshot[] = [];
  for (const jobId of selected.slice(0, src.maxSeries)) {
    let ok = 0;
    let failed = 0;
    for (const s of counter.index.values()) {
      if (s.labels['job'] !== jobId) continue;
      if (s.labels['status'] === 'success') ok += s.value;
      else failed += s.value;
    }
    const series = [...duration.index.values()].filter((s) => matchesLabels(s.labels, { job: jobId }));
    let count = 0;
    let sum = 0;
    for (const s of series) {
      count += s.closedCount + s.slot.count;
      sum += s.closedSum + s.slot.sum;
    }
    const total = ok + failed;
    out.push({
      jobId,
      totalExecutions: total,
      successRate: total === 0 ? 0 : round((ok / total) * 100),
      avgExecutionTime: count === 0 ? 0 : round((sum / count) * toMs),
      p95ExecutionTime: round(orZero(windowOf(duration, series, from).percentile(95)) * toMs),
    });
  }
  return { listed: out, omitted };
}

function queue(gauge: Gauge | undefined): MetricsSnapshot['queue'] {
  const q = { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 };
  if (gauge === undefined) return q;
  gauge.collect();
  for (const s of gauge.index.values()) {
    const state = s.labels['state'];
    if (state === 'dead_letter' || state === 'deadLetter') q.deadLetter += s.value;
    // Own keys only: a label value such as "constructor" must not reach Object.prototype.
    else if (state !== undefined && Object.hasOwn(q, state)) q[state as keyof typeof q] += s.value;
  }
  return q;
}

function system(src: SnapshotSources, from: number, now: number): MetricsSnapshot['system'] {
  const uptime = now - src.startedAt;
  const metric = (src.registry.get(src.requestMetric) ?? src.registry.get('response_time')) as Histogram | undefined;
  if (metric === undefined || metric.kind !== 'histogram') return { uptime, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 };
  const toMs = msPerUnit(metric);
  const all = [...metric.index.values()];
  const dist = windowOf(metric, all, from);
  const errors = windowOf(metric, all.filter((s) => isError(s.labels)), from);
  return {
    uptime,
    errorRate: dist.count === 0 ? 0 : round((errors.count / dist.count) * 100),
    avgResponseTime: round(orZero(dist.summary().mean) * toMs),
    p95ResponseTime: round(orZero(dist.percentile(95)) * toMs),
  };
}

/** Milliseconds per unit of a histogram's values: 1000 for seconds, else 1 (ms or unitless). */
function msPerUnit(h: Histogram): number {
  return h.unit === 'seconds' || h.name.endsWith('_seconds') ? 1000 : 1;
}

function isError(labels: Readonly<Record<string, string>>): boolean {
  const status = labels['status'] ?? labels['status_code'] ?? labels['statusCode'] ?? labels['code'];
  if (status !== undefined && /^5/.test(status)) return true;
  return labels['success'] === 'false' || labels['status_class'] === '5xx';
}

function trend(h: Histogram, from: number, now: number): TrendSnapshot | undefined {
  const mid = from + (now - from) / 2;
  const older = h.distribution();
  const newer = h.distribution();
  for (const s of h.index.values()) {
    for (const slot of s.ring) {
      if (slot.count === 0 || slot.start + h.slotLength <= from) continue;
      (slot.start < mid ? older : newer).addSlot(slot);
    }
  }
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
