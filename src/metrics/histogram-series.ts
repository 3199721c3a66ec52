import type { LabelInput, Labels } from '../core/labels.js';
import { OpenSlot, type HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';
import type { SeriesBase, SeriesIndex } from './series-index.js';

/**
 * What a histogram series needs of its metric (histogram.ts's `Histogram`), as an interface so
 * that the metric can import the series without the series importing it back.
 */
export interface HistogramOwner {
  readonly maxValue: number;
  readonly layout: BucketLayout;
  readonly scale: number;
  readonly index: SeriesIndex<HistogramSeries>;
  /** Reports a dropped value. */
  reject(value: unknown): void;
  /** The series' first write in the open slot. */
  touch(series: HistogramSeries): void;
  /** A write through a handle whose series left the index (see Metric.writeThrough). */
  writeThrough<R>(series: HistogramSeries, write: (live: HistogramSeries, x: number, handle: HistogramSeries) => R, x: number): R;
  /** A timer that records into `series`. */
  timer(series: HistogramSeries): StopTimer;
}

/** Stops a timer started by `startTimer`, records the elapsed time and returns it (in the metric's unit). */
export type StopTimer<Name extends string = string> = (labels?: LabelInput<Name>) => number;

/** State of one histogram series: a ring of time slots plus cumulative bucket counts for exposition. */
export class HistogramSeries implements SeriesBase {
  lastTouched = 0;
  evicted = false;
  /** The slot being recorded into. */
  readonly slot: OpenSlot = new OpenSlot();
  /** The open slot and the closed ones kept for windows (compact, immutable); at most `slotCount`. */
  ring: HistogramSlot[] = [this.slot];
  private pos = 0;
  /**
   * Totals of the closed slots for exposition: per-bucket counts (not cumulative, one extra for
   * +Inf), then their count and sum; null until a slot closes. After a restart within a slot it
   * starts at minus that slot's content (see Histogram.restart). A plain array of numbers (V8
   * keeps them unboxed) costs ~150 bytes less than a Float64Array and two number fields.
   */
  closed: number[] | null = null;
  /** @internal Exposition cache of the rendered label pairs. */
  labelText: string | undefined;

  constructor(
    readonly labels: Labels,
    readonly key: string,
    private readonly metric: HistogramOwner,
  ) {}

  /** Records one observation; false when it was dropped (negative, NaN, too large) and reported. */
  observe(value: number): boolean {
    const metric = this.metric;
    // typeof first: '7' >= 0 is true in JS and would turn `sum` into a string.
    if (typeof value !== 'number' || !(value >= 0 && value <= metric.maxValue)) {
      metric.reject(value);
      return false;
    }
    if (this.evicted) return metric.writeThrough(this, observeThrough, value);
    const slot = this.slot;
    if (slot.count === 0) metric.touch(this);
    slot.record(value, metric.layout, metric.scale);
    return true;
  }

  /** Starts a timer; the returned function records the elapsed time. */
  startTimer(): StopTimer {
    return this.metric.timer(this);
  }

  /**
   * @internal Puts `closed` (the open slot's content) in the open slot's place and moves the
   * open slot, emptied, to the next place of the ring: a new one until the ring holds
   * `slotCount`, then the oldest closed slot's, which is dropped.
   */
  advance(closed: HistogramSlot, slotCount: number): void {
    const ring = this.ring;
    ring[this.pos] = closed;
    if (ring.length < slotCount) {
      this.pos = ring.length;
      // concat allocates the exact length; push would leave spare capacity (~70 bytes at 11).
      this.ring = ring.concat([this.slot]);
    } else {
      this.pos = (this.pos + 1) % ring.length;
      ring[this.pos] = this.slot;
    }
    this.slot.reset(0);
  }
}

/** An evicted or removed handle's observe (see Metric.writeThrough): the live series records it. */
function observeThrough(live: HistogramSeries, value: number): boolean {
  return live.observe(value);
}

/** A histogram bound to one label set: the zero-allocation hot path. */
export interface BoundHistogram {
  /** Records a value; false when it was dropped and reported (never throws unless `strict`). */
  observe(value: number): boolean;
  startTimer(): StopTimer;
}

