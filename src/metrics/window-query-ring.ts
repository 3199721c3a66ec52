import type { HistogramSlot } from './histogram-slot.js';
import type { BucketLayout } from './log-buckets.js';
import type { EntryRecord } from './window-query-reuse.js';

// A closed histogram slot keeps its data as one string of bytes (histogram-closed-slot.ts): its
// sum, min and max are decoded from 8 bytes each at every read, its values or bucket counts from
// varints. The rule engine reads every slot of every ring it holds at every tick (a ring of ten
// slots changes one slot a slot length): the fleet bench's 3,333 local series decoded ~33,000
// slots a tick, 10 ms of its CPU on a quiet machine. Here each closed slot is decoded once, when
// the engine first reads it, into plain fields and arrays.

/**
 * A closed slot's data, decoded once: the same numbers, values and bucket counts as the slot it
 * stands for, in the same order (a distribution fed either holds the same counts and values).
 * Values and buckets are decoded at their first read, for the scale (and layout) asked for; a
 * read for another scale decodes the slot again.
 */
export class DecodedSlot implements HistogramSlot {
  readonly start: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  readonly exact: boolean;
  private values: number[] | undefined;
  private valuesScale = Number.NaN;
  /** (index, count) pairs, in the order the slot gives them, for `bucketsLayout` and `bucketsScale`. */
  private buckets: number[] | undefined;
  private bucketsLayout: BucketLayout | undefined;
  private bucketsScale = Number.NaN;

  constructor(private readonly slot: HistogramSlot) {
    this.start = slot.start;
    this.count = slot.count;
    this.sum = slot.sum;
    this.min = slot.min;
    this.max = slot.max;
    this.exact = slot.exact;
  }

  forEachValue(scale: number, fn: (value: number) => void): void {
    if (this.values === undefined || this.valuesScale !== scale) {
      const values: number[] = [];
      this.slot.forEachValue(scale, (v) => values.push(v));
      this.values = values;
      this.valuesScale = scale;
    }
    const values = this.values;
    for (let i = 0; i < values.length; i++) fn(values[i]!);
  }

  forEachBucket(layout: BucketLayout, scale: number, fn: (index: number, count: number) => void): void {
    const buckets = this.bucketPairs(layout, scale);
    for (let i = 0; i < buckets.length; i += 2) fn(buckets[i]!, buckets[i + 1]!);
  }

  /** What {@link forEachBucket} gives, as (index, count) pairs in its order: the slot's own array, not to be changed. */
  bucketPairs(layout: BucketLayout, scale: number): readonly number[] {
    if (this.buckets === undefined || this.bucketsLayout !== layout || this.bucketsScale !== scale) {
      const buckets: number[] = [];
      this.slot.forEachBucket(layout, scale, (index, count) => buckets.push(index, count));
      this.buckets = buckets;
      this.bucketsLayout = layout;
      this.bucketsScale = scale;
    }
    return this.buckets;
  }
}

/** What a ring cache reads of a histogram series: its ring and its open slot (histogram-series.ts). */
export interface RingHolder {
  readonly ring: readonly HistogramSlot[];
  readonly slot: HistogramSlot;
}

/** Numbers a ring slot in {@link RingView.cols}: start, count, sum, min, max. */
export const RF = 5;

/**
 * A ring as a window reads it through the cache: its slots, and the closed ones' numbers in one
 * block (the open slot's entry has a count of 0: it still records, and is read from `slots`).
 * The window's loops (range stats, matching this monitor's rollups to ring slots) read the block:
 * the slot objects of 3,334 series, scattered over the heap and of two classes, cost the fleet
 * bench's tick ~5 ms of CPU in those two loops.
 */
export interface RingView {
  readonly slots: readonly HistogramSlot[];
  readonly cols: Float64Array;
  /** Position of the open slot in `slots` (-1: none). */
  readonly openAt: number;
  /** Changes whenever a slot of the ring is another object than at the last read (a slot closed). */
  readonly version: number;
  /** What the last window build made of the ring's series (see window-query-reuse.ts), kept on the view: no map of its own. */
  built: EntryRecord | undefined;
}

