import { scheduleAligned, systemClock, type Clock } from './core/clock.js';
import { CardinalityError, ConfigError, PulsewatchError, ValidationError, isPulsewatchError, type ValidationIssue } from './core/errors.js';
import type { DropReason } from './core/events.js';
import { parseOptions } from './core/options.js';
import type { MonitorEvents } from './monitor-events.js';
import { AlertEngine } from './alerts/engine.js';
import type { CapabilityContext } from './capability.js';
import { HealthRegistry } from './health/registry.js';
import { NotificationDispatcher } from './notifiers/dispatcher.js';
import { BreakerRegistry } from './resilience/breaker-registry.js';
import type { BreakerStats } from './resilience/types.js';
import { aggregate, type AggregateQuery, type AggregatedMetrics } from './metrics/aggregate.js';
import { reportable, type MetricContext } from './metrics/context.js';
import type { Counter } from './metrics/counter.js';
import type { Gauge } from './metrics/gauge.js';
import { HdrCodec } from './metrics/hdr-codec.js';
import type { Histogram } from './metrics/histogram.js';
import { renderMetrics } from './metrics/exposition/render.js';
import type { ExpositionFormat } from './metrics/exposition/format.js';
import { type CounterOptions, type GaugeOptions, type HistogramOptions } from './metrics/options.js';
import { trackPerformance, type PerformanceTrackingOptions } from './metrics/performance-tracking.js';
import { parseMetricRecord, type MetricRecord, type MetricRecordInput } from './metrics/record-metric.js';
import { RecordedMetrics } from './metrics/recorded-metrics.js';
import { Recorder } from './metrics/recorder.js';
import { MetricRegistry, type AnyMetric } from './metrics/registry.js';
import { buildSnapshot, type MetricsSnapshot } from './metrics/snapshot.js';
import { jobRun } from './metrics/job-run.js';
import type { WindowQuerySources } from './metrics/window-query.js';
import { DecodedHistograms } from './metrics/window-query-decode.js';
import { monitorOptionsSchema, type MonitorOptions, type ResolvedMonitorOptions } from './monitor-options.js';
import type { StorageAdapter } from './storage/contract.js';
import { MemoryStorage } from './storage/memory.js';
import { createRollupStamps, type RollupStamps } from './storage/instance.js';
import { CLOSE_GRACE_MS, closeWithin } from './monitor-close.js';
import { EventHub } from './event-hub.js';


/** Options of {@link Monitor.exportPrometheusMetrics}. */
export interface ExportOptions {
  /** `'prometheus'` (text 0.0.4, default) or `'openmetrics'` (1.0). */
  format?: ExpositionFormat;
  /** Only metrics with these names (all when absent, or not a list). */
  names?: readonly string[];
}

/** Options of {@link Monitor.snapshot}; a filter of another type (or `null` options) is ignored. */
export interface SnapshotOptions {
  /** Only this job in `jobs` (seed 000's `?jobId=`). */
  jobId?: string;
  /** Only histograms with these names in `performance` (all when absent). */
  names?: readonly string[];
}

/** `monitor.snapshot()`: seed 000's /api/metrics shape, plus the monitor's circuit breakers. */
export interface MonitorSnapshot extends MetricsSnapshot {
  /** Every circuit breaker with its state and stats. */
  breakers: BreakerStats[];
}

/**
 * One monitor owns its metrics, recorder, timers and storage: nothing is global, so two
 * monitors (or two test cases) never share state. Create it with {@link createMonitor}.
 */
export class Monitor {
  /** The service name written on every rollup. */
  readonly service: string;
  /** This process among the instances of the service (the `instanceId` option, or a generated one): see docs/fleet.md. */
  readonly instanceId: string;
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

  private readonly events: EventHub;
  private readonly registry: MetricRegistry;
  private readonly ctx: MetricContext;
  private readonly recorder: Recorder;
  private readonly breakerRegistry: BreakerRegistry;
  private readonly ownsStorage: boolean;
  private readonly startedAt: number;
  private readonly stopTimers: (() => void)[] = [];
  private readonly dropped: Counter<'reason'>;
  private readonly folded: Counter<'metric'>;
  /** The histograms `recordMetric` defines, and the bounds on what records may do. */
  private readonly recorded: RecordedMetrics;
  /** The `instance` stamped on each rollup: the instanceId, suffixed where a slot is written twice. */
  private readonly stamps: RollupStamps;
  private lastSweep: number;
  private closing: Promise<void> | undefined;
  private readonly closeHooks = new Set<() => void | Promise<void>>();

