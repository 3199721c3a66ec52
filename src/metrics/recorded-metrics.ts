import { LimitError, ValidationError, isLimitError, type PulsewatchError, type ValidationIssue } from '../core/errors.js';
import type { DropReason, MetricRecordedEvent } from '../core/events.js';
import type { Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import type { Histogram } from './histogram.js';
import { unitDefaults } from './options.js';
import type { MetricRecord } from './record-metric.js';
import { isBuiltInMetric, isReservedRecordName, RESERVED_RECORD_PREFIXES } from './built-in-names.js';
import type { MetricRegistry } from './registry.js';
import { LABEL_VALUE_RESERVED, labelSetProblem } from './series-index.js';

/** The bounds `recordMetric` applies (from the monitor's `limits`). */
export interface RecordedMetricsLimits {
  /** Metric names records may define. */
  maxRecordedMetrics: number;
  /** How far before now a record's timestamp may be (ms). */
  maxRecordAge: number;
  /** How far after now a record's timestamp may be (ms). */
  maxClockSkew: number;
}

/** What the metrics `recordMetric` defines need from the monitor. */
export interface RecordedMetricsHost {
  readonly registry: MetricRegistry;
  readonly ctx: MetricContext;
  readonly service: string;
  /** The `instance` of one late record's rollup (unique, so it never replaces the slot's own rollup). */
  lateInstance?(): string;
  readonly limits: RecordedMetricsLimits;
  /**
   * Rollups of records older than the current slot: the recorder keeps them apart from current
   * ones. Returns how many it kept (it drops and counts the rest).
   */
  addLate(rollups: Rollup[]): number;
  /**
   * How many more late rollups the recorder would keep now. Optional: without it
   * {@link RecordedMetrics.issues} cannot tell a batch whose late records would not fit.
   */
  lateRoom?(): number;
  /** An invalid record: count it (`invalid_value`), emit `error`, or throw in strict mode. */
  invalid(error: ValidationError): void;
  /** A record dropped for `reason`: count it; `error`, when given, is emitted (thrown in strict mode). */
  dropped(reason: DropReason, error: PulsewatchError | undefined): void;
  /** Announces a kept record (`metricRecorded`). */
  recorded(event: MetricRecordedEvent): void;
}

interface Entry {
  unit: string | undefined;
  histogram: Histogram;
}

/**
 * The histograms `recordMetric` defines, one per metricType, and the bounds on what records may
 * do: how many names they define, how old or new their timestamps are, and (through each
 * histogram's series index) how many label sets they create, late records included.
 */
export class RecordedMetrics {
  /** The histogram and unit of each metricType seen: defined once, then looked up. */
  private readonly entries = new Map<string, Entry>();
  /** Drop reasons already reported: a flood of drops gives one error, and a count. */
  private readonly reported = new Set<DropReason>();
  /** Late records of each batch {@link issues} has checked, keyed by the batch's map. */
  private readonly lateInBatch = new WeakMap<object, number>();

  constructor(private readonly host: RecordedMetricsHost) {}

  /** Metric names records have defined. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * Records a parsed record, or drops it: counted as `invalid_value` (wrong unit, timestamp too
   * far ahead, a reserved label value), `late` (older than `maxRecordAge`) or `metric_limit`.
   */
  record(record: MetricRecord): void {
    const { name, value, labels } = record;
    const host = this.host;
    const now = host.ctx.clock.now();
    const at = record.timestamp ?? now;
    const timing = this.timestampIssue(at, now);
    if (timing !== undefined) {
      const error = new ValidationError(`invalid metric record: timestamp: ${timing.message}`, [timing]);
      if (at > now) host.invalid(error);
      else this.drop('late', error);
      return;
    }
    const entry = this.entries.get(name) ?? this.define(record);
    if (entry === undefined) return;
    if (record.unit !== undefined && record.unit !== entry.unit) {
      // A record without a unit takes the unit the metricType was first recorded in.
      const first = entry.unit === undefined ? 'first recorded without a unit' : `recorded in "${entry.unit}"`;
      host.invalid(new ValidationError(`invalid metric record: unit: "${name}" is ${first}, got "${record.unit}"`, [unitIssue(name, entry.unit)]));
      return;
    }
    const histogram = entry.histogram;
    if (at >= host.ctx.slotStart) {
      const series = histogram.index.getDynamic(labels);
      if (series === undefined) return this.reserved(name);
      // Announce only what the histogram kept.
      if (!series.observe(value)) return;
    } else if (!this.late(histogram, value, labels, at)) return;
    host.recorded({ name, value, unit: entry.unit, labels, timestamp: at });
  }

  /**
   * The issues {@link record} would drop `record` for, without recording anything: its
   * timestamp out of range, a reserved name (`pulsewatch_`, `breaker_`, `job_`), a unit other
   * than the one its metricType keeps, a value out of the histogram's range, a name taken by
   * another metric, a new name past the limits (counting the new names earlier in the batch),
   * or a late record past the room left for late rollups (counting the late records earlier in
   * the batch). `batch` holds the new names of the batch so far, with their units, and is
   * updated; it also keys the batch's count of late records.
   */
  issues(record: MetricRecord, batch: Map<string, string | undefined>): ValidationIssue[] {
    const { name, unit } = record;
    if (isReservedRecordName(name)) return [reservedIssue(name)];
    const issues: ValidationIssue[] = [];
    const now = this.host.ctx.clock.now();
    const at = record.timestamp ?? now;
    const timing = this.timestampIssue(at, now);
    if (timing !== undefined) issues.push(timing);
    const kept = this.entries.get(name);
    // A new name gets the registry's default range (recordMetric sets no maxValue).
    const maxValue = kept?.histogram.maxValue ?? Number.MAX_SAFE_INTEGER;
    if (!(record.value >= 0 && record.value <= maxValue)) issues.push({ path: 'value', message: `must be finite, >= 0 and <= ${maxValue}` });
    // The series index's own rule, so a batch it would refuse part of is refused whole.
    const labels = labelSetProblem(record.labels, this.host.ctx.seriesBounds);
    if (labels !== undefined) issues.push({ path: 'tags', message: labels });
    if (issues.length === 0 && at < this.host.ctx.slotStart) {
      const late = this.lateIssue(batch);
      if (late !== undefined) issues.push(late);
    }
    const inBatch = batch.has(name);
    const known = inBatch ? batch.get(name) : kept?.unit;
    if ((inBatch || kept !== undefined) && unit !== undefined && known !== unit) issues.push(unitIssue(name, known));
    if (inBatch || kept !== undefined) return issues;
    const existing = this.host.registry.get(name);
    if (existing !== undefined) {
      issues.push({ path: 'metricType', message: `"${name}" is already a ${existing.kind}` });
      return issues;
    }
    const limit = this.limitIssue(name, batch.size);
    if (limit !== undefined) issues.push({ path: limit.path, message: limit.message });
    // Only a name that will be defined takes a place in the batch's count.
    else if (issues.length === 0) batch.set(name, unit);
    return issues;
  }

  /** The histogram of a new metricType, or undefined after dropping the record. */
  private define(record: MetricRecord): Entry | undefined {
    const { name, unit } = record;
    const host = this.host;
    if (isReservedRecordName(name)) {
      const issue = reservedIssue(name);
      host.invalid(new ValidationError(`invalid metric record: metricType: ${issue.message}`, [issue]));
      return undefined;
    }
    const limit = this.limitIssue(name, 0);
    if (limit !== undefined) {
      const message = `recordMetric: metricType ${limit.message}; records of new metric names are dropped and counted in pulsewatch_dropped_total{reason="metric_limit"}`;
      this.drop('metric_limit', new LimitError(limit.option, limit.max, message));
      return undefined;
    }
    try {
      const defaults = unitDefaults(unit);
      const histogram = host.registry.histogram(
        { name, help: `Recorded ${name} values${unit ? ` (${unit})` : ''}`, buckets: [...defaults.buckets], resolution: defaults.resolution },
        true,
      );
      const entry = { unit, histogram };
      this.entries.set(name, entry);
      return entry;
    } catch (error) {
      if (isLimitError(error)) {
        this.drop('metric_limit', error);
        return undefined;
      }
      // The name is taken by a metric of another kind or definition.
      const message = (error as Error).message;
      host.invalid(new ValidationError(`invalid metric record: metricType: ${message}`, [{ path: 'metricType', message }]));
      return undefined;
    }
  }

  /** Why a new name (with `pending` new names before it) cannot be defined, if it cannot. */
  private limitIssue(name: string, pending: number): (ValidationIssue & { option: string; max: number }) | undefined {
    const { limits, registry } = this.host;
    const max = limits.maxRecordedMetrics;
    if (this.entries.size + pending >= max) {
      return { path: 'metricType', message: `"${name}" would be a new metric past limits.maxRecordedMetrics (${max})`, option: 'limits.maxRecordedMetrics', max };
    }
    if (!isBuiltInMetric(name) && registry.room - pending <= 0) {
      const all = registry.maxMetrics;
      return { path: 'metricType', message: `"${name}" would be a new metric past limits.maxMetrics (${all})`, option: 'limits.maxMetrics', max: all };
    }
    return undefined;
  }

  /**
   * A late record the recorder would have no room for, given the late records before it in
   * the batch: the route refuses the whole batch rather than take part of it.
   */
  private lateIssue(batch: object): ValidationIssue | undefined {
    const room = this.host.lateRoom?.();
    if (room === undefined) return undefined;
    const before = this.lateInBatch.get(batch) ?? 0;
    this.lateInBatch.set(batch, before + 1);
    if (before < room) return undefined;
    return {
      path: 'timestamp',
      message: `is before the current slot, and the buffer for late records has room for ${room} now (limits.lateBufferShare of flush.maxBuffered): resend the batch after the next flush`,
    };
  }

  /** A timestamp outside [now - maxRecordAge, now + maxClockSkew], as an issue. */
  private timestampIssue(at: number, now: number): ValidationIssue | undefined {
    const { maxRecordAge, maxClockSkew } = this.host.limits;
    if (at > now + maxClockSkew) return { path: 'timestamp', message: `is more than ${maxClockSkew} ms ahead of now (limits.maxClockSkew)` };
    if (at < now - maxRecordAge) return { path: 'timestamp', message: `is more than ${maxRecordAge} ms in the past (limits.maxRecordAge)` };
    return undefined;
  }

  /**
   * A value older than the current slot becomes a rollup of its own. Its label set goes through
   * the histogram's series index like a current one, so late records count against the series
   * limit and fold into the overflow series past it. False when it was dropped and reported.
   */
  private late(histogram: Histogram, value: number, labels: Record<string, string>, at: number): boolean {
    if (value > histogram.maxValue) {
      histogram.reject(value);
      return false;
    }
    const series = histogram.index.getDynamic(labels);
    if (series === undefined) {
      this.reserved(histogram.name);
      return false;
    }
    const ctx = this.host.ctx;
    // Keeps the series from idle eviction as a current write would: its place under the limit stays taken.
    if (series.lastTouched < ctx.slotStart) series.lastTouched = ctx.slotStart;
    const start = Math.floor(at / ctx.slotLength) * ctx.slotLength;
    // The recorder counts what it drops (`late`, `buffer_full`); only a kept value is announced.
    const kept = this.host.addLate([
      {
        name: histogram.name,
        kind: 'histogram',
        labels: series.labels,
        start,
        end: start + ctx.slotLength,
        count: 1,
        sum: value,
        min: value,
        max: value,
        // The value's bucket, as a slot would encode it: a late rollup has percentiles like any other.
        hdr: ctx.codec.encodeSlot({ forEachBucket: (layout, scale, fn) => fn(layout.index(Math.floor(value * scale)), 1) }, histogram.layout, histogram.scale),
        resolution: histogram.resolution,
        service: this.host.service,
        instance: this.host.lateInstance?.(),
      },
    ]);
    return kept > 0;
  }

  private reserved(name: string): void {
    this.host.invalid(new ValidationError(`metric "${name}": dropped a record: ${LABEL_VALUE_RESERVED}`, [{ path: 'tags', message: LABEL_VALUE_RESERVED }]));
  }

  /** Counts a drop; reports the first of each reason (every one in strict mode, which throws). */
  private drop(reason: DropReason, error: PulsewatchError): void {
    const first = !this.reported.has(reason);
    this.reported.add(reason);
    this.host.dropped(reason, first || this.host.ctx.strict ? error : undefined);
  }
}

/** The issue of a record whose metricType is reserved for pulsewatch's own metrics. */
function reservedIssue(name: string): ValidationIssue {
  const prefixes = RESERVED_RECORD_PREFIXES.map((p) => `"${p}"`).join(', ');
  return { path: 'metricType', message: `"${name}" is reserved: names starting with ${prefixes} are pulsewatch's built-in metrics` };
}

/** The issue of a record whose unit differs from the one its metricType keeps. */
function unitIssue(name: string, known: string | undefined): ValidationIssue {
  return { path: 'unit', message: `must be "${known}" for metricType "${name}"` };
}

