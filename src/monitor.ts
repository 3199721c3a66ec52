import type { Clock } from './core/clock.js';
import { parseOptions } from './core/options.js';
import type { MonitorEventApi, MonitorEvents } from './monitor-events.js';
import type { AlertEngine } from './alerts/engine.js';
import type { HealthRegistry } from './health/registry.js';
import type { Jobs } from './jobs/jobs.js';
import type { NotificationDispatcher } from './notifiers/dispatcher.js';
import type { BreakerRegistry } from './resilience/breaker-registry.js';
import type { BreakerStats } from './resilience/types.js';
import type { AggregateQuery, AggregatedMetrics } from './metrics/aggregate.js';
import type { Counter } from './metrics/counter.js';
import type { Gauge } from './metrics/gauge.js';
import type { Histogram } from './metrics/histogram.js';
import type { ExportOptions } from './metrics/exposition/export.js';
import type { CounterOptions, GaugeOptions, HistogramOptions } from './metrics/options.js';
import type { PerformanceTrackingOptions } from './metrics/performance-tracking.js';
import type { MetricRecordInput } from './metrics/record-metric.js';
import type { MetricDefinitionApi } from './metrics/definition-api.js';
import type { AnyMetric } from './metrics/registry.js';
import type { RecordBatchResult, SeedRecordApi } from './metrics/seed-records.js';
import { monitorOptionsSchema, type MonitorOptions, type MonitorStore, type ResolvedMonitorOptions } from './monitor-options.js';
import type { MonitorExtensions } from './monitor-extensions.js';
import type { MonitorReadApi, MonitorSnapshot, SnapshotOptions } from './monitor-snapshot.js';
import type { MonitorLifecycleApi } from './monitor-lifecycle-api.js';
import type { MonitorAnalysisApi } from './monitor-analysis.js';
import { wireMonitor, type MonitorParts } from './monitor-wiring.js';
import type { TimeSeries, TimeSeriesQuery } from './metrics/time-series.js';
import type { PerformanceReport, PerformanceReportQuery } from './reports/performance-report.js';
import type { SlaQuery } from './sla/options.js';
import type { SlaReport } from './sla/types.js';
import type { TimelineOptions } from './timeline/options.js';
import type { Timeline } from './timeline/timeline.js';

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

  private readonly parts: MonitorParts;

  /** Use {@link createMonitor}. */
  constructor(options: ResolvedMonitorOptions) {
    this.options = Object.freeze(options);
    this.service = options.service;
    // Parts call the first-use hook while they are built too: it waits for the lifecycle.
    const parts = (this.parts = wireMonitor(options, () => this.start()));
    ({ clock: this.clock, timers: this.timers, storage: this.storage, alerts: this.alerts, health: this.health, notifications: this.notifications, jobs: this.jobs } = parts);
    this.extensions = parts.reads.extensions;
    this.circuitBreaker = parts.breakers.create.bind(parts.breakers);
    parts.timers.ready();
  }

  /** This process among the instances of the service (the `instanceId` option, or one generated on first read): see docs/fleet.md. */
  get instanceId(): string {
    return this.parts.pipeline.instanceId;
  }

  // Events, metrics, reads, analysis and lifecycle: the interfaces the class implements document each call.
  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.parts.diagnostics.on(event, listener);
  }
  once<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.parts.diagnostics.on(event, listener, true);
  }
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void {
    this.parts.diagnostics.off(event, listener);
  }

  counter<const Name extends string = never>(options: CounterOptions<Name>): Counter<Name> {
    return this.parts.pipeline.registry.counter(options);
  }
  gauge<const Name extends string = never>(options: GaugeOptions<Name>): Gauge<Name> {
    return this.parts.pipeline.registry.gauge(options);
  }
  histogram<const Name extends string = never>(options: HistogramOptions<Name>): Histogram<Name> {
    return this.parts.pipeline.registry.histogram(options);
  }
  getMetric(name: string): AnyMetric | undefined {
    return this.parts.pipeline.registry.get(name);
  }
  getMetrics(): AnyMetric[] {
    return [...this.parts.pipeline.registry.all()];
  }

  timeline(name: string, options: TimelineOptions): Timeline {
    return this.parts.analysis.timeline(name, options);
  }
  getTimelines(): Timeline[] {
    return this.parts.analysis.getTimelines();
  }
  slaReport(query: SlaQuery = {}): Promise<SlaReport> {
    return this.parts.analysis.slaReport(query);
  }
  getTimeSeries(query: TimeSeriesQuery): Promise<TimeSeries> {
    return this.parts.analysis.getTimeSeries(query);
  }
  generatePerformanceReport(query: PerformanceReportQuery = {}): Promise<PerformanceReport> {
    return this.parts.analysis.generatePerformanceReport(query);
  }

  recordMetric(input: MetricRecordInput): void {
    this.parts.records.recordMetric(input);
  }
  recordMetrics(inputs: readonly MetricRecordInput[]): RecordBatchResult {
    return this.parts.records.recordMetrics(inputs);
  }
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    this.parts.records.recordJobExecution(jobId, success, durationMs, metadata);
  }
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    return this.parts.records.withPerformanceTracking(fn, options);
  }

  getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics> {
    return this.parts.reads.getAggregatedMetrics(query);
  }
  snapshot(options: SnapshotOptions = {}): Promise<MonitorSnapshot> {
    return this.parts.reads.snapshot(options);
  }
  exportPrometheusMetrics(options: ExportOptions = {}): string {
    return this.parts.reads.exportPrometheusMetrics(options);
  }
  scrape(options: ExportOptions = {}): Promise<string> {
    return this.parts.reads.scrape(options);
  }

  /** Every circuit breaker of this monitor, with its state and stats (computed now). */
  breakers(): BreakerStats[] {
    return this.parts.breakers.list();
  }
  /** The circuit breaker called `name`, if created. */
  breaker(name: string): ReturnType<BreakerRegistry['get']> {
    return this.parts.breakers.get(name);
  }
  onClose(fn: () => void | Promise<void>): () => void {
    return this.parts.lifecycle.onClose(fn);
  }
  get bufferedRollups(): number {
    return this.parts.pipeline.recorder.buffered;
  }
  idle(): Promise<void> {
    return this.parts.lifecycle.idle();
  }
  async flush(): Promise<void> {
    this.start();
    await this.parts.pipeline.flush();
  }
  close(): Promise<void> {
    return this.parts.lifecycle.close();
  }
  reportError(error: unknown): void {
    this.parts.diagnostics.fail(error);
  }

  /** The first use starts the monitor (monitor-lifecycle.ts); never throws. `parts` is undefined while they are built: the DeferredClock holds their timers until ready(). */
  private start(): void {
    this.parts?.lifecycle.start();
  }
}

/** Creates a monitor. Throws a {@link ConfigError} naming the option if `options` is invalid. */
export function createMonitor(options: MonitorOptions = {}): Monitor {
  // Monitor freezes its own (shallow) copy; parseOptions' frozen object is replaced by a mutable spread.
  return new Monitor({ ...parseOptions(monitorOptionsSchema, options, 'invalid monitor options') });
}
