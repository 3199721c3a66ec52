import type { Labels } from '../core/labels.js';
import { seriesKey } from '../core/labels.js';
import {
  declaredValues,
  freeFormInput,
  freeFormSet,
  isLabelObject,
  LABELS_NOT_AN_OBJECT,
  LABELS_THREW,
  LABELS_TOO_LONG,
  labelSetProblem,
  OVERFLOW_KEY,
  OVERFLOW_LABEL_VALUE,
  UNBOUNDED,
  type SeriesBounds,
} from './series-index-labels.js';
import { HeldSeries } from './series-index-held.js';
import { LabelTree } from './series-index-tree.js';

// The label rules live in series-index-labels.ts, the label tree in series-index-tree.ts and the
// series removed in the open slot in series-index-held.ts; the metrics import them from here.
export {
  isLabelObject,
  LABEL_VALUE_RESERVED,
  LABELS_NOT_AN_OBJECT,
  LABELS_THREW,
  LABELS_TOO_LONG,
  LABELS_TOO_MANY,
  labelSetProblem,
  OVERFLOW_LABEL_VALUE,
} from './series-index-labels.js';
export type { SeriesBounds, SeriesBudget } from './series-index-labels.js';

/** What every series carries, whatever its metric type. */
export interface SeriesBase {
  readonly labels: Labels;
  readonly key: string;
  /** Slot start of the last time the series recorded something. */
  lastTouched: number;
  evicted: boolean;
  /** Exposition cache of the rendered label pairs. */
  labelText?: string | undefined;
}

/**
 * Finds the series of a label set through one Map per label name, so a lookup with a known
 * label set allocates nothing. New label sets past the limit fold into one overflow series.
 */
export class SeriesIndex<S extends SeriesBase> {
  readonly names: readonly string[];
  readonly byKey = new Map<string, S>();
  /** Recordings folded into the overflow series since the metric was defined. */
  overflowed = 0;
  /**
   * Counts every series added to or taken out of the index: a reader that keeps a view of the
   * series between reads (the snapshot's kept windows) knows it is stale when this moved.
   */
  version = 0;
  private readonly tree: LabelTree<S>;
  /** Series removed in the open slot after they recorded in it, until it closes (see {@link HeldSeries}). */
  private readonly retired: HeldSeries<S>;
  private single: S | undefined;
  private overflowSeries: S | undefined;

  constructor(
    names: readonly string[],
    private readonly limit: number,
    private readonly create: (labels: Labels, key: string) => S,
    private readonly onOverflow: (first: boolean) => void,
    /** Label names vary per series (seed-style `tags`); lookups go by a sorted key instead of the tree. */
    readonly dynamic = false,
    private readonly bounds: SeriesBounds = UNBOUNDED,
    /** Resets what a removed series shows when it is made again (its total): see {@link evict}. */
    restart: (series: S) => void = () => {},
  ) {
    this.names = names;
    this.tree = new LabelTree(names);
    this.retired = new HeldSeries(restart, bounds.budget);
    for (const name of names) this.namesLength += name.length;
  }

  /** Characters of the declared label names, counted into every series' label set length. */
  private namesLength = 0;

  /** Why the last `get`/`getDynamic` returned undefined. */
  rejection = '';

  /**
   * Dynamic mode: the series of a label set whose names are validated (`recordMetric`);
   * `undefined` if a value is reserved. When the series is created, values are made well-formed
   * and empty ones left out.
   */
  getDynamic(labels: Labels): S | undefined {
    const existing = this.byKey.get(seriesKey(labels));
    if (existing !== undefined) return existing;
    const clean = freeFormSet(labels);
    if (typeof clean === 'string') return this.refuse(clean);
    const key = seriesKey(clean);
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const problem = labelSetProblem(clean, this.bounds);
    if (problem !== undefined) return this.refuse(problem);
    let series = this.retired.take(key);
    if (series === undefined) {
      if (this.full()) return this.overflow();
      series = this.make(clean, key);
    }
    this.byKey.set(key, series);
    this.version++;
    return series;
  }

  /**
   * The series for `input`, creating it if needed; `undefined` (reason in `rejection`) if the
   * input is not a label object, a value is unusable or reserved, or reading it threw. Any value
   * a JavaScript caller can pass is handled without throwing.
   */
  get(input: unknown): S | undefined {
    const names = this.names;
    if (input === undefined) return names.length === 0 && !this.dynamic ? (this.single ?? this.createSingle()) : this.miss(undefined);
    if (typeof input !== 'object' || input === null) return this.refuse(LABELS_NOT_AN_OBJECT);
    try {
      // A proxy may throw from Array.isArray (revoked) or from any read below.
      if (Array.isArray(input)) return this.refuse(LABELS_NOT_AN_OBJECT);
      if (names.length === 0) return this.dynamic ? this.fromInput(input as Record<string, unknown>) : (this.single ?? this.createSingle());
      // The known-label-set path: one Map lookup per label down to a series, no allocation.
      const found = this.tree.find(input as Record<string, unknown>);
      if (found !== undefined) return found;
      return this.miss(input as Record<string, unknown>);
    } catch {
      return this.refuse(LABELS_THREW);
    }
  }

  /** Every live series. */
  values(): IterableIterator<S> {
    return this.byKey.values();
  }

  get size(): number {
    return this.byKey.size;
  }