  /** Use {@link createMonitor}. */
  constructor(options: ResolvedMonitorOptions) {
    this.options = Object.freeze(options);
    this.service = options.service;
    this.clock = options.clock ?? systemClock;
    const clock = this.clock;
    this.events = new EventHub(() => clock.now());
    this.ownsStorage = options.storage === undefined;
    this.storage = options.storage ?? new MemoryStorage({ now: () => clock.now() });
    this.startedAt = clock.now();
    this.lastSweep = this.startedAt;
    const slotLength = options.histogram.slotLength;
    this.stamps = createRollupStamps(options.instanceId, this.startedAt, slotLength);
    this.instanceId = this.stamps.instanceId;
    this.ctx = {
      clock,
      strict: options.strict,
      slotStart: Math.floor(this.startedAt / slotLength) * slotLength,
      slotLength,
      slotCount: options.histogram.slots,
      seriesLimit: options.limits.maxSeriesPerMetric,
      seriesBounds: {
        budget: { used: 0, max: options.limits.maxTotalSeries },
        maxLabelSetLength: options.limits.maxLabelSetLength,
        maxLabels: options.limits.maxLabelsPerSeries,
      },
      codec: new HdrCodec(),
      histogramDigits: options.histogram.significantDigits,
      // Window reads tell this monitor's rollups from other instances' and see what is not written yet.
      fleet: { stamps: this.stamps, pendingRollups: () => this.recorder.pendingRollups(), decoded: new DecodedHistograms() },
      invalidValue: (metric, value, reason) => this.invalid(metric, reportable(value), reason),
      seriesFolded: (metric, limit, first) => this.seriesFolded(metric, limit, first),
      invalidLabels: (metric, labels, reason) => this.invalid(metric, reportable(labels), reason),
    };
    this.registry = new MetricRegistry(this.ctx, { maxMetrics: options.limits.maxMetrics });
    this.recorded = new RecordedMetrics({
      registry: this.registry,
      ctx: this.ctx,
      service: this.service,
      lateInstance: () => this.stamps.late(),
      limits: options.limits,
      addLate: (rollups) => this.recorder.addLate(rollups),
      lateRoom: () => this.recorder.lateRoom,
      invalid: (error) => this.report(error),
      dropped: (reason, error) => {
        this.dropped.inc({ reason });
        this.emitSafely('dropped', [{ reason, count: 1 }]);
        if (error !== undefined) this.report(error, false);
      },
      recorded: (event) => this.emitSafely('metricRecorded', [event]),
    });
    // Rollups of late records get their own share of the buffer: they never displace current ones.
    const maxLate = Math.floor(options.flush.maxBuffered * options.limits.lateBufferShare);
    this.recorder = new Recorder(this.storage, clock, { ...options.flush, maxLate }, {
      flushed: (rollups, batches, durationMs) => this.emitSafely('flushed', [{ rollups, batches, durationMs }]),
      dropped: (reason, count) => this.drop(reason, count),
      failed: (error) => this.emitSafely('error', [error]),
      // The hooks above never throw (emitSafely); this only keeps the recorder from rethrowing.
      hookFailed: (error) => this.reportError(error),
    });
    this.dropped = this.registry.counter({
      name: 'pulsewatch_dropped_total',
      help: 'Values and rollups pulsewatch dropped, by reason',
      labelNames: ['reason'],
    });
    this.folded = this.registry.counter({
      name: 'pulsewatch_series_overflow_total',
      help: 'Recordings folded into a metric overflow series because it reached its series limit',
      labelNames: ['metric'],
    });
    this.registry.gauge({
      name: 'pulsewatch_buffered_rollups',
      help: 'Rollups accepted and not yet written to storage',
      collect: () => this.recorder.buffered,
    });
    const capability: CapabilityContext = {
      clock,
      service: this.service,
      storage: this.storage,
      metrics: this.registry,
      metricContext: this.ctx,
      emit: (event, ...args) => this.emitSafely(event, args),
      report: (error) => this.emitSafely('error', [error]),
      drop: (reason, count) => this.drop(reason, count),
      aggregate: (query) => this.getAggregatedMetrics(query),
    };
    this.notifications = new NotificationDispatcher(capability, options.notifiers, options.notifications);
    this.alerts = new AlertEngine(capability, this.notifications, options.alerts, { maxRules: options.limits.maxRules, maxAlertsPerRule: options.limits.maxAlertsPerRule });
    this.health = new HealthRegistry(capability);
    this.breakerRegistry = new BreakerRegistry(capability);
    this.circuitBreaker = this.breakerRegistry.create.bind(this.breakerRegistry);
    this.stopTimers.push(scheduleAligned(clock, slotLength, (at) => this.closeSlot(at, true)));
    this.stopTimers.push(
      scheduleAligned(clock, options.flush.interval, (at) => {
        // Timers due at the same instant may fire in either order: close a due slot first so
        // the flush writes it now, not one interval later.
        if (at >= this.ctx.slotStart + slotLength) this.closeSlot(Math.floor(at / slotLength) * slotLength, true);
        void this.recorder.flush();
      }),
    );
  }

