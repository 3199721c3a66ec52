import type { Labels } from '../core/labels.js';
import { labelValueToString, seriesKey } from '../core/labels.js';

/** Label value every declared label takes in a metric's overflow series. */
export const OVERFLOW_LABEL_VALUE = '__overflow__';

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

type Node<S> = Map<string, Node<S> | S>;

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
  ) {
    this.names = names;
  }

  /** Dynamic mode: the series of an already validated label set. */
  getDynamic(labels: Labels): S {
    const key = seriesKey(labels);
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    if (this.byKey.size >= this.limit) return this.overflow();
    const series = this.create({ ...labels }, key);
    this.byKey.set(key, series);
    return series;
  }

  /** The series for `input`, creating it if needed; `undefined` if a label value is unusable. */
  get(input: Readonly<Record<string, unknown>> | undefined): S | undefined {
    const names = this.names;
    if (names.length === 0 && !this.dynamic) return this.single ?? this.createSingle();
    if (input === undefined) return this.miss(undefined);
    let node: Node<S> | S = this.root;
    for (let i = 0; i < names.length; i++) {
      const raw = input[names[i]!];
      const next: Node<S> | S | undefined = (node as Node<S>).get(typeof raw === 'string' ? raw : (labelValueToString(raw) as string));
      if (next === undefined) return this.miss(input);
      node = next;
    }
    return node as S;
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
    series.evicted = true;
    if (series === this.single) this.single = undefined;
    if (series === this.overflowSeries) this.overflowSeries = undefined;
    if (!this.dynamic && this.names.length > 0) this.detach(this.root, series.labels, 0);
  }

  /** Puts an evicted series back (a bound handle wrote to it). */
  reattach(series: S): void {
    series.evicted = false;
    this.byKey.set(series.key, series);
    if (this.dynamic) return;
    if (this.names.length === 0) this.single = series;
    else this.attach(series);
  }

  private createSingle(): S {
    const series = this.create({}, '');
    this.single = series;
    this.byKey.set('', series);
    return series;
  }

  private miss(input: Readonly<Record<string, unknown>> | undefined): S | undefined {
    const labels: Labels = {};
    let key = '';
    for (const name of this.names) {
      const value = labelValueToString(input?.[name]);
      if (value === undefined) return undefined;
      labels[name] = value;
      key += `${value}\u0001`;
    }
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    if (this.byKey.size >= this.limit) return this.overflow();
    const series = this.create(labels, key);
    this.byKey.set(key, series);
    this.attach(series);
    return series;
  }

  private overflow(): S {
    this.overflowed++;
    this.onOverflow(this.overflowed === 1);
    if (this.overflowSeries !== undefined) return this.overflowSeries;
    const labels: Labels = {};
    for (const name of this.names) labels[name] = OVERFLOW_LABEL_VALUE;
    if (this.dynamic) labels['overflow'] = 'true';
    const key = `${OVERFLOW_LABEL_VALUE}\u0002`;
    // The overflow series lives outside the tree: unknown label sets reach it through miss().
    const series = this.byKey.get(key) ?? this.create(labels, key);
    this.byKey.set(key, series);
    this.overflowSeries = series;
    return series;
  }

  private attach(series: S): void {
    if (series.key.endsWith('\u0002')) {
      this.overflowSeries = series;
      return;
    }
    let node = this.root;
    const last = this.names.length - 1;
    for (let i = 0; i < last; i++) {
      const value = series.labels[this.names[i]!]!;
      let next = node.get(value) as Node<S> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(value, next);
      }
      node = next;
    }
    node.set(series.labels[this.names[last]!]!, series);
  }

  private detach(node: Node<S>, labels: Labels, depth: number): boolean {
    const value = labels[this.names[depth]!];
    if (value === undefined) return false;
    if (depth === this.names.length - 1) node.delete(value);
    else {
      const child = node.get(value) as Node<S> | undefined;
      if (child !== undefined && this.detach(child, labels, depth + 1) && child.size === 0) node.delete(value);
    }
    return true;
  }
}
