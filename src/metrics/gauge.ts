import type { Labels, LabelInput } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import { Metric, type MetricDefinition } from './metric.js';
import type { MetricContext } from './context.js';
import type { SeriesBase } from './series-index.js';

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
    if (this.evicted) return this.metric.writeThrough(this, setThrough, value);
    if (this.slotCount === 0) this.metric.touch(this);
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
    else if (this.evicted) this.metric.writeThrough(this, addThrough, amount);
    else this.set(this.value + amount);
  }

  /** Subtracts `amount` (default 1). */
  dec(amount = 1): void {
    if (typeof amount !== 'number') this.metric.reject(amount);
    else if (this.evicted) this.metric.writeThrough(this, addThrough, -amount);
    else this.set(this.value - amount);
  }
}

/** A removed or evicted handle's set (see Metric.writeThrough): the live series takes the value, and the handle reads it. */
function setThrough(live: GaugeSeries, value: number, handle: GaugeSeries): void {
  live.set(value);
  handle.value = live.value;
}

/** A removed or evicted handle's inc and dec: added to the live series' value, not the handle's own (stale) one. */
function addThrough(live: GaugeSeries, amount: number, handle: GaugeSeries): void {
  live.set(live.value + amount);
  handle.value = live.value;
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
   * Current value of the series of `labels` (after running `collect`; 0 for labels of no series).
   * A read: it creates no series (a lookup would, and fold unknown labels into the overflow series).
   */
  get(labels?: LabelInput<Name>): number {
    this.collect();
    return this.index.peek(labels)?.value ?? 0;
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
  protected holdsSlot(series: GaugeSeries): boolean {
    return series.slotCount > 0;
  }

  /** @internal A gauge made again after `remove` starts at 0. */
  protected restart(series: GaugeSeries): void {
    series.value = 0;
  }

  /** @internal */
  protected createSeries(labels: Labels, key: string): GaugeSeries {
    return new GaugeSeries(labels, key, this as unknown as Gauge);
  }

  /** @internal Gauges hold state, so every series gets a rollup each slot, not only those set in it. */
  closeSlot(closeAt: number, out: Rollup[]): void {
    this.collect();
    for (const s of this.index.values()) this.closeSeries(s, closeAt, out);
    // Removed in this slot after it was set: what was set is still written.
    for (const s of this.index.retiredValues()) this.closeSeries(s, closeAt, out);
    this.index.slotClosed();
    this.dirty = [];
  }

  private closeSeries(s: GaugeSeries, closeAt: number, out: Rollup[]): void {
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

  /** @internal Gauges are current state; they are never evicted for being idle. */
  override evictIdle(): number {
    return 0;
  }
}

const DETACHED_GAUGE: BoundGauge = { set() {}, inc() {}, dec() {}, value: 0 };
