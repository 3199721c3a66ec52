import type { Labels, LabelInput } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import { Distribution } from './distribution.js';
import { deferEncoding } from './hdr-codec.js';
import { HistogramSeries, type BoundHistogram, type StopTimer } from './histogram-series.js';
import type { OpenSlot } from './histogram-slot.js';
import { BucketLayout } from './log-buckets.js';
import { Metric, type MetricDefinition } from './metric.js';
import { LABELS_NOT_AN_OBJECT, LABELS_THREW, isLabelObject } from './series-index.js';

// The state of one series and the bound-handle interface live in histogram-series.ts.
export { HistogramSeries, type BoundHistogram, type StopTimer } from './histogram-series.js';

/** What a histogram definition adds to the common fields. */
export interface HistogramDefinition extends MetricDefinition {
  /** Upper bounds of the Prometheus `_bucket` series, increasing. */
  buckets: readonly number[];
  /** Value of one integer unit in the HDR buckets (the lowest discernible value), in the metric's unit. */
  resolution: number;
  /** Values above this are rejected. */
  maxValue: number;
  significantDigits: number;
}

/**
 * A distribution of values (latencies, sizes) with exact-enough percentiles over time windows
 * and Prometheus buckets. Created by `monitor.histogram()`.
 */
export class Histogram<Name extends string = string> extends Metric<HistogramSeries, Name> {
  readonly kind = 'histogram' as const;
  /** Upper bounds of the exposed buckets. */
  readonly buckets: readonly number[];
  /** @internal */
  readonly layout: BucketLayout;
  /** @internal 1 / resolution: multiplies a value into integer bucket units. */
  readonly scale: number;
  readonly resolution: number;
  readonly maxValue: number;
  /** @internal Timers record milliseconds (the unit or name says so), else seconds. */
  private readonly timesInMs: boolean;
  /** @internal Bucket index of each boundary, to place bucketed slot data. */
  private readonly boundaryIndex: Float64Array;

  constructor(definition: HistogramDefinition, ctx: MetricContext) {
    super(definition, ctx);
    this.buckets = Object.freeze([...definition.buckets]);
    this.layout = new BucketLayout(definition.significantDigits);
    this.resolution = definition.resolution;
    this.scale = 1 / definition.resolution;
    this.maxValue = definition.maxValue;
    this.boundaryIndex = Float64Array.from(this.buckets, (b) => this.layout.index(Math.floor(b * this.scale)));
    const unit = definition.unit;
    this.timesInMs = unit === 'milliseconds' || unit === 'ms' || (unit === undefined && /_(milliseconds|ms)$/.test(definition.name));
  }

  /** Records `value` in the series of `labels` (or the unlabeled one). */
  observe(value: number, labels?: LabelInput<Name>): void;
  /** prom-client's order, labels first: records `value` in the series of `labels`. */
  observe(labels: LabelInput<Name>, value: number): void;
  observe(value: number | LabelInput<Name>, labels?: LabelInput<Name> | number): void {
    // Checked before the lookup so a rejected value never creates an empty series. The order
    // check sits on the rejection branch: the value-first hot path pays nothing for it.
    if (typeof value !== 'number' || !(value >= 0 && value <= this.maxValue)) {
      if (typeof value === 'object' && value !== null) this.observeLabelsFirst(value, labels);
      else this.reject(value);
    } else this.series(labels as LabelInput<Name> | undefined)?.observe(value);
  }

  /** prom-client's `observe(labels, value)`. */
  private observeLabelsFirst(labels: LabelInput<Name>, value: unknown): void {
    if (typeof value !== 'number' || !(value >= 0 && value <= this.maxValue)) this.reject(value);
    else this.series(labels)?.observe(value);
  }

  /** The series of `labels`, to observe without a lookup per call. */
  labels(labels: LabelInput<Name>): BoundHistogram {
    return this.series(labels) ?? DETACHED_HISTOGRAM;
  }

  /**
   * Starts a timer. Calling the returned function records the elapsed time (seconds, or
   * milliseconds for a histogram whose unit is milliseconds) with `labels` plus any given to it.
   */
  startTimer(labels?: LabelInput<Name>): StopTimer<Name> {
    const start = this.ctx.clock.monotonic();
    // Refused labels are reported now, where the caller passed them; the timer still times.
    if (labels !== undefined && !isLabelObject(labels)) {
      this.series(labels);
      return () => this.elapsedSince(start);
    }
    return (more) => {
      const elapsed = this.elapsedSince(start);
      const merged = more === undefined ? labels : this.merge(labels, more);
      if (merged !== undefined || more === undefined) this.series(merged)?.observe(elapsed);
      return elapsed;
    };
  }

  /** @internal */
  timer(series: HistogramSeries): StopTimer {
    const start = this.ctx.clock.monotonic();
    return () => {
      const elapsed = this.elapsedSince(start);
      series.observe(elapsed);
      return elapsed;
    };
  }

  /** @internal */
  reject(value: unknown): void {
    this.ctx.invalidValue(this.name, value, `histogram observations must be finite, >= 0 and <= ${this.maxValue}`);
  }

  /** @internal */
  override touch(series: HistogramSeries): void {
    series.slot.start = this.ctx.slotStart;
    super.touch(series);
  }

