import { labelValueToString, toWellFormed, type Labels, type LabelInput } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import { Metric, type MetricDefinition } from './metric.js';
import type { MetricContext } from './context.js';
import { OVERFLOW_LABEL_VALUE, isLabelObject, type SeriesBase } from './series-index.js';

/** A value a gauge takes: any number but NaN (infinities are valid gauge values); checked before a Symbol or object reaches arithmetic. */
function isGaugeNumber(value: unknown): value is number {
  return typeof value === 'number' && !Number.isNaN(value);
}

/** State of one gauge series. */
export class GaugeSeries implements SeriesBase {
  value = 0;
  lastTouched = 0;
  evicted = false;
  slotCount = 0;
  slotSum = 0;
  slotMin = Infinity;
  slotMax = -Infinity;

  constructor(
    readonly labels: Labels,
    readonly key: string,
    private readonly metric: Gauge,
  ) {}

  /** Sets the value. NaN is dropped and reported; infinities are valid gauge values. */
  set(value: number): void {
    if (!isGaugeNumber(value)) {
      this.metric.reject(value);
      return;
    }
    if (this.slotCount === 0) {
      // Removed (gauge.remove) and its labels set again since: the handle writes to that series.
      const live = this.evicted ? this.metric.liveSeries(this.key) : undefined;
      if (live !== undefined) {
        live.set(value);
        this.value = live.value;
        return;
      }
      this.metric.touch(this);
    }
    this.value = value;
    this.slotCount++;
    this.slotSum += value;
    if (value < this.slotMin) this.slotMin = value;
    if (value > this.slotMax) this.slotMax = value;
  }

  /** Adds `amount` (default 1). */
  inc(amount = 1): void {
    // typeof first: adding a Symbol throws, and an object runs its valueOf.
    if (typeof amount !== 'number') this.metric.reject(amount);
    else this.set(this.current() + amount);
  }

  /** Subtracts `amount` (default 1). */
  dec(amount = 1): void {
    if (typeof amount !== 'number') this.metric.reject(amount);
    else this.set(this.current() - amount);
  }

  /** The value an increment starts from: the live series' when set() forwards there (see set). */
  private current(): number {
    if (this.slotCount !== 0 || !this.evicted) return this.value;
    return this.metric.liveSeries(this.key)?.value ?? this.value;
  }
}

/** A gauge bound to one label set. */
export interface BoundGauge {
  set(value: number): void;
  inc(amount?: number): void;
  dec(amount?: number): void;
  readonly value: number;
}

/**
 * Called before the gauge is read (exposition, snapshots, slot close). Return a number to set
 * the unlabeled series, or call `gauge.set(...)` for labeled ones and return nothing.
 */
export type GaugeCollect<Name extends string = string> = (gauge: Gauge<Name>) => number | void;

/** A value that goes up and down, e.g. queue depth. Created by `monitor.gauge()`. */
export class Gauge<Name extends string = string> extends Metric<GaugeSeries, Name> {
  readonly kind = 'gauge' as const;
  // Stored loosely typed: the callback is variance-invariant in Name and only ever gets `this`.
  private readonly collectFn: ((gauge: never) => number | void) | undefined;

  constructor(definition: MetricDefinition, ctx: MetricContext, collect?: GaugeCollect<Name>) {
    super(definition, ctx);
    this.collectFn = collect;
  }

  /** Sets the series of `labels` (or the unlabeled one) to `value`. */
  set(value: number, labels?: LabelInput<Name>): void;
  /** prom-client's order, labels first: sets the series of `labels` to `value`. */
  set(labels: LabelInput<Name>, value: number): void;
  set(first: number | LabelInput<Name>, second?: LabelInput<Name> | number): void {
    // typeof first: an object first is prom-client's (labels, value) order.
    if (typeof first === 'object' && first !== null) this.setSeries(second, first);
    else this.setSeries(first, second);
  }

  /** Adds `value` (default 1) to the series of `labels` (or the unlabeled one). */
  inc(value?: number, labels?: LabelInput<Name>): void;
  /** prom-client's order, labels first: adds `value` (default 1) to the series of `labels`. */
  inc(labels: LabelInput<Name>, value?: number): void;
  inc(first?: number | LabelInput<Name>, second?: LabelInput<Name> | number): void {
    if (typeof first === 'object' && first !== null) this.add(second, first, 1);
    else this.add(first, second, 1);
  }

  /** Subtracts `value` (default 1) from the series of `labels` (or the unlabeled one). */
  dec(value?: number, labels?: LabelInput<Name>): void;
  /** prom-client's order, labels first: subtracts `value` (default 1) from the series of `labels`. */
  dec(labels: LabelInput<Name>, value?: number): void;
  dec(first?: number | LabelInput<Name>, second?: LabelInput<Name> | number): void {
    if (typeof first === 'object' && first !== null) this.add(second, first, -1);
    else this.add(first, second, -1);
  }

  private setSeries(value: unknown, labels: unknown): void {
    // Checked before the lookup so a rejected value never creates a series.
    if (!isGaugeNumber(value)) this.reject(value);
    else this.series(labels as LabelInput<Name> | undefined)?.set(value);
  }

