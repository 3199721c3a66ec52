import type { Rollup } from '../storage/contract.js';
import { materializeRollups } from './hdr-codec.js';
import { type BucketLayout, SparseCounts } from './log-buckets.js';

/**
 * Values a slot keeps exactly before it switches to bucket counts. Small series stay exact and
 * small (8 bytes a value); busy ones pay a fixed bucket cost instead.
 */
export const RAW_CAPACITY = 128;
const FIRST_RAW_LENGTH = 8;

/** One time slot of one histogram series: count, sum, min, max and the value distribution. */
export class HistogramSlot {
  start = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** Values stored exactly while `n <= RAW_CAPACITY`. */
  raw: Float64Array | null = null;
  n = 0;
  /** Bucket counts (integer units of `resolution`) once the slot has more than RAW_CAPACITY values. */
  counts: SparseCounts | null = null;
  /** The rollup of this slot whose histogram is not encoded yet. */
  unencoded: Rollup | undefined;

  /** Records a value already known to be finite and non-negative. */
  record(value: number, layout: BucketLayout, scale: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const n = this.n;
    if (n < RAW_CAPACITY) {
      let raw = this.raw;
      if (raw === null || n === raw.length) raw = this.growRaw();
      raw[n] = value;
      this.n = n + 1;
    } else {
      if (n === RAW_CAPACITY) this.spill(layout, scale);
      (this.counts as SparseCounts).record(Math.floor(value * scale));
    }
  }

  /** True once values are kept as bucket counts rather than exactly. */
  get bucketed(): boolean {
    return this.n > RAW_CAPACITY;
  }

  /** Empties the slot for reuse, keeping its buffers. */
  reset(start: number): void {
    // The data is about to go: encode a rollup still waiting for it (storage was slow or down).
    if (this.unencoded !== undefined) materializeRollups([this.unencoded]);
    this.start = start;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.n = 0;
    if (this.counts !== null) this.counts.clear();
  }

  /** Calls `fn(index, count)` for the slot's distribution as bucket counts. */
  forEachBucket(layout: BucketLayout, scale: number, fn: (index: number, count: number) => void): void {
    if (this.bucketed) {
      (this.counts as SparseCounts).forEach(fn);
      return;
    }
    const raw = this.raw;
    for (let i = 0; i < this.n; i++) fn(layout.index(Math.floor((raw as Float64Array)[i]! * scale)), 1);
  }

  /** Bytes held by the slot's buffers (for memory reports). */
  get byteLength(): number {
    return (this.raw?.byteLength ?? 0) + (this.counts?.byteLength ?? 0);
  }

  private growRaw(): Float64Array {
    const next = new Float64Array(this.raw === null ? FIRST_RAW_LENGTH : Math.min(RAW_CAPACITY, this.raw.length * 2));
    if (this.raw !== null) next.set(this.raw);
    this.raw = next;
    return next;
  }

  private spill(layout: BucketLayout, scale: number): void {
    const counts = this.counts ?? (this.counts = new SparseCounts(layout));
    const raw = this.raw as Float64Array;
    for (let i = 0; i < RAW_CAPACITY; i++) counts.record(Math.floor(raw[i]! * scale));
    this.n = RAW_CAPACITY + 1;
  }
}
