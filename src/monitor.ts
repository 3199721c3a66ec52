import { systemClock, type Clock } from './core/clock.js';
import { DeferredClock } from './core/deferred-clock.js';
import { Diagnostics } from './core/diagnostics.js';
import { parseOptions } from './core/options.js';
import type { MonitorEvents } from './monitor-events.js';
import type { AlertEngine } from './alerts/engine.js';
import type { HealthRegistry } from './health/registry.js';
import type { NotificationDispatcher } from './notifiers/dispatcher.js';
import type { BreakerRegistry } from './resilience/breaker-registry.js';
import { createCapabilities } from './monitor-capabilities.js';
import type { BreakerStats } from './resilience/types.js';
import { aggregate, type AggregateQuery, type AggregatedMetrics } from './metrics/aggregate.js';
import type { Counter } from './metrics/counter.js';
import type { Gauge } from './metrics/gauge.js';
import type { Histogram } from './metrics/histogram.js';
import { exportMetrics, type ExportOptions } from './metrics/exposition/export.js';
import type { CounterOptions, GaugeOptions, HistogramOptions } from './metrics/options.js';
import type { PerformanceTrackingOptions } from './metrics/performance-tracking.js';
import { MetricPipeline } from './metrics/pipeline.js';
import type { MetricRecord, MetricRecordInput } from './metrics/record-metric.js';
import type { MetricRegistry, AnyMetric } from './metrics/registry.js';
import { SeedRecords, type RecordBatchResult } from './metrics/seed-records.js';
import type { ValidationIssue } from './core/errors.js';
import { monitorOptionsSchema, type MonitorOptions, type ResolvedMonitorOptions } from './monitor-options.js';
import { MonitorExtensions } from './monitor-extensions.js';
import { snapshotView, type MonitorSnapshot, type SnapshotOptions } from './monitor-snapshot.js';
import type { StorageAdapter } from './storage/contract.js';
import { MemoryStorage } from './storage/memory/memory-storage.js';
import type { CLOSE_GRACE_MS } from './monitor-close.js';
import { Lifecycle } from './monitor-lifecycle.js';

export type { ExportOptions } from './metrics/exposition/export.js';
export type { MonitorSnapshot, SnapshotOptions } from './monitor-snapshot.js';
export type { RecordBatchIssue, RecordBatchResult } from './metrics/seed-records.js';

/**
 * One monitor owns its metrics, recorder, timers and storage: nothing is global, so two
 * monitors (or two test cases) never share state. Create it with {@link createMonitor}. It
 * starts at its first use (a record, a read, a rule, a timer a part asks for): created at module
 * scope it arms no timer and draws no random value, which edge runtimes refuse there.
 */
export class Monitor {
  /** The service name written on every rollup. */
  readonly service: string;
  /** Where rollups are written. */
  readonly storage: StorageAdapter;
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
  /** @internal What modules layered over the monitor (a cluster primary) add to its reads and scrapes. */
  readonly extensions: MonitorExtensions;

  private readonly diagnostics: Diagnostics<MonitorEvents>;
  private readonly pipeline: MetricPipeline;
  private readonly registry: MetricRegistry;
  private readonly records: SeedRecords;
  private readonly breakerRegistry: BreakerRegistry;
  private readonly lifecycle: Lifecycle;
  /** For the snapshot's uptime; reading the time is allowed anywhere, timers and random values are not. */
  private readonly createdAt: number;

