import type { Labels, LabelInput } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import { Metric } from './metric.js';
import type { SeriesBase } from './series-index.js';

/** State of one counter series. */
export class CounterSeries implements SeriesBase {
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
    private readonly metric: Counter,
  ) {}

  /** Adds `amount` (default 1). Negative, NaN and infinite amounts are dropped and reported. */
  inc(amount = 1): void {
    if (typeof amount !== 'number' || !(amount >= 0 && amount < Infinity)) {
      this.metric.reject(amount);
      return;
    }
    if (this.evicted) return this.metric.writeThrough(this, incThrough, amount);
    const next = this.value + amount;
    // A total past Number.MAX_VALUE would read +Inf for ever after: refused, the total kept.
    if (next === Infinity) {
      this.metric.rejectOverflow(amount);
      return;
    }
    if (this.slotCount === 0) this.metric.touch(this);
    this.value = next;
    this.slotCount++;
    this.slotSum += amount;
    if (amount < this.slotMin) this.slotMin = amount;
    if (amount > this.slotMax) this.slotMax = amount;
  }
}

/** An evicted or removed handle's inc (see Metric.writeThrough): the live series counts it, and the handle reads its total. */
function incThrough(live: CounterSeries, amount: number, handle: CounterSeries): void {
  live.inc(amount);
  handle.value = live.value;
}

/** A counter bound to one label set: the allocation-free way to count on a hot path. */
export interface BoundCounter {
  /** Adds `amount` (default 1). */
  inc(amount?: number): void;
  /** The current total. */
  readonly value: number;
}

/** A monotonically increasing count, e.g. requests served. Created by `monitor.counter()`. */
export class Counter<Name extends string = string> extends Metric<CounterSeries, Name> {
  readonly kind = 'counter' as const;

  /** Adds `value` (default 1) to the series of `labels` (or the unlabeled one). */
  inc(value?: number, labels?: LabelInput<Name>): void;
  /** prom-client's order, labels first: adds `value` (default 1) to the series of `labels`. */
  inc(labels: LabelInput<Name>, value?: number): void;
  inc(first?: number | LabelInput<Name>, second?: LabelInput<Name> | number): void {
    // One order for every metric (value first); an object first is prom-client's (labels, value).
    // Two straight branches, so each keeps its locals of one type on this hot path.
    if (typeof first === 'object' && first !== null) {
      const amount = second === undefined ? 1 : second;
      // Checked before the lookup so a rejected amount never creates an empty series.
      if (typeof amount !== 'number' || !(amount >= 0 && amount < Infinity)) this.reject(amount);
      else this.series(first)?.inc(amount);
      return;
    }
    const amount = first === undefined ? 1 : first;
    if (typeof amount !== 'number' || !(amount >= 0 && amount < Infinity)) this.reject(amount);
    else this.series(second as LabelInput<Name> | undefined)?.inc(amount);
  }

  /** The series of `labels`, to increment without a lookup per call. */
  labels(labels: LabelInput<Name>): BoundCounter {
    return this.series(labels) ?? DETACHED_COUNTER;
  }

  /**
   * Current total of the series of `labels` (0 if it never counted, or was removed).
   * A read: it creates no series (a lookup would, and fold unknown labels into the overflow series).
   */
  get(labels?: LabelInput<Name>): number {
    return this.index.peek(labels)?.value ?? 0;
  }

  /** @internal */
  reject(amount: unknown): void {
    this.ctx.invalidValue(this.name, amount, 'counter increments must be finite and >= 0');
  }

  /** @internal */
  rejectOverflow(amount: number): void {
    this.ctx.invalidValue(this.name, amount, 'the increment would overflow the counter to +Inf');
  }

  /** @internal */
  protected holdsSlot(series: CounterSeries): boolean {
    return series.slotCount > 0;
  }

  /** @internal A counter made again after `remove` counts from 0 (a reset, as after a restart). */
  protected restart(series: CounterSeries): void {
    series.value = 0;
  }

  /** @internal */
  protected createSeries(labels: Labels, key: string): CounterSeries {
    return new CounterSeries(labels, key, this as unknown as Counter);
  }

  /** @internal */
  closeSlot(closeAt: number, out: Rollup[]): void {
    for (const s of this.dirty) {
      out.push({
        name: this.name,
        kind: 'counter',
        labels: s.labels,
        start: this.ctx.slotStart,
        end: closeAt,
        count: s.slotCount,
        sum: s.slotSum,
        min: s.slotMin,
        max: s.slotMax,
        last: s.value,
      });
      s.slotCount = 0;
      s.slotSum = 0;
      s.slotMin = Infinity;
      s.slotMax = -Infinity;
    }
    this.dirty = [];
    this.index.slotClosed();
  }
}

// Returned by labels() when the label values are unusable (already reported): writes go nowhere.
const DETACHED_COUNTER: BoundCounter = { inc() {}, value: 0 };
