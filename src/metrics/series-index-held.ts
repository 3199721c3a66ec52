import type { SeriesBudget } from './series-index-labels.js';

/** What the held series need of a series: its key and whether it is out of the index. */
interface Held {
  readonly key: string;
  evicted: boolean;
}

/**
 * The series a {@link SeriesIndex} took out (`remove`) in the open slot after they recorded in
 * it: what they recorded is still to be written, so they are kept aside, by key, until the slot
 * closes, and a lookup or a handle that wants one's label set again in that slot gets that same
 * series back (one rollup per series and slot: stores keep one per series, slot and instance).
 * They keep their places in the limits until then (their memory and rollups are still there): a
 * loop of record-then-remove must hold no more series than the limits allow. The index counts
 * {@link size} in its metric's limit; the monitor's budget keeps them until {@link release}.
 */
export class HeldSeries<S extends Held> {
  private readonly byKey = new Map<string, S>();

  constructor(
    /** Resets what a series shows when it is made again (its total); see `Metric.restart`. */
    private readonly restart: (series: S) => void,
    private readonly budget: SeriesBudget | undefined,
  ) {}

  /** Series held now. */
  get size(): number {
    return this.byKey.size;
  }

  /** Keeps `series` (out of the index) aside until the slot closes, in its place in the budget. */
  hold(series: S): void {
    this.byKey.set(series.key, series);
  }

  /**
   * The series of `key` held aside, restarted and no longer held (the caller puts it back in the
   * index); still counted in the budget, so it takes no new place. Undefined when none is held.
   */
  take(key: string): S | undefined {
    if (this.byKey.size === 0) return undefined;
    const series = this.byKey.get(key);
    if (series === undefined) return undefined;
    this.byKey.delete(key);
    this.restart(series);
    series.evicted = false;
    return series;
  }

  /** The series held aside (their rollups of the open slot are still to be made). */
  values(): IterableIterator<S> {
    return this.byKey.values();
  }

  /**
   * The open slot closed and its rollups were made: the held series are restarted (a new lookup
   * of their label sets makes new series) and give their places in the budget back.
   */
  release(): void {
    if (this.byKey.size === 0) return;
    for (const series of this.byKey.values()) this.restart(series);
    if (this.budget !== undefined) this.budget.used -= this.byKey.size;
    this.byKey.clear();
  }
}
