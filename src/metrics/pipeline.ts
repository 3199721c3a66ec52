import { scheduleAligned } from '../core/schedule-aligned.js';
import type { DeferredClock } from '../core/deferred-clock.js';
import type { Reporter } from '../core/diagnostics.js';
import { CardinalityError, ValidationError } from '../core/errors.js';
import type { Rollup, StorageAdapter } from '../storage/contract.js';
import { createRollupStamps, type RollupStamps } from '../storage/instance.js';
import { reportable, type MetricContext } from './context.js';
import type { Counter } from './counter.js';
import { HdrCodec } from './hdr-codec.js';
import { RecordedMetrics, type RecordedMetricsLimits } from './recorded-metrics.js';
import { Recorder, type RecorderSettings } from './recorder.js';
import { MetricRegistry } from './registry.js';
import type { WindowQuerySources } from './window-query.js';
import { DecodedHistograms } from './window-query-decode.js';

/** What the pipeline takes from the monitor's options. */
export interface PipelineSettings {
  service: string;
  /** The configured `instanceId`; a default one is generated on first need. */
  instanceId: string | undefined;
  histogram: { significantDigits: number; slotLength: number; slots: number };
  flush: RecorderSettings & { interval: number };
  limits: RecordedMetricsLimits & {
    maxSeriesPerMetric: number;
    maxTotalSeries: number;
    maxLabelSetLength: number;
    maxLabelsPerSeries: number;
    maxMetrics: number;
    seriesTtl: number;
    lateBufferShare: number;
  };
}

/** What the pipeline needs from the monitor that owns it. */
export interface PipelineHost {
  readonly clock: DeferredClock;
  readonly storage: StorageAdapter;
  readonly reporter: Reporter;
  /** Starts the monitor (the pipeline's timers among the rest); idempotent, never throws. */
  start(): void;
}

/**
 * A monitor's metrics from the call to the store: the registry and the context its metrics
 * share, the slot clock (slots closed into rollups at each boundary, idle series evicted), the
 * records of past slots (`recordMetric` with an old timestamp), the recorder that writes rollups,
 * and pulsewatch's own metrics about all of that.
 *
 * Nothing runs until the first use: the open slot begins at the first record or read (so a
 * monitor created at module scope on an edge runtime reads no time it cannot trust and arms no
 * timer), and the timers are armed by {@link arm} when the monitor starts.
 */
export class MetricPipeline {
  readonly registry: MetricRegistry;
  readonly ctx: MetricContext;
  readonly recorder: Recorder;
  /** The histograms `recordMetric` defines, and the bounds on what records may do. */
  readonly recorded: RecordedMetrics;
  /** `pulsewatch_dropped_total{reason}`, which the monitor's diagnostics count drops in. */
  readonly dropped: Counter<'reason'>;
  private readonly folded: Counter<'metric'>;
  /** Start of the open slot (valid once {@link begin} ran). */
  private slot = 0;
  /** When the first slot began (the first use), undefined before. */
  private began: number | undefined;
  private stampsOf: RollupStamps | undefined;
  private lastSweep = 0;
  private stopSlots: (() => void) | undefined;
  private stopFlushes: (() => void) | undefined;
  /** True once the timers run, or after {@link stop}: a record no longer asks the monitor to start. */
  private settled = false;
  private stopped = false;