  // ---- events -------------------------------------------------------------------------------

  /** Subscribes to an event; returns a function that unsubscribes. */
  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  /** Subscribes for the next occurrence only; returns a function that unsubscribes. */
  once<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): () => void {
    return this.events.on(event, listener, true);
  }

  /** Removes a listener added with {@link Monitor.on} or {@link Monitor.once}. */
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void {
    this.events.off(event, listener);
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
   * {@link ValidationError} naming the field (thrown instead in strict mode).
   */
  recordMetric(input: MetricRecordInput): void {
    let record: MetricRecord;
    try {
      record = parseMetricRecord(input);
    } catch (error) {
      this.report(error);
      return;
    }
    this.recordParsed(record);
  }

  /**
   * @internal Records a record {@link parseMetricRecord} produced (the HTTP route has parsed it
   * already). The histogram of a metricType is defined on its first record only: its unit, and
   * so its whole definition, is fixed from then on. Records past the bounds
   * (`limits.maxRecordedMetrics`, `maxRecordAge`, `maxClockSkew`, the series limit) are dropped
   * and counted: see docs/metrics.md.
   */
  recordParsed(record: MetricRecord): void {
    this.recorded.record(record);
  }

  /**
   * @internal The issues `recordMetric` would drop a parsed `record` for, without recording
   * anything (a unit other than the one its metricType keeps, a name taken by another metric, a
   * new name past the metric limits, a timestamp out of range). `batch` carries the new names of
   * earlier records of the same batch with their units, and is updated.
   */
  recordIssues(record: MetricRecord, batch: Map<string, string | undefined>): ValidationIssue[] {
    return this.recorded.issues(record, batch);
  }

  /**
   * Records one job run (seed 000): `job_executions_total{job,status}` and
   * `job_duration_seconds{job,status}` (the duration is given in ms and stored in seconds, the
   * Prometheus base unit). Invalid arguments, whatever a JavaScript caller passes, are dropped
   * and reported as a {@link ValidationError} naming them (thrown instead in strict mode).
   */
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    const run = jobRun(this.registry, jobId, success, durationMs, metadata, this.clock.now());
    if (run instanceof PulsewatchError) this.report(run);
    else this.emitSafely('metricRecorded', [run]);
  }

  /** Wraps `fn` to record each call's duration in `<name>_duration_seconds` with a `success` label (seed 002). */
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    return trackPerformance(this.registry, fn, options, () => this.clock.monotonic());
  }

  /** Count, sum, min, max, mean, p50..p999 and rate of a metric over a window (default 5 minutes). */
  getAggregatedMetrics(query: AggregateQuery): Promise<AggregatedMetrics> {
    return aggregate(this.windowSources(), query);
  }

  /**
   * JSON in the shape of seed 000's GET /api/metrics, over the fleet's data in the
   * `snapshot.window`: this process's memory, its rollups waiting to be written and every
   * instance's stored rollups (one store read per metric shown). A store that cannot be read
   * gives a snapshot of this process's data and an `error` event; options that cannot be read
   * are ignored and reported (rejected in strict mode).
   */
  async snapshot(options: SnapshotOptions = {}): Promise<MonitorSnapshot> {
    // A read never throws for its filters: one that is not a string (or a list of them) is
    // ignored, and options that throw when read (a revoked Proxy, a throwing getter) are
    // reported as an invalid value (rejected in strict mode) and ignored.
    let jobId: string | undefined;
    let names: string[] | undefined;
    try {
      const job: unknown = options?.jobId;
      jobId = typeof job === 'string' ? job : undefined;
      const list: unknown = options?.names;
      // Each name may cost a store read: at most limits.maxSnapshotSeries of them, once each.
      names = Array.isArray(list) ? [...new Set(list.filter((n): n is string => typeof n === 'string'))].slice(0, this.options.limits.maxSnapshotSeries) : undefined;
    } catch (cause) {
      jobId = undefined;
      names = undefined;
      this.report(new ValidationError('snapshot: options could not be read; the snapshot ignores its filters', [{ path: 'options', message: 'reading it threw' }], { cause }));
    }
    const snapshot = await buildSnapshot({
      ...this.windowSources(),
      service: this.service,
      startedAt: this.startedAt,
      requestMetric: this.options.snapshot.requestMetric,
      window: this.options.snapshot.window,
      jobId,
      names,
      maxSeries: this.options.limits.maxSnapshotSeries,
      storageFailed: (error) => this.emitSafely('error', [error]),
    });
    const active = this.alerts.getActiveAlerts();
    const max = this.options.limits.maxSnapshotSeries;
    snapshot.alerts = { active: active.length, items: active.slice(0, max) };
    snapshot.truncated.alerts = Math.max(0, active.length - max);
    return { ...snapshot, breakers: this.breakers() };
  }

  /** Every metric in the Prometheus text format 0.0.4 (default) or OpenMetrics 1.0. */
  exportPrometheusMetrics(options: ExportOptions = {}): string {
    // Options that throw when read (a revoked Proxy, a throwing getter) are reported as an
    // invalid value (thrown in strict mode) and ignored: the export is a default one.
    let format: unknown = 'prometheus';
    let names: Set<string> | undefined;
    try {
      format = options?.format ?? 'prometheus';
      // A names filter that is not a list selects nothing it cannot read: strings only.
      const list: unknown = options?.names;
      names = Array.isArray(list) ? new Set(list.filter((n): n is string => typeof n === 'string')) : undefined;
    } catch (cause) {
      format = 'prometheus';
      names = undefined;
      this.report(new ValidationError('exportPrometheusMetrics: options could not be read; exporting every metric as text 0.0.4', [{ path: 'options', message: 'reading it threw' }], { cause }));
    }
    if (format !== 'prometheus' && format !== 'openmetrics') {
      // A documented ConfigError; the value shown only if it is a string (anything else may throw when read).
      const got = typeof format === 'string' ? JSON.stringify(format.slice(0, 40)) : `a value of type ${typeof format}`;
      throw new ConfigError(`exportPrometheusMetrics: format must be "prometheus" or "openmetrics", got ${got}`);
    }
    const metrics = names === undefined ? this.registry.all() : [...this.registry.all()].filter((m) => names.has(m.name));
    return renderMetrics(metrics, format);
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
    this.closeHooks.add(fn);
    return () => this.closeHooks.delete(fn);
  }

  /** Rollups accepted and not yet written to storage. */
  get bufferedRollups(): number {
    return this.recorder.buffered;
  }

  /** Closes the current slot now and writes every pending rollup. Never rejects; failures go to `error`. */
  async flush(): Promise<void> {
    this.closeSlot(this.clock.now());
    await this.recorder.flush();
  }

  /**
   * Stops the timers, closes the current slot, runs the `onClose` hooks and writes everything
   * accepted before the call, retrying failed writes, all within `flush.closeTimeout`; closes
   * storage the monitor created. Always settles within `flush.closeTimeout` plus
   * {@link CLOSE_GRACE_MS} (1 s), whatever a hook, a channel, a notifier or the store does: what
   * could not finish is abandoned and reported (`dropped` with reason `shutdown`, and a
   * `TimeoutError` on `error` naming what still hung). Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const stop of this.stopTimers) stop();
      this.breakerRegistry.close();
      this.closeSlot(this.clock.now());
      await closeWithin({
        clock: this.clock,
        closeTimeout: this.options.flush.closeTimeout,
        hooks: [...this.closeHooks],
        stopAlerts: () => this.alerts.stop(),
        closeRecorder: (ms) => this.recorder.close(ms),
        closeNotifications: (ms, graceMs) => this.notifications.close(ms, graceMs),
        closeStorage: this.ownsStorage ? () => this.storage.close() : undefined,
        report: (error) => this.emitSafely('error', [error]),
      });
    })();
    return this.closing;
  }

  // ---- internals ----------------------------------------------------------------------------

  /** What the window query reads (getAggregatedMetrics, snapshot): memory, the recorder's waiting rollups (through `ctx.fleet`) and the store. */
  private windowSources(): WindowQuerySources {
    return { registry: this.registry, ctx: this.ctx, storage: this.storage };
  }

  /** `scheduled`: from a timer, which skips a slot already closed at that instant. */
  private closeSlot(at: number, scheduled = false): void {
    if (at < this.ctx.slotStart || (scheduled && at === this.ctx.slotStart)) return;
    const rollups = this.registry.closeSlot(at);
    const instance = this.stamps.slot(this.ctx.slotStart, at);
    for (const r of rollups) {
      r.service = this.service;
      r.instance = instance;
    }
    this.ctx.slotStart = at;
    this.recorder.add(rollups);
    const ttl = this.options.limits.seriesTtl;
    if (ttl > 0 && at - this.lastSweep >= Math.min(ttl, 60_000)) {
      this.lastSweep = at;
      this.registry.evictIdle(at - ttl);
    }
  }

  /**
   * Emits `error` for a failure in pulsewatch's own work done outside the monitor (an HTTP route
   * that failed). Never throws.
   * @internal For pulsewatch's integrations.
   */
  reportError(error: unknown): void {
    const wrapped = isPulsewatchError(error) ? error : new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `unexpected failure: ${(error as Error)?.message ?? String(error)}`, { cause: error });
    this.emitSafely('error', [wrapped]);
  }

  /** Every event goes through the hub, which never throws (see {@link EventHub.emit}). */
  private emitSafely<E extends keyof MonitorEvents>(event: E, args: Parameters<MonitorEvents[E]>): void {
    this.events.emit(event, args);
  }

  /** Counts dropped data and emits `dropped` (logged if nobody listens, see {@link EventHub.dropped}). */
  private drop(reason: DropReason, count: number): void {
    this.dropped.inc({ reason }, count);
    this.events.dropped(reason, count);
  }

  private invalid(metric: string, value: unknown, reason: string): void {
    const shown = typeof value === 'number' || typeof value === 'string' ? String(value) : typeof value;
    this.report(new ValidationError(`metric "${metric}": dropped ${shown}: ${reason}`, [{ path: metric, message: reason }], { cause: value instanceof Error ? value : undefined }));
  }

  private seriesFolded(metric: string, limit: number, first: boolean): void {
    this.folded.inc({ metric });
    if (first) this.report(new CardinalityError(metric, limit), false);
  }

  private report(error: unknown, count = true): void {
    const e = isPulsewatchError(error) ? error : new ValidationError(String(error), [], { cause: error });
    if (this.options.strict) throw e;
    if (count) this.dropped.inc({ reason: 'invalid_value' });
    this.emitSafely('error', [e]);
  }
}

/** Creates a monitor. Throws a {@link ConfigError} naming the option if `options` is invalid. */
export function createMonitor(options: MonitorOptions = {}): Monitor {
  // Monitor freezes its own (shallow) copy; parseOptions' frozen object is replaced by a mutable spread.
  return new Monitor({ ...parseOptions(monitorOptionsSchema, options, 'invalid monitor options') });
}

