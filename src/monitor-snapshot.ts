import type { Reporter } from './core/diagnostics.js';
import { ValidationError } from './core/errors.js';
import type { Labels } from './core/labels.js';
import { aggregate, type AggregateQuery, type AggregatedMetrics } from './metrics/aggregate.js';
import { exportMetrics, type ExportOptions } from './metrics/exposition/export.js';
import type { MetricRegistry } from './metrics/registry.js';
import { buildSnapshot, type MetricsSnapshot } from './metrics/snapshot.js';
import { readLabelFilter } from './metrics/snapshot-filters.js';
import { SnapshotCache } from './metrics/snapshot-reader.js';
import type { WindowQuerySources } from './metrics/window-query.js';
import { MonitorExtensions } from './monitor-extensions.js';
import type { BreakerStats } from './resilience/types.js';
import type { AlertRecord } from './storage/records.js';

/**
 * Options of `monitor.snapshot()`. A `jobId` or `names` of another type (or `null` options) is
 * ignored; a label filter that cannot be read whole matches no series (see `labels`).
 */
export interface SnapshotOptions {
  /** Only this job in `jobs` (seed 000's `?jobId=`). */
  jobId?: string;
  /** Only histograms with these names in `performance` (all when absent). */
  names?: readonly string[];
  /**
   * Only series whose labels include all of these, in every metric part (`jobs`, `queue`,
   * `system`, `performance`): a tenant's view, e.g. `{ organizationId: 'org-1' }` (seed 002).
   * Alerts and breakers are not narrowed. At most 32 labels; a value that is not a string, more
   * labels than that, or an object that throws when read is reported as a `ValidationError`
   * (rejected in strict mode) and the filter matches no series: a tenant's filter never widens
   * to every tenant's data.
   */
  labels?: Readonly<Record<string, string>>;
  /** Shorthand for `labels: { organizationId }` (both given: both must match). */
  organizationId?: string;
}

/** `monitor.snapshot()`: seed 000's /api/metrics shape, plus the monitor's circuit breakers. */
export interface MonitorSnapshot extends MetricsSnapshot {
  /** Every circuit breaker with its state and stats. */
  breakers: BreakerStats[];
}

/** What a snapshot reads: the metrics' window sources and the capabilities it lists. */
export interface SnapshotParts {
  sources: WindowQuerySources;
  service: string;
  /** Milliseconds since the monitor was created (monotonic): the snapshot's uptime. */
  uptime(): number;
  settings: { requestMetric: string; window: number; maxSeries: number };
  reporter: Reporter;
  activeAlerts(): AlertRecord[];
  breakers(): BreakerStats[];
}

/**
 * What a monitor answers from its metrics: a window aggregate, the snapshot, the exposition and
 * the scrape. A read starts the monitor (it is a first use), and a window read first runs what
 * extensions add (a cluster primary has its workers write their open slots).
 */
export interface MonitorReadApi {
  /** Count, sum, min, max, mean, p50..p999 and rate of a metric over a window (default 5 minutes). */
  getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics>;
  /**
   * JSON in the shape of seed 000's GET /api/metrics, over the fleet's data in the
   * `snapshot.window`: this process's memory, its rollups waiting to be written and every
   * instance's stored rollups (the store's change log after the first read). A store that cannot be read
   * gives a snapshot of this process's data and an `error` event; options that cannot be read
   * are ignored and reported (rejected in strict mode). It is made in chunks of a few
   * milliseconds with a turn of the event loop between them (`Clock.yield`), on a capture of
   * this process's memory taken when its turn comes (snapshots take turns; the store is read
   * before): what is recorded meanwhile is not in it. A call shares a snapshot with the same
   * filters that waits for its turn or started it after the call came. Rejects with a
   * `LimitError` (`limit: 'snapshot.maxQueued'`) when 16 snapshots with other filters wait already.
   */
  snapshot(options?: SnapshotOptions): Promise<MonitorSnapshot>;
  /** Every metric in the Prometheus text format 0.0.4 (default) or OpenMetrics 1.0. */
  exportPrometheusMetrics(options?: ExportOptions): string;
  /**
   * What a scrape of this monitor serves (the monitoring handler's `GET /metrics`): the text of
   * `exportPrometheusMetrics(options)`, or on a cluster primary (`attachWorkers`) the merged
   * metrics of the primary and its workers, which only a promise can wait for. Rejects only as
   * `exportPrometheusMetrics` throws (a `format` other than the two).
   */
  scrape(options?: ExportOptions): Promise<string>;
}

/** @internal What a monitor's reads use: the snapshot's parts, the registry the exposition renders, the start. */
export interface ReadParts extends SnapshotParts {
  registry: MetricRegistry;
  /** Starts the monitor; idempotent, never throws. */
  start(): void;
}

/** @internal The reads of one monitor (wiring: the published types document {@link MonitorReadApi}), and the extensions registered on them. */
export class MonitorReads implements MonitorReadApi {
  /** What modules layered over the monitor add to its reads (see {@link MonitorExtensions}). */
  readonly extensions: MonitorExtensions;
  /** What snapshots keep between calls: stored rollups and closed slots' merged counts. */
  private readonly snapshots: SnapshotCache;