  /** Use {@link createMonitor}. */
  constructor(options: ResolvedMonitorOptions) {
    this.options = Object.freeze(options);
    this.service = options.service;
    const clock = (this.clock = options.clock ?? systemClock);
    this.createdAt = clock.now();
    this.diagnostics = new Diagnostics<MonitorEvents>({ now: () => clock.now(), strict: options.strict, logger: options.logger });
    const reporter = this.diagnostics;
    // The parts get a clock that holds their timers until the first use (see DeferredClock).
    const timers = new DeferredClock(clock, () => this.start());
    const ownsStorage = options.storage === undefined;
    this.storage = options.storage ?? new MemoryStorage({ now: () => clock.now() });
    this.pipeline = new MetricPipeline(
      { service: this.service, instanceId: options.instanceId, histogram: options.histogram, flush: options.flush, limits: options.limits },
      { clock: timers, storage: this.storage, reporter, start: () => this.start() },
    );
    this.registry = this.pipeline.registry;
    this.diagnostics.countDropsIn(this.pipeline.dropped);
    this.records = new SeedRecords({ registry: this.registry, recorded: this.pipeline.recorded, reporter, clock: timers, maxIssues: options.limits.maxIssues });
    const capabilities = createCapabilities({ clock: timers, service: this.service, storage: this.storage, pipeline: this.pipeline, reporter }, options);
    ({ notifications: this.notifications, alerts: this.alerts, health: this.health, breakers: this.breakerRegistry } = capabilities);
    this.circuitBreaker = this.breakerRegistry.create.bind(this.breakerRegistry);
    this.extensions = new MonitorExtensions((o) => this.exportPrometheusMetrics(o), (error) => reporter.fail(error));
    this.lifecycle = new Lifecycle({
      clock,
      timers,
      pipeline: this.pipeline,
      diagnostics: this.diagnostics,
      closeTimeout: options.flush.closeTimeout,
      stopBreakers: () => this.breakerRegistry.close(),
      stopAlerts: () => this.alerts.stop(),
      closeNotifications: (ms, graceMs) => this.notifications.close(ms, graceMs),
      closeStorage: ownsStorage ? () => this.storage.close() : undefined,
    });
    timers.ready();
  }

  /** This process among the instances of the service (the `instanceId` option, or one generated on first read): see docs/fleet.md. */
  get instanceId(): string {
    return this.pipeline.instanceId;
  }

