import type { Labels } from '../core/labels.js';
import { isValidLabelName, labelValueToString, seriesKey, toWellFormed } from '../core/labels.js';
import {
  LABEL_NAME_INVALID,
  LABEL_VALUE_RESERVED,
  LABEL_VALUE_UNUSABLE,
  LABELS_NOT_AN_OBJECT,
  LABELS_THREW,
  LABELS_TOO_LONG,
  labelSetProblem,
  OVERFLOW_KEY,
  OVERFLOW_LABEL_VALUE,
  UNBOUNDED,
  type SeriesBounds,
} from './series-index-labels.js';
import { LabelTree } from './series-index-tree.js';

// The label rules live in series-index-labels.ts and the label tree in series-index-tree.ts;
// the metrics import them from here, beside the index.
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
  ) {
    this.names = names;
    this.tree = new LabelTree(names);
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
    const clean: Labels = {};
    for (const name of Object.keys(labels)) {
      const value = labels[name]!;
      if (value === OVERFLOW_LABEL_VALUE) return this.refuse(LABEL_VALUE_RESERVED);
      // Prometheus reads an empty label as no label: `{a=""}` and `{}` would be one series scraped twice.
      if (value !== '') clean[name] = toWellFormed(value);
    }
    const key = seriesKey(clean);
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    const problem = labelSetProblem(clean, this.bounds);
    if (problem !== undefined) return this.refuse(problem);
    if (this.full()) return this.overflow();
    const series = this.created(this.create(clean, key));
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

  /** Removes a series; its bound handles keep working and re-attach it on their next write. */
  evict(series: S): void {
    // By identity: a series already out (displaced by reattach) must not take the live one of its key with it.
    if (this.byKey.get(series.key) !== series) return;
    this.byKey.delete(series.key);
    this.version++;
    if (this.bounds.budget !== undefined) this.bounds.budget.used--;
    series.evicted = true;
    if (series === this.single) this.single = undefined;
    if (series === this.overflowSeries) this.overflowSeries = undefined;
    if (!this.dynamic && this.names.length > 0) this.tree.detach(series);
  }

  /**
   * Puts an evicted series back (a bound handle wrote to it). When a lookup made a series of the
   * same label set meanwhile, that one gives this one its place (key, tree and its count in the
   * budget) and is marked evicted, so a handle still bound to it puts it back the same way: left
   * in place it would sit outside the index, never read, yet counted in the budget for ever.
   */
  reattach(series: S): void {
    series.evicted = false;
    const displaced = this.byKey.get(series.key);
    if (displaced !== undefined && displaced !== series) {
      displaced.evicted = true;
      if (!this.dynamic && this.names.length > 0 && displaced.key !== OVERFLOW_KEY) this.tree.detach(displaced);
    } else if (this.bounds.budget !== undefined) {
      // Counted even past the budget: a bound handle already holds the series' memory.
      this.bounds.budget.used++;
    }
    this.byKey.set(series.key, series);
    this.version++;
    if (this.dynamic) return;
    if (this.names.length === 0) this.single = series;
    else this.attach(series);
  }

  /** True when no new series may be created: this metric's limit or the monitor's total is reached. */
  private full(): boolean {
    const budget = this.bounds.budget;
    return this.byKey.size >= this.limit || (budget !== undefined && budget.used >= budget.max);
  }

  /** Counts a new series against the monitor's total. */
  private created(series: S): S {
    if (this.bounds.budget !== undefined) this.bounds.budget.used++;
    return series;
  }

  private createSingle(): S {
    const series = this.created(this.create({}, ''));
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
    const values: string[] = new Array(names.length);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      // Own properties only: a label called `constructor` left out must read as '', not as Object.
      const value = labelValueToString(input !== undefined && Object.hasOwn(input, name) ? input[name] : undefined);
      if (value === undefined) return this.refuse(LABEL_VALUE_UNUSABLE);
      if (value === OVERFLOW_LABEL_VALUE) return this.refuse(LABEL_VALUE_RESERVED);
      values[i] = toWellFormed(value);
    }
    // JSON of the values in label order: injective, unlike values joined by a separator byte.
    const key = JSON.stringify(values);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    let length = this.namesLength;
    for (const value of values) length += value.length;
    if (length > this.bounds.maxLabelSetLength) return this.refuse(LABELS_TOO_LONG);
    if (this.full()) return this.overflow();
    const labels: Labels = {};
    for (let i = 0; i < names.length; i++) labels[names[i]!] = values[i]!;
    const series = this.created(this.create(labels, key));
    this.byKey.set(key, series);
    this.version++;
    this.attach(series);
    return series;
  }

  /** Dynamic mode, through get(): the own enumerable labels of `input`, validated. */
  private fromInput(input: Readonly<Record<string, unknown>>): S | undefined {
    const labels: Labels = {};
    for (const name of Object.keys(input)) {
      if (!isValidLabelName(name) || name === 'le') return this.refuse(LABEL_NAME_INVALID);
      const value = labelValueToString(input[name]);
      if (value === undefined) return this.refuse(LABEL_VALUE_UNUSABLE);
      labels[name] = value;
    }
    return this.getDynamic(labels);
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
    const series = this.byKey.get(OVERFLOW_KEY) ?? this.created(this.create(labels, OVERFLOW_KEY));
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