  constructor(private readonly parts: ReadParts) {
    this.extensions = new MonitorExtensions((o) => this.exportPrometheusMetrics(o), (error) => parts.reporter.fail(error));
    this.snapshots = new SnapshotCache(parts.sources.ctx.slotLength);
  }

  async getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics> {
    this.parts.start();
    await this.extensions.beforeRead();
    return aggregate(this.parts.sources, query);
  }

  async snapshot(options: SnapshotOptions = {}): Promise<MonitorSnapshot> {
    this.parts.start();
    await this.extensions.beforeRead();
    return snapshotView(this.parts, options, this.snapshots);
  }

  exportPrometheusMetrics(options: ExportOptions = {}): string {
    this.parts.start();
    return exportMetrics(this.parts.registry, options, this.parts.reporter);
  }

  scrape(options: ExportOptions = {}): Promise<string> {
    return this.extensions.scrape(options);
  }
}

/**
 * The snapshot view: the metrics part from the window query (this process's memory, its rollups
 * waiting to be written and every instance's stored rollups), then the firing alerts and the
 * breakers, each list bounded by `limits.maxSnapshotSeries`. A store that cannot be read gives a
 * snapshot of this process's data and an `error` event.
 */
export async function snapshotView(parts: SnapshotParts, options: SnapshotOptions | undefined, cache?: SnapshotCache): Promise<MonitorSnapshot> {
  const max = parts.settings.maxSeries;
  const { jobId, names, labels } = readFilters(options, max, parts.reporter);
  const snapshot = await buildSnapshot({
    ...parts.sources,
    service: parts.service,
    uptime: parts.uptime,
    requestMetric: parts.settings.requestMetric,
    window: parts.settings.window,
    jobId,
    names,
    labels,
    maxSeries: max,
    storageFailed: (error) => parts.reporter.emit('error', error),
    cache,
  });
  // A tenant's view lists its own alerts only: those carrying every filter label.
  const active = alertsFor(parts.activeAlerts(), labels);
  snapshot.alerts = { active: active.length, items: active.slice(0, max) };
  snapshot.truncated.alerts = Math.max(0, active.length - max);
  return { ...snapshot, breakers: parts.breakers() };
}

/** The filters of a snapshot as read (see {@link readFilters}); `labels` null: no series can match. */
interface Filters {
  jobId: string | undefined;
  names: string[] | undefined;
  labels: Labels | null | undefined;
}

/**
 * A read never throws for its filters: a `jobId` or `names` that is not a string (or a list of
 * them) is ignored, and a `jobId` or `names` that throws when read (a revoked Proxy, a throwing
 * getter) is reported as an invalid value (rejected in strict mode) and those filters are
 * ignored. A label filter (`labels`, `organizationId`) that throws when read, or holds what no
 * label can (see `readLabelFilter`), is reported too and matches no series: it is a tenant's
 * view, never widened to every tenant's.
 */
function readFilters(options: SnapshotOptions | undefined, max: number, reporter: Reporter): Filters {
  let job: unknown;
  let list: unknown;
  let labels: unknown;
  let organizationId: unknown;
  let labelsThrew: unknown;
  let filtersThrew: unknown;
  // The tenant filter first and on its own: its failure must not be read as "no filter".
  try {
    labels = options?.labels;
    organizationId = options?.organizationId;
  } catch (cause) {
    labelsThrew = cause ?? new Error('reading the label filter threw');
  }
  try {
    job = options?.jobId;
    list = options?.names;
    // Each name may cost a store read: at most limits.maxSnapshotSeries of them, once each.
    list = Array.isArray(list) ? [...new Set(list.filter((n): n is string => typeof n === 'string'))].slice(0, max) : undefined;
  } catch (cause) {
    filtersThrew = cause ?? new Error('reading the filters threw');
    job = undefined;
    list = undefined;
  }
  // Reports outside the try: in strict mode a report rejects the snapshot as it is.
  if (labelsThrew !== undefined || filtersThrew !== undefined) {
    const message = labelsThrew === undefined ? 'snapshot: options could not be read; the snapshot ignores its jobId and names filters' : 'snapshot: options could not be read; the snapshot shows no series';
    reporter.reject(new ValidationError(message, [{ path: 'options', message: 'reading it threw' }], { cause: labelsThrew ?? filtersThrew }));
  }
  const label = labelsThrew === undefined ? readLabelFilter(labels, organizationId, reporter) : null;
  return { jobId: typeof job === 'string' ? job : undefined, names: list as string[] | undefined, labels: label };
}

/** Alerts a label filter lets through: those whose labels include every filter label (none for `null`). */
function alertsFor(active: AlertRecord[], labels: Labels | null | undefined): AlertRecord[] {
  if (labels === undefined) return active;
  if (labels === null) return [];
  const wanted = Object.entries(labels);
  return active.filter((a) => wanted.every(([name, value]) => Object.hasOwn(a.labels, name) && a.labels[name] === value));
}