interface RingRecord extends RingView {
  /** The ring's slots as last seen. */
  sources: HistogramSlot[];
  /** The slots a window reads: the open slot as it is, each closed one as its {@link DecodedSlot}. */
  slots: HistogramSlot[];
  cols: Float64Array;
  openAt: number;
  version: number;
  built: EntryRecord | undefined;
  /** Bucket pairs of closed slots read so far (see {@link ringPairs}), for `pairsLayout` and `pairsScale`. */
  pairs: (readonly number[] | undefined)[];
  pairsLayout: BucketLayout | undefined;
  pairsScale: number;
}

/**
 * The bucket pairs of closed slot `j` of a ring view (its `DecodedSlot.bucketPairs`), kept on the
 * view: a distribution over a window's slots then reads the ring's block and these arrays, not
 * the slot objects (one miss of the cache a slot fewer, for every percentile rule at every tick).
 */
export function ringPairs(view: RingView, j: number, layout: BucketLayout, scale: number): readonly number[] {
  const record = view as RingRecord;
  if (record.pairsLayout !== layout || record.pairsScale !== scale) {
    record.pairs.fill(undefined);
    record.pairsLayout = layout;
    record.pairsScale = scale;
  }
  return (record.pairs[j] ??= (record.slots[j] as DecodedSlot).bucketPairs(layout, scale));
}

/**
 * The rings of this process's histogram series as the rule engine reads them, kept between ticks:
 * each closed slot decoded once (see {@link DecodedSlot}), the open slot read as it is (it still
 * records). A closed slot never changes (the ring replaces it by another object), so a slot of
 * the same identity as last seen keeps its decoded copy. Keyed by series: an evicted series'
 * record goes with it.
 */
export class RingCache {
  private records = new WeakMap<RingHolder, RingRecord>();

  /**
   * The slots of `series`' ring, in ring order, to read instead of the ring: the same slots, the
   * closed ones decoded. The array is the series' own and is rewritten at the next call (a
   * window is read before the next tick's).
   */
  slotsOf(series: RingHolder): readonly HistogramSlot[] {
    return this.view(series).slots;
  }

  /**
   * {@link slotsOf} with the closed slots' numbers in columns (see {@link RingView}): the record
   * is the series' own and is rewritten at the next call.
   */
  view(series: RingHolder): RingView {
    const ring = series.ring;
    let record = this.records.get(series);
    if (record === undefined) this.records.set(series, (record = { sources: [], slots: [], cols: new Float64Array(ring.length * RF), openAt: -1, version: 0, built: undefined, pairs: [], pairsLayout: undefined, pairsScale: Number.NaN }));
    const { sources, slots: views } = record;
    if (sources.length !== ring.length) {
      record.version++;
      sources.length = ring.length;
      views.length = ring.length;
      record.pairs.length = ring.length;
      const cols = new Float64Array(ring.length * RF);
      cols.set(record.cols.subarray(0, Math.min(record.cols.length, cols.length)));
      record.cols = cols;
    }
    const cols = record.cols;
    record.openAt = -1;
    for (let i = 0; i < ring.length; i++) {
      const slot = ring[i]!;
      if (slot === series.slot) record.openAt = i;
      if (sources[i] === slot) continue;
      sources[i] = slot;
      record.version++;
      record.pairs[i] = undefined;
      const o = i * RF;
      if (slot === series.slot) {
        views[i] = slot;
        // The open slot's numbers change as it records: read from the slot, never from here.
        cols[o] = Number.NaN;
        cols[o + 1] = 0;
        continue;
      }
      const view = new DecodedSlot(slot);
      views[i] = view;
      cols[o] = view.start;
      cols[o + 1] = view.count;
      cols[o + 2] = view.sum;
      cols[o + 3] = view.min;
      cols[o + 4] = view.max;
    }
    return record;
  }

  /** Forgets every ring (a follower's ticks keep nothing). */
  clear(): void {
    // A WeakMap cannot be emptied: a new one is the same.
    this.records = new WeakMap();
  }
}
