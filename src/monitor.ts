import { systemClock, type Clock } from './core/clock.js';
import { DeferredClock } from './core/deferred-clock.js';
import { Diagnostics } from './core/diagnostics.js';
import { parseOptions } from './core/options.js';
import type { MonitorEventApi, MonitorEvents } from './monitor-events.js';
import type { AlertEngine } from './alerts/engine.js';
import type { HealthRegistry } from './health/registry.js';
import type { NotificationDispatcher } from './notifiers/dispatcher.js';
import type { BreakerRegistry } from './resilience/breaker-registry.js';
import { createCapabilities } from './monitor-capabilities.js';
import type { BreakerStats } from './resilience/types.js';
import type { AggregateQuery, AggregatedMetrics } from './metrics/aggregate.js';
import type { Counter } from './metrics/counter.js';
import type { Gauge } from './metrics/gauge.js';
import type { Histogram } from './metrics/histogram.js';
import type { ExportOptions } from './metrics/exposition/export.js';
import type { CounterOptions, GaugeOptions, HistogramOptions } from './metrics/options.js';
import type { PerformanceTrackingOptions } from './metrics/performance-tracking.js';
import { MetricPipeline } from './metrics/pipeline.js';
import type { MetricRecordInput } from './metrics/record-metric.js';
import type { MetricDefinitionApi } from './metrics/definition-api.js';
import type { AnyMetric } from './metrics/registry.js';
import { SeedRecords, type RecordBatchResult, type SeedRecordApi } from './metrics/seed-records.js';
import { monitorOptionsSchema, monitorStorage, type MonitorOptions, type MonitorStore, type ResolvedMonitorOptions } from './monitor-options.js';
import type { MonitorExtensions } from './monitor-extensions.js';
import { MonitorReads, type MonitorReadApi, type MonitorSnapshot, type SnapshotOptions } from './monitor-snapshot.js';
import { Lifecycle } from './monitor-lifecycle.js';
import type { MonitorLifecycleApi } from './monitor-lifecycle-api.js';
import type { Jobs } from './jobs/jobs.js';
import { MonitorAnalysis, type MonitorAnalysisApi } from './monitor-analysis.js';
import type { TimeSeries, TimeSeriesQuery } from './metrics/time-series.js';
import type { PerformanceReport, PerformanceReportQuery } from './reports/performance-report.js';
import type { SlaQuery } from './sla/options.js';
import type { SlaReport } from './sla/types.js';
import type { TimelineOptions } from './timeline/options.js';
import type { Timeline } from './timeline/timeline.js';

export type { ExportOptions } from './metrics/exposition/export.js';
export type { MonitorSnapshot, SnapshotOptions } from './monitor-snapshot.js';
export type { RecordBatchIssue, RecordBatchResult } from './metrics/seed-records.js';

/**
 * One monitor owns its metrics, recorder, timers and storage: nothing is global, so two
 * monitors (or two test cases) never share state. Create it with {@link createMonitor}. It
 * starts at its first use (a record, a read, a rule, a timer a part asks for): created at module
 * scope it arms no timer and draws no random value, which edge runtimes refuse there.
 *
 * The monitor wires its parts and runs their lifecycle; each call goes to the part that owns it.
 * What the calls do is documented with the part: {@link MonitorEventApi} (events),
 * {@link MetricDefinitionApi} (metrics), {@link SeedRecordApi} (the seeds' records),
 * {@link MonitorReadApi} (aggregates, snapshot, exposition), {@link MonitorAnalysisApi}
 * (timelines, SLA, time series, reports) and {@link MonitorLifecycleApi} (flush, idle, close).
 */