  /** @internal */
  protected holdsSlot(series: HistogramSeries): boolean {
    return series.slot.count > 0;
  }

  /**
   * @internal A histogram made again after `remove` exposes counts from 0 (its window slots stay
   * for reads). Made again within the slot it was removed in, that slot holds what came before
   * the removal too (its rollup carries all of it: one rollup per series and slot), so the exposed
   * totals start at minus what the slot holds now and cover only what comes after.
   */
  protected restart(series: HistogramSeries): void {
    const slot = series.slot;
    if (slot.count === 0) {
      series.closed = null;
      return;
    }
    const n = this.buckets.length + 1;
    const totals: number[] = Array.from({ length: n + 2 }, () => 0);
    this.addSlotBuckets(slot, totals);
    // 0 - x, not -x: an empty bucket stays +0 (a -0 would render as "-0").
    for (let i = 0; i < n; i++) totals[i] = 0 - totals[i]!;
    totals[n] = 0 - slot.count;
    totals[n + 1] = 0 - slot.sum;
    series.closed = totals;
  }

  /** @internal */
  protected createSeries(labels: Labels, key: string): HistogramSeries {
    return new HistogramSeries(labels, key, this);
  }

  /** @internal */
  closeSlot(closeAt: number, out: Rollup[]): void {
    for (const s of this.dirty) {
      const slot = s.slot;
      const closed = slot.close(this.layout, this.scale);
      const rollup: Rollup = {
        name: this.name,
        kind: 'histogram',
        labels: s.labels,
        start: slot.start,
        end: closeAt,
        count: slot.count,
        sum: slot.sum,
        min: slot.min,
        max: slot.max,
        resolution: this.resolution,
      };
      // The closed slot is immutable: the rollup can be encoded from it whenever it is written.
      deferEncoding(rollup, () => this.ctx.codec.encodeSlot(closed, this.layout, this.scale));
      out.push(rollup);
      const totals = s.closed ?? (s.closed = Array.from({ length: this.buckets.length + 3 }, () => 0));
      this.addSlotBuckets(slot, totals);
      totals[this.buckets.length + 1]! += slot.count;
      totals[this.buckets.length + 2]! += slot.sum;
      s.advance(closed, this.ctx.slotCount);
    }
    this.dirty = [];
    this.index.slotClosed();
  }

  /** @internal Adds the in-memory slots of `series` that end after `from` to `dist`. */
  addWindow(series: HistogramSeries, from: number, dist: Distribution): void {
    for (const slot of series.ring) {
      if (slot.count > 0 && slot.start + this.ctx.slotLength > from) dist.addSlot(slot);
    }
  }

  /** @internal Slot length in ms. */
  get slotLength(): number {
    return this.ctx.slotLength;
  }

  /** @internal The layout to decode a rollup into, if its resolution matches this histogram's (else totals only). */
  layoutFor(rollup: { resolution?: number | undefined }): BucketLayout | undefined {
    return rollup.resolution === undefined || rollup.resolution === this.resolution ? this.layout : undefined;
  }

  /** A new empty distribution with this histogram's layout, for merging series and slots. */
  distribution(): Distribution {
    return new Distribution(this.layout, this.resolution);
  }

  /**
   * @internal Cumulative exposition state of `series`: per-bucket counts (not cumulative, last
   * = +Inf) into `out`, returning [count, sum].
   */
  exposition(series: HistogramSeries, out: Float64Array): [number, number] {
    const closed = series.closed;
    const n = this.buckets.length + 1;
    for (let i = 0; i < n; i++) out[i] = closed === null ? 0 : closed[i]!;
    const slot = series.slot;
    if (slot.count > 0) this.addSlotBuckets(slot, out);
    return closed === null ? [slot.count, slot.sum] : [closed[n]! + slot.count, closed[n + 1]! + slot.sum];
  }

  /** Adds the open slot's values to per-bucket counts (`out[i]` for bucket i, then +Inf). */
  private addSlotBuckets(slot: OpenSlot, out: { [i: number]: number }): void {
    const bounds = this.buckets;
    const last = bounds.length;
    if (!slot.bucketed) {
      const raw = slot.raw as number[];
      for (let i = 0; i < slot.n; i++) {
        const v = raw[i]!;
        let j = 0;
        while (j < last && v > bounds[j]!) j++;
        out[j]!++;
      }
      return;
    }
    const idx = this.boundaryIndex;
    let j = 0;
    slot.counts!.forEach((index, count) => {
      while (j < last && index > idx[j]!) j++;
      out[j]! += count;
    });
  }

  /** `labels` with `more` over them, or undefined after reporting a `more` that is no label object. */
  private merge(labels: LabelInput<Name> | undefined, more: unknown): LabelInput<Name> | undefined {
    let reason = LABELS_NOT_AN_OBJECT;
    try {
      if (isLabelObject(more)) return { ...labels, ...more };
    } catch {
      // A getter or proxy trap threw while copying.
      reason = LABELS_THREW;
    }
    this.ctx.invalidLabels(this.name, more, reason);
    return undefined;
  }

  private elapsedSince(start: number): number {
    const ms = this.ctx.clock.monotonic() - start;
    return this.timesInMs ? ms : ms / 1000;
  }
}

const DETACHED_HISTOGRAM: BoundHistogram = {
  observe: () => false,
  startTimer: () => () => 0,
};
