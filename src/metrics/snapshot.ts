import type { StorageError } from '../core/errors.js';
import { seriesKey, type Labels } from '../core/labels.js';
import type { AlertRecord } from '../storage/records.js';
import { JOB_METRICS } from './built-in-names.js';
import { jobLines, msPerUnit, orZero, queueStates, round, type JobSnapshot, type QueueSnapshot } from './snapshot-jobs.js';
import { SnapshotCache } from './snapshot-reader.js';
import { slowest, summary, type MetricSummary } from './snapshot-slowest.js';
import type { WindowScan } from './snapshot-slots.js';
import type { WindowTally } from './snapshot-tally.js';
import { isErrorSeries } from './time-series-errors.js';
import { WindowQuery, type WindowQuerySources } from './window-query.js';
import type { MetricWindow, RangeStats } from './window-query-window.js';

export type { JobSnapshot, MetricSummary, QueueSnapshot };

// The job metric names live in built-in-names.ts; the package's index re-exports them from here.
export { JOB_METRICS };

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
  queue: QueueSnapshot;
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
  /** Only series whose labels include all of these, in every metric part (the tenant filter; absent: every series; null: none). */
  labels?: Readonly<Labels> | null | undefined;
  /** Entries listed at most in `jobs` (`limits.maxSnapshotSeries`); the rest are counted in `truncated`. */
  maxSeries: number;
  /** The store could not be read: the snapshot shows memory and waiting rollups. Called once a snapshot. */
  storageFailed(error: StorageError): void;
  /** What snapshots keep between calls (the monitor's); absent: a snapshot reads everything afresh. */
  cache?: SnapshotCache | undefined;
}

/** A change of at least this share between window halves counts as a trend (seed 000's 10%). */
const TREND_THRESHOLD = 10;

/** A histogram's window, its one-pass totals and (once asked) its whole distribution. */
interface Shown {
  h: MetricWindow;
  tally: WindowTally;
  scan: WindowScan;
  whole: RangeStats | undefined;
}

/**
 * Builds the snapshot through the window query: every instance's data in the window (this
 * process's memory, its waiting rollups, the store), one store read per metric it shows (only
 * the writes since the last snapshot, with a `cache` on a store that keeps a change log). The
 * histograms shown are this process's and those named in `names`; the job, queue and request
 * metrics are read by name, defined here or not. With `labels`, every metric part counts only
 * the series that carry them.
 *
 * Each histogram's totals (per series, per slot start) come from its window's tally, kept with
 * the window between snapshots while nothing it was built from changed (snapshot-windows.ts);
 * its distribution is merged from the kept counts of its closed slots plus its open one (see
 * snapshot-slots.ts).
 * The work is synchronous between the store reads: chunking it on microtasks would not let the
 * event loop run anything in between, and a macrotask yield would be a timer outside the Clock
 * (docs/performance.md, "snapshot", has the measurements behind this choice).
 */