export class Monitor implements MonitorEventApi, MetricDefinitionApi, SeedRecordApi, MonitorReadApi, MonitorAnalysisApi, MonitorLifecycleApi {
  /** The service name written on every rollup. */
  readonly service: string;
  /** The store (rollups, alerts, leases, dead letters): the `storage` option, completed in memory for the roles it does not play. */
  readonly storage: MonitorStore;
  /** The clock every timer and timestamp comes from. */
  readonly clock: Clock;
  /** The resolved options (defaults applied), frozen. */
  readonly options: Readonly<ResolvedMonitorOptions>;
  /** The alert rule engine: rules, active alerts, acknowledge, resolve, history. */
  readonly alerts: AlertEngine;
  /** The health-check registry: register checks, then `check()`. */
  readonly health: HealthRegistry;
  /** Creates a named circuit breaker around `fn`, with metrics, events and a health view. */
  readonly circuitBreaker: BreakerRegistry['create'];
  /** Delivers notifications to the configured channels. */
  readonly notifications: NotificationDispatcher;
  /** The in-process job runner: job types, enqueue, dead letters, baselines, bottlenecks (docs/jobs.md). */
  readonly jobs: Jobs;
  /**
   * @internal The clock the monitor's parts arm their timers on: an integration that owns timers
   * (`systemMonitor`) arms its own here, so `idle()` waits for their work.
   */
  readonly timers: Clock;
  /** @internal What modules layered over the monitor (a cluster primary) add to its reads and scrapes. */
  readonly extensions: MonitorExtensions;

  private readonly diagnostics: Diagnostics<MonitorEvents>;
  private readonly pipeline: MetricPipeline;
  private readonly records: SeedRecords;
  private readonly reads: MonitorReads;
  private readonly breakerRegistry: BreakerRegistry;
  private readonly lifecycle: Lifecycle;
  private readonly analysis: MonitorAnalysis;

  /** Use {@link createMonitor}. */
  constructor(options: ResolvedMonitorOptions) {
    this.options = Object.freeze(options);
    const { service, limits } = options;
    this.service = service;
    const clock = (this.clock = options.clock ?? systemClock);
    // For the snapshot's uptime; reading the time is allowed anywhere, timers and random values are not.
    const createdAt = clock.now();
    const reporter = (this.diagnostics = new Diagnostics<MonitorEvents>({ now: () => clock.now(), strict: options.strict, logger: options.logger }));
    const start = (): void => this.start();
    // The parts get a clock that holds their timers until the first use (see DeferredClock).
    const timers = (this.timers = new DeferredClock(clock, start));
    const { storage, owned } = monitorStorage(options.storage, () => clock.now());
    this.storage = storage;
    const { instanceId, histogram, flush } = options;
    const pipeline = (this.pipeline = new MetricPipeline({ service, instanceId, histogram, flush, limits }, { clock: timers, storage, reporter, start }));
    reporter.countDropsIn(pipeline.dropped);
    const { registry, recorded, sources } = pipeline;
    this.records = new SeedRecords({ registry, recorded, reporter, clock: timers, maxIssues: limits.maxIssues, start });
    const capabilities = createCapabilities({ clock: timers, service, storage, pipeline, reporter }, options);
    ({ notifications: this.notifications, alerts: this.alerts, health: this.health, breakers: this.breakerRegistry, jobs: this.jobs } = capabilities);
    const { timelines, sla } = capabilities;
    this.circuitBreaker = this.breakerRegistry.create.bind(this.breakerRegistry);
    const settings = { requestMetric: options.snapshot.requestMetric, window: options.snapshot.window, maxSeries: limits.maxSnapshotSeries };
    const activeAlerts = () => this.alerts.getActiveAlerts();
    this.reads = new MonitorReads({ registry, sources, service, startedAt: createdAt, settings, reporter, start, activeAlerts, breakers: () => this.breakers() });
    this.extensions = this.reads.extensions;
    this.analysis = new MonitorAnalysis({ sources, timelines, sla, start, beforeRead: () => this.extensions.beforeRead() });
    this.lifecycle = new Lifecycle({
      clock,
      timers,
      pipeline,
      diagnostics: reporter,
      closeTimeout: flush.closeTimeout,
      stopBreakers: () => this.breakerRegistry.close(),
      stopAlerts: () => {
        timelines.close();
        return this.alerts.stop();
      },
      closeNotifications: (ms, graceMs) => this.notifications.close(ms, graceMs),
      closeStorage: owned === undefined ? undefined : () => owned.close(),
    });
    // Running jobs finish (within the jobs' own bound) and waiting ones become dead letters before the last write.
    this.lifecycle.onClose(() => this.jobs.close());
    timers.ready();
  }

