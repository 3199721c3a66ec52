import type { Labels } from '../core/labels.js';
import { isValidLabelName, labelValueToString, seriesKey, toWellFormed } from '../core/labels.js';

/**
 * Label value every label takes in a metric's overflow series (a metric with free-form labels,
 * such as a `recordMetric` one, folds into `{overflow="__overflow__"}`). Reserved: a label value
 * equal to it is refused, so no user series can duplicate the overflow series.
 */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

/**
 * Key of the overflow series: fixed-label keys are JSON arrays, free-form ones seriesKey()'s
 * JSON and the unlabeled one '', so no label set can produce this one.
 */
const OVERFLOW_KEY = '\u0002overflow';

/** Why {@link SeriesIndex.get} refused a label input (the metric reports it). */
export const LABELS_NOT_AN_OBJECT = 'labels must be an object of label values';
export const LABELS_THREW = 'reading the labels threw';
export const LABEL_VALUE_RESERVED = `label value "${OVERFLOW_LABEL_VALUE}" is reserved for the overflow series`;
const LABEL_VALUE_UNUSABLE = 'label values must be strings, numbers or booleans';
export const LABELS_TOO_LONG = 'label names and values together are longer than limits.maxLabelSetLength';
export const LABELS_TOO_MANY = 'more labels than limits.maxLabelsPerSeries';

/**
 * Series of every metric of a monitor together (`limits.maxTotalSeries`): the per-metric limit
 * alone lets 1,000 metrics of 1,000 series each hold a million. Shared by the indexes of one
 * monitor; pulsewatch's own metrics do not take part.
 */
export interface SeriesBudget {
  used: number;
  readonly max: number;
}

/** Bounds on what one new series may hold. */
export interface SeriesBounds {
  budget?: SeriesBudget | undefined;
  /** Characters of label names and values together, in one series. */
  maxLabelSetLength: number;
  /** Labels in one free-form (`recordMetric`) series. */
  maxLabels: number;
}

const UNBOUNDED: SeriesBounds = { maxLabelSetLength: Infinity, maxLabels: Infinity };

/**
 * Why a label set may not become a series (too long, too many labels), or `undefined`. Exported
 * so that a whole batch can be checked before any of it is recorded (`POST /metrics`).
 */
export function labelSetProblem(labels: Readonly<Record<string, string>>, bounds: Pick<SeriesBounds, 'maxLabelSetLength' | 'maxLabels'>): string | undefined {
  let count = 0;
  let length = 0;
  for (const name in labels) {
    const value = labels[name]!;
    // An empty value is no label (Prometheus reads `{a=""}` as `{}`): a free-form series drops it.
    if (value === '') continue;
    count++;
    length += name.length + value.length;
  }
  if (count > bounds.maxLabels) return LABELS_TOO_MANY;
  if (length > bounds.maxLabelSetLength) return LABELS_TOO_LONG;
  return undefined;
}
const LABEL_NAME_INVALID = 'label names must match [a-zA-Z_][a-zA-Z0-9_]* (not "__" first, not "le")';

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
 * A level of the label tree: the next label's values, each leading to the next level or, when
 * one series alone has that prefix, to the series itself (its remaining labels are compared on
 * lookup). A level per label for every series cost a Map (~200 bytes) per series whenever a
 * label such as a route is unique per series.
 */
type Node<S> = Map<string, Node<S> | S>;

/** A label value of `input` as the tree holds it (undefined for a value no label can take). */
function labelValueOf(input: Readonly<Record<string, unknown>>, name: string): string {
  const raw = input[name];
  return typeof raw === 'string' ? raw : (labelValueToString(raw) as string);
}

/** True when `input` can be read as labels: an object, not null, not an array (and not a revoked proxy). */
export function isLabelObject(input: unknown): input is Readonly<Record<string, unknown>> {
  if (typeof input !== 'object' || input === null) return false;
  try {
    return !Array.isArray(input);
  } catch {
    return false;
  }
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
  private readonly root: Node<S> = new Map();
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
      let node: Node<S> = this.root;
      for (let i = 0; i < names.length; i++) {
        const next = node.get(labelValueOf(input as Record<string, unknown>, names[i]!));
        if (next === undefined) break;
        if (next instanceof Map) {
          node = next;
          continue;
        }
        // The only series under this prefix: the labels left must be its own.
        for (let j = i + 1; j < names.length; j++) {
          const name = names[j]!;
          if (labelValueOf(input as Record<string, unknown>, name) !== next.labels[name]) return this.miss(input as Record<string, unknown>);
        }
        return next;
      }
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
    if (!this.byKey.delete(series.key)) return;
    if (this.bounds.budget !== undefined) this.bounds.budget.used--;
    series.evicted = true;
    if (series === this.single) this.single = undefined;
    if (series === this.overflowSeries) this.overflowSeries = undefined;
    if (!this.dynamic && this.names.length > 0) this.detach(this.root, series, 0);
  }

  /** Puts an evicted series back (a bound handle wrote to it). */
  reattach(series: S): void {
    series.evicted = false;
    // Counted even past the budget: a bound handle already holds the series' memory.
    if (this.bounds.budget !== undefined) this.bounds.budget.used++;
    this.byKey.set(series.key, series);
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
    this.overflowSeries = series;
    return series;
  }

  private attach(series: S): void {
    if (series.key === OVERFLOW_KEY) {
      this.overflowSeries = series;
      return;
    }
    const names = this.names;
    let node = this.root;
    for (let i = 0; i < names.length; i++) {
      const value = series.labels[names[i]!]!;
      const next = node.get(value);
      // The last label, or no other series here: the series goes here (a series put back after
      // eviction replaces one created for its label set meanwhile, as byKey does).
      if (next === undefined || i === names.length - 1) {
        node.set(value, series);
        return;
      }
      if (next instanceof Map) {
        node = next;
        continue;
      }
      // Another series has this prefix alone: a level for the next label holds both. Two label
      // sets that differ share no full path, so the last label always tells them apart.
      const level: Node<S> = new Map([[next.labels[names[i + 1]!]!, next]]);
      node.set(value, level);
      node = level;
    }
  }

  /** Removes the series of `series`' label set from the level `node` (at label `depth`); true when it was there. */
  private detach(node: Node<S>, series: S, depth: number): boolean {
    const value = series.labels[this.names[depth]!];
    if (value === undefined) return false;
    const child = node.get(value);
    if (child === undefined) return false;
    if (!(child instanceof Map)) {
      if (child.key !== series.key) return false;
      node.delete(value);
      return true;
    }
    if (!this.detach(child, series, depth + 1)) return false;
    if (child.size === 0) node.delete(value);
    else if (child.size === 1) {
      // One series left under this prefix: it takes the level's place.
      const only = child.values().next().value!;
      if (!(only instanceof Map)) node.set(value, only);
    }
    return true;
  }
}