  constructor(
    private readonly settings: PipelineSettings,
    private readonly host: PipelineHost,
  ) {
    const { histogram, limits, flush } = settings;
    const reporter = host.reporter;
    const pipeline = this;
    this.ctx = {
      clock: host.clock,
      strict: reporter.strict,
      // The first read of the open slot is the first record (or read): it starts the monitor.
      get slotStart(): number {
        return pipeline.open();
      },
      set slotStart(at: number) {
        pipeline.slot = at;
      },
      slotLength: histogram.slotLength,
      slotCount: histogram.slots,
      seriesLimit: limits.maxSeriesPerMetric,
      seriesBounds: {
        budget: { used: 0, max: limits.maxTotalSeries },
        maxLabelSetLength: limits.maxLabelSetLength,
        maxLabels: limits.maxLabelsPerSeries,
      },
      codec: new HdrCodec(),
      histogramDigits: histogram.significantDigits,
      // Window reads tell this monitor's rollups from other instances' and see what is not written yet.
      fleet: {
        get stamps(): RollupStamps {
          return pipeline.stamps;
        },
        pendingRollups: () => this.recorder.pendingRollups(),
        decoded: new DecodedHistograms(),
      },
      invalidValue: (metric, value, reason) => this.invalid(metric, reportable(value), reason),
      seriesFolded: (metric, limit, first) => {
        this.folded.inc({ metric });
        if (first) reporter.reject(new CardinalityError(metric, limit), false);
      },
      invalidLabels: (metric, labels, reason) => this.invalid(metric, reportable(labels), reason),
    };
    this.registry = new MetricRegistry(this.ctx, { maxMetrics: limits.maxMetrics });
    this.recorded = new RecordedMetrics({
      registry: this.registry,
      ctx: this.ctx,
      service: settings.service,
      lateInstance: () => this.stamps.late(),
      limits,
      addLate: (rollups) => this.recorder.addLate(rollups),
      lateRoom: () => this.recorder.lateRoom,
      invalid: (error) => reporter.reject(error),
      dropped: (reason, error) => {
        reporter.drop(reason, 1);
        if (error !== undefined) reporter.reject(error, false);
      },
      recorded: (event) => reporter.emit('metricRecorded', event),
    });
    // Rollups of late records get their own share of the buffer: they never displace current ones.
    const maxLate = Math.floor(flush.maxBuffered * limits.lateBufferShare);
    this.recorder = new Recorder(host.storage, host.clock, { ...flush, maxLate }, {
      flushed: (rollups, batches, durationMs) => reporter.emit('flushed', { rollups, batches, durationMs }),
      dropped: (reason, count) => reporter.drop(reason, count),
      failed: (error) => reporter.emit('error', error),
      // The hooks above never throw (the reporter isolates listeners); this only keeps the recorder from rethrowing.
      hookFailed: (error) => reporter.fail(error),
    });
    this.dropped = this.registry.counter({ name: 'pulsewatch_dropped_total', help: 'Values and rollups pulsewatch dropped, by reason', labelNames: ['reason'] });
    this.folded = this.registry.counter({
      name: 'pulsewatch_series_overflow_total',
      help: 'Recordings folded into a metric overflow series because it reached its series limit',
      labelNames: ['metric'],
    });
    this.registry.gauge({ name: 'pulsewatch_buffered_rollups', help: 'Rollups accepted and not yet written to storage', collect: () => this.recorder.buffered });
  }

  /** When the first slot began (the first record or read); undefined before. */
  get startedAt(): number | undefined {
    return this.began;
  }

  /** The monitor's instance id: the configured one, else one generated on first need (host, pid, random). */
  get instanceId(): string {
    return this.settings.instanceId ?? this.stamps.instanceId;
  }

  /** What the monitor stamps on its rollups; created on first need (a default id draws random digits). */
  get stamps(): RollupStamps {
    if (this.stampsOf === undefined) {
      this.begin();
      this.stampsOf = createRollupStamps(this.settings.instanceId, this.began!, this.settings.histogram.slotLength);
    }
    return this.stampsOf;
  }

  /** What the window query reads: memory, the recorder's waiting rollups (through `ctx.fleet`) and the store. */
  get sources(): WindowQuerySources {
    return { registry: this.registry, ctx: this.ctx, storage: this.host.storage };
  }

  /** Fixes the start: the open slot is the one holding now. Idempotent; reads the time only. */
  begin(): void {
    if (this.began !== undefined) return;
    const now = this.host.clock.inner.now();
    const length = this.settings.histogram.slotLength;
    this.began = now;
    this.lastSweep = now;
    this.slot = Math.floor(now / length) * length;
  }