  // ---- events -------------------------------------------------------------------------------

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.diagnostics.on(event, listener);
  }

  /** Subscribes for the next occurrence only; returns a function that unsubscribes. */
  once<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.diagnostics.on(event, listener, true);
  }

  /** Removes a listener added with {@link Monitor.on} or {@link Monitor.once}. */
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void {
    this.diagnostics.off(event, listener);
  }

  // ---- metrics ------------------------------------------------------------------------------

  /** Defines (or returns the identical existing) counter. Throws {@link ConfigError} on a bad definition. */
  counter<const Name extends string = never>(options: CounterOptions<Name>): Counter<Name> {
    return this.registry.counter(options);
  }

  /** Defines (or returns the identical existing) gauge. */
  gauge<const Name extends string = never>(options: GaugeOptions<Name>): Gauge<Name> {
    return this.registry.gauge(options);
  }

  /** Defines (or returns the identical existing) histogram. */
  histogram<const Name extends string = never>(options: HistogramOptions<Name>): Histogram<Name> {
    return this.registry.histogram(options);
  }

  /** The metric called `name`, if defined. */
  getMetric(name: string): AnyMetric | undefined {
    return this.registry.get(name);
  }

  /**
   * Records a seed-style metric (`metricType`, `value`, `unit`, `tags`, `timestamp`) into a
   * histogram named after the metricType. Invalid input is dropped and emitted as a
   * {@link ValidationError} naming the field (thrown instead in strict mode). Records past the
   * bounds (`limits.maxRecordedMetrics`, `maxRecordAge`, `maxClockSkew`, the series limit) are
   * dropped and counted: see docs/metrics.md.
   */
  recordMetric(input: MetricRecordInput): void {
    this.start();
    this.records.record(input);
  }

  /**
   * Records a batch of seed-style records (seed 003's POST body, what `POST /metrics` takes) all
   * or none: every record is validated first, as `recordMetric` would, and the batch is recorded
   * only when none has an issue. Returns how many were recorded and the issues, each with its
   * record's index (at most `limits.maxIssues` listed). Never throws, in strict mode too.
   */
  recordMetrics(inputs: readonly MetricRecordInput[]): RecordBatchResult {
    this.start();
    return this.records.recordBatch(inputs);
  }

  /** @internal A record {@link parseMetricRecord} produced, recorded as `recordMetric` would. */
  recordParsed(record: MetricRecord): void {
    this.start();
    this.records.recordParsed(record);
  }

  /** @internal The issues `recordMetric` would drop a parsed `record` for, recording nothing (see `RecordedMetrics.issues`). */
  recordIssues(record: MetricRecord, batch: Map<string, string | undefined>): ValidationIssue[] {
    return this.records.issues(record, batch);
  }

  /**
   * Records one job run (seed 000): `job_executions_total{job,status}` and
   * `job_duration_seconds{job,status}` (the duration is given in ms and stored in seconds, the
   * Prometheus base unit). Invalid arguments, whatever a JavaScript caller passes, are dropped
   * and reported as a {@link ValidationError} naming them (thrown instead in strict mode).
   */
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    this.start();
    this.records.job(jobId, success, durationMs, metadata);
  }

  /** Wraps `fn` to record each call's duration in `<name>_duration_seconds` with a `success` label (seed 002). */
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    return this.records.track(fn, options);
  }

  /** Count, sum, min, max, mean, p50..p999 and rate of a metric over a window (default 5 minutes). */
  async getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics> {
    this.start();
    await this.extensions.beforeRead();
    return aggregate(this.pipeline.sources, query);
  }

  /**
   * JSON in the shape of seed 000's GET /api/metrics, over the fleet's data in the
   * `snapshot.window`: this process's memory, its rollups waiting to be written and every
   * instance's stored rollups (one store read per metric shown). A store that cannot be read
   * gives a snapshot of this process's data and an `error` event; options that cannot be read
   * are ignored and reported (rejected in strict mode).
   */
  async snapshot(options: SnapshotOptions = {}): Promise<MonitorSnapshot> {
    this.start();
    await this.extensions.beforeRead();
    const { snapshot, limits } = this.options;
    return snapshotView(
      {
        sources: this.pipeline.sources,
        service: this.service,
        startedAt: this.createdAt,
        settings: { requestMetric: snapshot.requestMetric, window: snapshot.window, maxSeries: limits.maxSnapshotSeries },
        reporter: this.diagnostics,
        activeAlerts: () => this.alerts.getActiveAlerts(),
        breakers: () => this.breakers(),
      },
      options,
    );
  }

  /** Every metric in the Prometheus text format 0.0.4 (default) or OpenMetrics 1.0. */
  exportPrometheusMetrics(options: ExportOptions = {}): string {
    this.start();
    return exportMetrics(this.registry, options, this.diagnostics);
  }

  /** Every circuit breaker of this monitor, with its state and stats (computed now). */
  breakers(): BreakerStats[] {
    return this.breakerRegistry.list();
  }

  /** The circuit breaker called `name`, if created. */
  breaker(name: string): ReturnType<BreakerRegistry['get']> {
    return this.breakerRegistry.get(name);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /**
   * Runs `fn` when the monitor closes, after its last slot is closed and while its rollups are
   * written (for integrations that own timers, such as `systemMonitor`), before the notification
   * queues drain. Returns a function that unregisters it. A hook that throws is reported on
   * `error` and does not stop the close; one still pending after `flush.closeTimeout` is
   * abandoned (and named in a `TimeoutError` on `error`).
   */
  onClose(fn: () => void | Promise<void>): () => void {
    return this.lifecycle.onClose(fn);
  }

  /** Rollups accepted and not yet written to storage. */
  get bufferedRollups(): number {
    return this.pipeline.recorder.buffered;
  }

  /** Closes the current slot now and writes every pending rollup. Never rejects; failures go to `error`. */
  async flush(): Promise<void> {
    this.start();
    await this.pipeline.flush();
  }

  /**
   * Stops the timers, closes the current slot, runs the `onClose` hooks and writes everything
   * accepted before the call, retrying failed writes, all within `flush.closeTimeout`; closes
   * storage the monitor created. Always settles within `flush.closeTimeout` plus
   * {@link CLOSE_GRACE_MS} (1 s), whatever a hook, a channel, a notifier or the store does: what
   * could not finish is abandoned and reported (`dropped` with reason `shutdown`, and a
   * `TimeoutError` on `error` naming what still hung). What nobody listened for is logged once. Never rejects.
   */
  close(): Promise<void> {
    return this.lifecycle.close();
  }

  /**
   * @internal Emits `error` for a failure in pulsewatch's own work done outside the monitor (an
   * HTTP route that failed, a cluster worker). Never throws.
   */
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