export async function buildSnapshot(src: SnapshotSources): Promise<MetricsSnapshot> {
  const query = new WindowQuery(src);
  const cache = src.cache ?? new SnapshotCache(src.ctx.slotLength);
  const now = query.now;
  const from = now - src.window;
  if (src.labels === null) return emptySnapshot(src, now);
  const labels = src.labels;
  let failed = false;
  const onStorageError = (error: StorageError) => {
    if (failed) return;
    failed = true;
    src.storageFailed(error);
  };
  const waitingEnds = new Map<string, number>();
  for (const r of src.ctx.fleet.pendingRollups()) waitingEnds.set(r.name, Math.min(waitingEnds.get(r.name) ?? Infinity, r.end));
  const reads = new Map<string, Promise<MetricWindow>>();
  const read = (name: string) => {
    let w = reads.get(name);
    if (w === undefined) {
      const read = { name, labels, from, now, onStorageError, metric: src.registry.get(name), pending: () => src.ctx.fleet.pendingRollups() };
      reads.set(name, (w = cache.window(query, read, waitingEnds.get(name) ?? Infinity)));
    }
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
  // A full snapshot names every metric worth keeping; a filtered one leaves the cache as it is.
  if (filter === undefined && labels === undefined) cache.retain(new Set(reads.keys()));
  cache.settle(now);
  const labelKey = labels === undefined ? '' : seriesKey({ ...labels });
  const shown = new Map<MetricWindow, Shown>();
  const shownOf = (h: MetricWindow): Shown => {
    let s = shown.get(h);
    if (s === undefined) {
      const tally = cache.tally(h, from, now);
      shown.set(h, (s = { h, tally, scan: tally.scan(from, now), whole: undefined }));
    }
    return s;
  };
  // Every series of a histogram over the window: shared by `performance.snapshot` and `system`.
  const wholeOf = (h: MetricWindow): RangeStats => {
    const s = shownOf(h);
    if (s.whole === undefined) {
      const metric = src.registry.get(h.name);
      // The kept slot counts are in this process's scale: a histogram it never defined is merged as it is read.
      s.whole =
        metric?.kind === 'histogram'
          ? cache.slots.wholeStats(h, `${h.name}\u0000${labelKey}`, s.scan, { layout: metric.layout, resolution: metric.resolution, slotLength: src.ctx.slotLength, decoded: src.ctx.fleet.decoded }, from, now, (start) => s.tally.openSlotsAt(start))
          : h.stats(h.series, from, now, true);
    }
    return s.whole;
  };
  const histograms = all.filter((w) => w.kind === 'histogram').map(shownOf);
  // recordJobExecution's runs by `job`, and monitor.jobs' (and instrumentBullMQ's) by `type`.
  const jobList = jobLines(
    [
      { runs: executions, times: durations, id: 'job' },
      { runs: outcomes, times: runTimes, id: 'type' },
    ],
    src.jobId,
    src.maxSeries,
    from,
    now,
  );
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: jobList.listed,
    queue: queueStates(queueWindow, from, now),
    system: system(src, requests, shownOf, wholeOf, now),
    performance: {
      snapshot: histograms.filter((s) => s.scan.stats.count > 0).map((s) => summary(s.h.name, wholeOf(s.h))),
      trends: histograms.map((s) => trend(s, from, now)).filter((t): t is TrendSnapshot => t !== undefined),
      slowest: slowest(histograms, from, now),
    },
    alerts: { active: 0, items: [] },
    truncated: { jobs: jobList.omitted, alerts: 0 },
  };
}

/** A snapshot whose label filter matches no series: no metric data, the time and uptime as always. */
function emptySnapshot(src: SnapshotSources, now: number): MetricsSnapshot {
  return {
    timestamp: new Date(now).toISOString(),
    service: src.service,
    jobs: [],
    queue: { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 },
    system: { uptime: now - src.startedAt, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 },
    performance: { snapshot: [], trends: [], slowest: [] },
    alerts: { active: 0, items: [] },
    truncated: { jobs: 0, alerts: 0 },
  };
}

function system(src: SnapshotSources, metric: MetricWindow, shownOf: (h: MetricWindow) => Shown, wholeOf: (h: MetricWindow) => RangeStats, now: number): MetricsSnapshot['system'] {
  const uptime = now - src.startedAt;
  if (metric.kind !== 'histogram') return { uptime, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 };
  const toMs = msPerUnit(metric);
  const all = wholeOf(metric);
  // Each series' count over the window is in the scan: the errors are a sum, not another pass.
  const { seriesCount } = shownOf(metric).scan;
  let errors = 0;
  for (let i = 0; i < metric.series.length; i++) if (seriesCount[i]! > 0 && isErrorSeries(metric.series[i]!.labels)) errors += seriesCount[i]!;
  return {
    uptime,
    errorRate: all.count === 0 ? 0 : round((errors / all.count) * 100),
    avgResponseTime: all.count === 0 ? 0 : round((all.sum / all.count) * toMs),
    p95ResponseTime: round(orZero(all.dist!.percentile(95)) * toMs),
  };
}

/** The mean of the newer half of the window against the older, over every series and instance (from the scan's slot starts). */
function trend({ h, scan }: Shown, from: number, now: number): TrendSnapshot | undefined {
  const mid = from + (now - from) / 2;
  const older = { count: 0, sum: 0 };
  const newer = { count: 0, sum: 0 };
  for (const [start, f] of scan.starts) {
    const half = start < mid ? older : newer;
    half.count += f.count;
    half.sum += f.sum;
  }
  if (older.count === 0 || newer.count === 0) return undefined;
  const before = older.sum / older.count;
  const after = newer.sum / newer.count;
  const changePercent = before === 0 ? 0 : round(((after - before) / before) * 100);
  const trendOf = changePercent >= TREND_THRESHOLD ? 'degrading' : changePercent <= -TREND_THRESHOLD ? 'improving' : 'stable';
  return { name: h.name, trend: trendOf, changePercent };
}
