import { ClosedSlot } from './histogram-closed-slot.js';
import { type BucketLayout, SparseCounts } from './log-buckets.js';

/**
 * Values a slot keeps exactly before it switches to bucket counts. Small series stay exact and
 * small (8 bytes a value); busy ones pay a fixed bucket cost instead.
 */
export const RAW_CAPACITY = 128;
const FIRST_RAW_LENGTH = 8;
/** Growth of the raw buffer: a quarter, so a series' buffer (kept from slot to slot) has little spare room. */
const RAW_GROWTH = 1.25;

/**
 * One time slot of one histogram series, as readers see it (the window query, distributions,
 * the HDR codec): count, sum, min, max and the distribution of its values. The slot being
 * recorded into is an {@link OpenSlot}; a closed one is a compact, immutable `ClosedSlot`.
 */
export interface HistogramSlot {
  /** Start (ms) of the slot; a slot spans [start, start + slot length). */
  readonly start: number;
  readonly count: number;
  readonly sum: number;
  /** Infinity while empty. */
  readonly min: number;
  /** -Infinity while empty. */
  readonly max: number;
  /** True while the slot holds its values exactly ({@link forEachValue}), false once only bucket counts. */
  readonly exact: boolean;
  /**
   * Calls `fn` with every value of an exact slot (nothing for a bucketed one). `scale` is the
   * histogram's (1 / resolution): closed slots may keep values as whole units of it.
   */
  forEachValue(scale: number, fn: (value: number) => void): void;
  /** Calls `fn(index, count)` for the slot's distribution as bucket counts of `layout` (units of 1 / `scale`). */
  forEachBucket(layout: BucketLayout, scale: number, fn: (index: number, count: number) => void): void;
}

/**
 * The slot of a series being recorded into: the hot path. Values are kept exactly up to
 * RAW_CAPACITY, then as bucket counts. A series has one, reused from slot to slot with its
 * buffers; {@link close} turns its content into a compact `ClosedSlot` for the ring.
 */
export class OpenSlot implements HistogramSlot {
  start = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /**
   * Values stored exactly while `n <= RAW_CAPACITY`. An array of doubles, which V8 stores
   * unboxed like a Float64Array but without its ~180-byte typed array and buffer headers.
   */
  raw: number[] | null = null;
  n = 0;
  /** Bucket counts (integer units of `resolution`) once the slot has more than RAW_CAPACITY values. */
  counts: SparseCounts | null = null;

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

  get exact(): boolean {
    return this.n <= RAW_CAPACITY;
  }

  /**
   * The slot's content as a compact immutable slot (see histogram-closed-slot.ts), for the
   * ring. The open slot is left as it is: {@link reset} empties it for the next slot.
   */
  close(layout: BucketLayout, scale: number): ClosedSlot {
    if (this.bucketed) return ClosedSlot.fromCounts(this.start, this.count, this.sum, this.min, this.max, this.counts as SparseCounts);
    return ClosedSlot.fromValues(this.start, this.sum, this.min, this.max, this.raw ?? [], this.n, layout, scale);
  }

  /** Empties the slot for the next one, keeping its buffers (the series records into it again). */
  reset(start: number): void {
    this.start = start;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.n = 0;
    if (this.counts !== null) this.counts.clear();
  }

  forEachValue(_scale: number, fn: (value: number) => void): void {
    if (this.bucketed) return;
    const raw = this.raw as number[];
    for (let i = 0; i < this.n; i++) fn(raw[i]!);
  }

  forEachBucket(layout: BucketLayout, scale: number, fn: (index: number, count: number) => void): void {
    if (this.bucketed) {
      (this.counts as SparseCounts).forEach(fn);
      return;
    }
    const raw = this.raw as number[];
    for (let i = 0; i < this.n; i++) fn(layout.index(Math.floor(raw[i]! * scale)), 1);
  }

  private growRaw(): number[] {
    const old = this.raw;
    // Filled with a double so every buffer has V8's double elements kind from the start: the
    // store in record() then sees one kind, and no buffer changes kind (and copies) later.
    const next = new Array<number>(old === null ? FIRST_RAW_LENGTH : Math.min(RAW_CAPACITY, Math.ceil(old.length * RAW_GROWTH))).fill(0.5);
    if (old !== null) for (let i = 0; i < old.length; i++) next[i] = old[i]!;
    this.raw = next;
    return next;
  }

  private spill(layout: BucketLayout, scale: number): void {
    const counts = this.counts ?? (this.counts = new SparseCounts(layout));
    const raw = this.raw as number[];
    for (let i = 0; i < RAW_CAPACITY; i++) counts.record(Math.floor(raw[i]! * scale));
    this.n = RAW_CAPACITY + 1;
  }
}