  /**
   * Takes a series out of the index (idle eviction, `remove`); its bound handles keep working
   * (see {@link follow}). `holdsSlot` (a removal in the open slot of a series that recorded in it):
   * it is kept aside, in its place in the limits, until the slot closes ({@link HeldSeries}); one
   * not kept aside gives its place back now.
   */
  evict(series: S, holdsSlot = false): void {
    // By identity: a series already out must not take the live one of its key with it.
    if (this.byKey.get(series.key) !== series) return;
    this.byKey.delete(series.key);
    this.version++;
    series.evicted = true;
    if (holdsSlot) this.retired.hold(series);
    else if (this.bounds.budget !== undefined) this.bounds.budget.used--;
    if (series === this.single) this.single = undefined;
    if (series === this.overflowSeries) this.overflowSeries = undefined;
    if (!this.dynamic && this.names.length > 0) this.tree.detach(series);
  }

  /**
   * The series a handle bound to the evicted `series` writes into: the live one of its label set;
   * else the one held aside for the open slot (put back, in the place it kept); else `series`,
   * put back if the limits have room, else the overflow series (counted as an overflow: handles
   * must not take places past the limits). So a label set has one series, and one rollup, a slot
   * (stores keep one per series, slot and instance: a second would replace the first).
   */
  follow(series: S): S {
    const live = this.byKey.get(series.key);
    if (live !== undefined) return live;
    let back = this.retired.take(series.key);
    if (back === undefined) {
      // The overflow series itself comes back: it is where label sets past the limits go.
      if (series.key !== OVERFLOW_KEY && this.full()) return this.overflow();
      back = series;
      back.evicted = false;
      if (this.bounds.budget !== undefined) this.bounds.budget.used++;
    }
    this.byKey.set(back.key, back);
    this.version++;
    if (this.dynamic) return back;
    if (this.names.length === 0) this.single = back;
    else this.attach(back);
    return back;
  }

  /** The series removed in the open slot that hold what they recorded in it (their rollups are still to be made). */
  retiredValues(): IterableIterator<S> {
    return this.retired.values();
  }

  /** The open slot closed and the series kept aside for it were written: they are let go. */
  slotClosed(): void {
    this.retired.release();
  }

  /**
   * The live series of `input` without creating one (`remove`): undefined for labels of no
   * series, the overflow marker, or input no label set can be. A map lookup, no scan.
   */
  peek(input: unknown): S | undefined {
    if (input !== undefined && !isLabelObject(input)) return undefined;
    try {
      if (this.dynamic) {
        const labels = input === undefined ? {} : freeFormInput(input);
        const clean = typeof labels === 'string' ? labels : freeFormSet(labels);
        return typeof clean === 'string' ? undefined : this.byKey.get(seriesKey(clean));
      }
      if (this.names.length === 0) return this.single;
      const found = input === undefined ? undefined : this.tree.find(input);
      if (found !== undefined) return found;
      const values = declaredValues(input, this.names);
      return typeof values === 'string' ? undefined : this.byKey.get(JSON.stringify(values));
    } catch {
      // A getter or proxy trap threw: no series has such labels.
      return undefined;
    }
  }

  /** True when no new series may be created: this metric's limit or the monitor's total (both count the held series) is reached. */
  private full(): boolean {
    const budget = this.bounds.budget;
    return this.byKey.size + this.retired.size >= this.limit || (budget !== undefined && budget.used >= budget.max);
  }

  /** A new series, counted against the monitor's total. */
  private make(labels: Labels, key: string): S {
    const series = this.create(labels, key);
    if (this.bounds.budget !== undefined) this.bounds.budget.used++;
    return series;
  }

  private createSingle(): S {
    const series = this.retired.take('') ?? this.make({}, '');
    this.single = series;
    this.byKey.set('', series);
    this.version++;
    return series;
  }

  private refuse(reason: string): undefined {
    this.rejection = reason;
    return undefined;
  }

  /** A label set not in the tree: validated, made well-formed and keyed here, off the hot path. */
  private miss(input: Readonly<Record<string, unknown>> | undefined): S | undefined {
    const names = this.names;
    const values = declaredValues(input, names);
    if (typeof values === 'string') return this.refuse(values);
    // JSON of the values in label order: injective, unlike values joined by a separator byte.
    const key = JSON.stringify(values);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    let length = this.namesLength;
    for (const value of values) length += value.length;
    if (length > this.bounds.maxLabelSetLength) return this.refuse(LABELS_TOO_LONG);
    let series = this.retired.take(key);
    if (series === undefined) {
      if (this.full()) return this.overflow();
      const labels: Labels = {};
      for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
      series = this.make(labels, key);
    }
    this.byKey.set(key, series);
    this.version++;
    this.attach(series);
    return series;
  }

  /** Dynamic mode, through get(): the own enumerable labels of `input`, validated. */
  private fromInput(input: Readonly<Record<string, unknown>>): S | undefined {
    const labels = freeFormInput(input);
    return typeof labels === 'string' ? this.refuse(labels) : this.getDynamic(labels);
  }

  private overflow(): S {
    this.overflowed++;
    this.onOverflow(this.overflowed === 1);
    if (this.overflowSeries !== undefined) return this.overflowSeries;
    const labels: Labels = {};
    for (const name of this.names) labels[name] = OVERFLOW_LABEL_VALUE;
    // Free-form label sets have no declared names: one label carries the marker.
    if (this.dynamic) labels['overflow'] = OVERFLOW_LABEL_VALUE;
    // The overflow series lives outside the tree: unknown label sets reach it through miss().
    const series = this.byKey.get(OVERFLOW_KEY) ?? this.make(labels, OVERFLOW_KEY);
    this.byKey.set(OVERFLOW_KEY, series);
    this.version++;
    this.overflowSeries = series;
    return series;
  }

  private attach(series: S): void {
    if (series.key === OVERFLOW_KEY) this.overflowSeries = series;
    else this.tree.attach(series);
  }
}