  /** Adds `sign * amount` (amount default 1) to the series of `labels`. */
  private add(amount: unknown, labels: unknown, sign: 1 | -1): void {
    const a = amount === undefined ? 1 : amount;
    if (!isGaugeNumber(a)) this.reject(a);
    else if (sign === 1) this.series(labels as LabelInput<Name> | undefined)?.inc(a);
    else this.series(labels as LabelInput<Name> | undefined)?.dec(a);
  }

  /** The series of `labels`, to update without a lookup per call. */
  labels(labels: LabelInput<Name>): BoundGauge {
    return this.series(labels) ?? DETACHED_GAUGE;
  }

  /**
   * Removes the series of `labels` (prom-client's `gauge.remove`): it leaves the exposition, the
   * snapshots and the next rollups, and gives its place in the series limits back. What was set
   * in the current slot is not written to the store. A later `set` with these labels starts a
   * new series at 0, and so does a bound handle (`gauge.labels(...)`) that writes again; once a
   * `set` made the series again, a handle bound before the removal writes to that one. Returns
   * false, and changes nothing, when no such series exists (the overflow series is never
   * removed). Finds the series by a scan of the gauge's series: meant for a pool or client
   * going away, not for a hot path.
   */
  remove(labels?: LabelInput<Name>): boolean {
    const series = this.find(labels);
    if (series === undefined) return false;
    this.index.evict(series);
    // A bound handle that writes again brings it back through touch(), as a new series would start.
    series.value = 0;
    series.slotCount = 0;
    series.slotSum = 0;
    series.slotMin = Infinity;
    series.slotMax = -Infinity;
    return true;
  }

  /** @internal The live series of `key`, if any: where a removed series' bound handle writes. */
  liveSeries(key: string): GaugeSeries | undefined {
    return this.index.byKey.get(key);
  }

  /** The live series whose labels are exactly `input`'s (read as a lookup reads them), without creating one. */
  private find(input: unknown): GaugeSeries | undefined {
    const wanted = labelsOf(input, this.labelNames, this.index.dynamic);
    if (wanted === undefined) return undefined;
    const names = Object.keys(wanted);
    for (const series of this.index.values()) {
      const have = Object.keys(series.labels);
      if (have.length === names.length && names.every((n) => Object.hasOwn(series.labels, n) && series.labels[n] === wanted[n])) return series;
    }
    return undefined;
  }

  /** Current value of the series of `labels` (after running `collect`). */
  get(labels?: LabelInput<Name>): number {
    this.collect();
    return this.index.get(labels)?.value ?? 0;
  }

  /** @internal Runs the collect callback; a throwing callback is reported, never rethrown. */
  collect(): void {
    if (this.collectFn === undefined) return;
    try {
      const value = (this.collectFn as GaugeCollect<Name>)(this);
      if (typeof value === 'number') this.set(value);
    } catch (error) {
      this.ctx.invalidValue(this.name, error, 'the collect callback threw');
    }
  }

  /** @internal */
  reject(value: unknown): void {
    this.ctx.invalidValue(this.name, value, 'gauge values must be numbers (not NaN)');
  }

  /** @internal */
  protected createSeries(labels: Labels, key: string): GaugeSeries {
    return new GaugeSeries(labels, key, this as unknown as Gauge);
  }

  /** @internal Gauges hold state, so every series gets a rollup each slot, not only those set in it. */
  closeSlot(closeAt: number, out: Rollup[]): void {
    this.collect();
    for (const s of this.index.values()) {
      const sampled = s.slotCount > 0;
      out.push({
        name: this.name,
        kind: 'gauge',
        labels: s.labels,
        start: this.ctx.slotStart,
        end: closeAt,
        count: sampled ? s.slotCount : 1,
        sum: sampled ? s.slotSum : s.value,
        min: sampled ? s.slotMin : s.value,
        max: sampled ? s.slotMax : s.value,
        last: s.value,
      });
      s.slotCount = 0;
      s.slotSum = 0;
      s.slotMin = Infinity;
      s.slotMax = -Infinity;
    }
    this.dirty = [];
  }

  /** @internal Gauges are current state; they are never evicted for being idle. */
  override evictIdle(): number {
    return 0;
  }
}

/**
 * The labels a series of `input` holds: every declared name (absent ones as ''), or for free-form
 * labels the non-empty ones; undefined for input no series can have (not an object, a value no
 * label takes, the overflow marker, a getter that throws).
 */
function labelsOf(input: unknown, names: readonly string[], dynamic: boolean): Labels | undefined {
  if (input === undefined) return names.length === 0 || dynamic ? {} : labelsOf({}, names, dynamic);
  if (!isLabelObject(input)) return undefined;
  try {
    const out: Labels = {};
    for (const name of dynamic ? Object.keys(input) : names) {
      // Own properties only, as a lookup reads them: `constructor` left out is '', not Object.
      const value = labelValueToString(Object.hasOwn(input, name) ? input[name] : undefined);
      if (value === undefined || value === OVERFLOW_LABEL_VALUE) return undefined;
      if (dynamic && value === '') continue;
      out[name] = toWellFormed(value);
    }
    return out;
  } catch {
    return undefined;
  }
}

const DETACHED_GAUGE: BoundGauge = { set() {}, inc() {}, dec() {}, value: 0 };