  /**
   * Arms the slot and flush timers (after {@link begin}). Throws what the clock throws (a runtime
   * that refuses timers where it was called); a timer armed stays armed, the other is tried again
   * at the next call. Does nothing after {@link stop}.
   */
  arm(): void {
    if (this.stopped) return;
    this.begin();
    const { clock } = this.host;
    const length = this.settings.histogram.slotLength;
    // A tick that throws is reported and the schedule goes on (schedule-aligned.ts).
    const report = (error: unknown): void => this.host.reporter.fail(error);
    this.stopSlots ??= scheduleAligned(clock, length, (at) => this.closeSlot(at, true), report);
    this.stopFlushes ??= scheduleAligned(clock, this.settings.flush.interval, (at) => {
      // Timers due at the same instant may fire in either order: close a due slot first so
      // the flush writes it now, not one interval later.
      if (at >= this.slot + length) this.closeSlot(Math.floor(at / length) * length, true);
      // Returned (it never rejects) so that a clock that tracks its timers' work can wait for the write.
      return this.recorder.flush();
    }, report);
    this.settled = true;
  }

  /** Closes the open slot now and writes every pending rollup. Never rejects. */
  async flush(): Promise<void> {
    this.begin();
    this.closeSlot(this.host.clock.now());
    await this.recorder.flush();
  }

  /** Stops the timers and closes the open slot (the monitor is closing); {@link close} writes it. */
  stop(): void {
    this.stopped = true;
    this.settled = true;
    this.stopSlots?.();
    this.stopFlushes?.();
    this.begin();
    this.closeSlot(this.host.clock.now());
  }

  /**
   * Closes the slot opened at {@link stop} (what was recorded since: a job the close hooks let
   * finish); true when it held anything to write. {@link close} writes it, called again.
   */
  closeLate(): boolean {
    const before = this.recorder.buffered;
    const at = this.host.clock.now();
    // A gauge writes its value at every slot close, set or not: over no time (the clock has not
    // moved since stop) that is the same value again, not a record.
    this.closeSlot(at, false, at === this.slot ? (r) => r.kind !== 'gauge' : undefined);
    return this.recorder.buffered > before;
  }

  /** Writes what is pending for up to `ms`, then reports the rest as dropped (`shutdown`). Never rejects; true when all was written. */
  close(ms: number): Promise<boolean> {
    return this.recorder.close(ms);
  }

  /** The open slot's start; before the start, starts the monitor (this is its first record or read). */
  private open(): number {
    if (!this.settled) {
      this.host.start();
      this.begin();
    }
    return this.slot;
  }

  /** `scheduled`: from a timer, which skips a slot already closed at that instant; `keep`: which rollups are written. */
  private closeSlot(at: number, scheduled = false, keep?: (r: Rollup) => boolean): void {
    if (at < this.slot || (scheduled && at === this.slot)) return;
    const closed = this.registry.closeSlot(at);
    const rollups = keep === undefined ? closed : closed.filter(keep);
    const instance = this.stamps.slot(this.slot, at);
    for (const r of rollups) {
      r.service = this.settings.service;
      r.instance = instance;
    }
    this.slot = at;
    this.recorder.add(rollups);
    const ttl = this.settings.limits.seriesTtl;
    if (ttl > 0 && at - this.lastSweep >= Math.min(ttl, 60_000)) {
      this.lastSweep = at;
      this.registry.evictIdle(at - ttl);
    }
  }

  private invalid(metric: string, value: unknown, reason: string): void {
    const shown = typeof value === 'number' || typeof value === 'string' ? String(value) : typeof value;
    this.host.reporter.reject(new ValidationError(`metric "${metric}": dropped ${shown}: ${reason}`, [{ path: metric, message: reason }], { cause: value instanceof Error ? value : undefined }));
  }
}