  /** This process among the instances of the service (the `instanceId` option, or one generated on first read): see docs/fleet.md. */
  get instanceId(): string {
    return this.pipeline.instanceId;
  }

  // ---- events, metrics and reads: the interfaces the class implements document each call ----

  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.diagnostics.on(event, listener);
  }
  once<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.diagnostics.on(event, listener, true);
  }
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void {
    this.diagnostics.off(event, listener);
  }

  counter<const Name extends string = never>(options: CounterOptions<Name>): Counter<Name> {
    return this.pipeline.registry.counter(options);
  }
  gauge<const Name extends string = never>(options: GaugeOptions<Name>): Gauge<Name> {
    return this.pipeline.registry.gauge(options);
  }
  histogram<const Name extends string = never>(options: HistogramOptions<Name>): Histogram<Name> {
    return this.pipeline.registry.histogram(options);
  }
  getMetric(name: string): AnyMetric | undefined {
    return this.pipeline.registry.get(name);
  }
  getMetrics(): AnyMetric[] {
    return [...this.pipeline.registry.all()];
  }

  timeline(name: string, options: TimelineOptions): Timeline {
    return this.analysis.timeline(name, options);
  }
  getTimelines(): Timeline[] {
    return this.analysis.getTimelines();
  }
  slaReport(query: SlaQuery = {}): Promise<SlaReport> {
    return this.analysis.slaReport(query);
  }
  getTimeSeries(query: TimeSeriesQuery): Promise<TimeSeries> {
    return this.analysis.getTimeSeries(query);
  }
  generatePerformanceReport(query: PerformanceReportQuery = {}): Promise<PerformanceReport> {
    return this.analysis.generatePerformanceReport(query);
  }

  recordMetric(input: MetricRecordInput): void {
    this.records.recordMetric(input);
  }
  recordMetrics(inputs: readonly MetricRecordInput[]): RecordBatchResult {
    return this.records.recordMetrics(inputs);
  }
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    this.records.recordJobExecution(jobId, success, durationMs, metadata);
  }
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    return this.records.withPerformanceTracking(fn, options);
  }

  getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics> {
    return this.reads.getAggregatedMetrics(query);
  }
  snapshot(options: SnapshotOptions = {}): Promise<MonitorSnapshot> {
    return this.reads.snapshot(options);
  }
  exportPrometheusMetrics(options: ExportOptions = {}): string {
    return this.reads.exportPrometheusMetrics(options);
  }
  scrape(options: ExportOptions = {}): Promise<string> {
    return this.reads.scrape(options);
  }

  /** Every circuit breaker of this monitor, with its state and stats (computed now). */
  breakers(): BreakerStats[] {
    return this.breakerRegistry.list();
  }

  /** The circuit breaker called `name`, if created. */
  breaker(name: string): ReturnType<BreakerRegistry['get']> {
    return this.breakerRegistry.get(name);
  }

  // ---- lifecycle: MonitorLifecycleApi documents each call ----

  onClose(fn: () => void | Promise<void>): () => void {
    return this.lifecycle.onClose(fn);
  }
  get bufferedRollups(): number {
    return this.pipeline.recorder.buffered;
  }
  idle(): Promise<void> {
    return this.lifecycle.idle();
  }
  async flush(): Promise<void> {
    this.start();
    await this.pipeline.flush();
  }
  close(): Promise<void> {
    return this.lifecycle.close();
  }
  reportError(error: unknown): void {
    this.diagnostics.fail(error);
  }

  /** The first use starts the monitor (see {@link Lifecycle.start}); never throws. */
  private start(): void {
    this.lifecycle?.start();
  }
}

/** Creates a monitor. Throws a {@link ConfigError} naming the option if `options` is invalid. */
export function createMonitor(options: MonitorOptions = {}): Monitor {
  // Monitor freezes its own (shallow) copy; parseOptions' frozen object is replaced by a mutable spread.
  return new Monitor({ ...parseOptions(monitorOptionsSchema, options, 'invalid monitor options') });
}
