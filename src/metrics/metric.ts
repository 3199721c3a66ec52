import type { Labels, LabelInput } from '../core/labels.js';
import type { MetricKind, Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import { SELF_METRIC_PREFIX } from './built-in-names.js';
import { SeriesIndex, type SeriesBase } from './series-index.js';

/** What every metric definition shares. */
export interface MetricDefinition {
  name: string;
  help: string;
  labelNames: readonly string[];
  unit?: string | undefined;
  /** Series per metric before new label sets fold into the overflow series. */
  maxSeries: number;
  /** @internal Label names vary per series (metrics created by `recordMetric`). */
  dynamicLabels?: boolean | undefined;
}

/**
 * The parts common to counters, gauges and histograms: the series index, dirty tracking per
 * slot, and eviction of idle series.
 */
export abstract class Metric<S extends SeriesBase, Name extends string = string> {
  abstract readonly kind: MetricKind;
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly Name[];
  readonly unit: string | undefined;
  /** @internal */
  readonly index: SeriesIndex<S>;
  /** @internal Series that recorded in the current slot. */
  protected dirty: S[] = [];
  /** @internal */
  protected readonly ctx: MetricContext;

  constructor(definition: MetricDefinition, ctx: MetricContext) {
    this.name = definition.name;
    this.help = definition.help;
    this.labelNames = definition.labelNames as readonly Name[];
    this.unit = definition.unit;
    this.ctx = ctx;
    this.index = new SeriesIndex<S>(
      definition.labelNames,
      definition.maxSeries,
      (labels, key) => this.createSeries(labels, key),
      (first) => ctx.seriesFolded(this.name, definition.maxSeries, first),
      definition.dynamicLabels === true,
      // pulsewatch's own metrics (drops, overflows, buffer) must keep reporting when users fill the budget.
      definition.name.startsWith(SELF_METRIC_PREFIX) ? { ...ctx.seriesBounds, budget: undefined } : ctx.seriesBounds,
      (series) => this.restart(series),
    );
  }

  /** Number of live series. */
  get seriesCount(): number {
    return this.index.size;
  }

  /** Recordings folded into the overflow series because the series limit was reached. */
  get overflowCount(): number {
    return this.index.overflowed;
  }

  /** @internal Creates the state of a new series. */
  protected abstract createSeries(labels: Labels, key: string): S;

  /** @internal Closes the current slot (it started at `ctx.slotStart`) of every series that recorded in it, appending rollups. */
  abstract closeSlot(closeAt: number, out: Rollup[]): void;

  /** @internal The series for a label input, or undefined after reporting unusable labels. */
  protected series(labels: LabelInput<Name> | undefined): S | undefined {
    const series = this.index.get(labels);
    if (series === undefined) this.ctx.invalidLabels(this.name, labels, this.index.rejection);
    return series;
  }

  /** @internal Called by a live series on its first write in a slot (an evicted one writes through {@link writeThrough} first). */
  touch(series: S): void {
    series.lastTouched = this.ctx.slotStart;
    this.dirty.push(series);
  }

  /**
   * @internal A write through a handle bound to `series` after the series left the index (idle
   * eviction, `remove`): `write(live, x, series)` on the series that takes it (see
   * {@link SeriesIndex.follow}), found once: a second lookup would count a write past the limits
   * as two overflows. That is `series` itself when it is put back, no longer evicted, so the write
   * records there as any other. Returns what `write` returns.
   */
  writeThrough<R>(series: S, write: (live: S, x: number, handle: S) => R, x: number): R {
    return write(this.index.follow(series), x, series);
  }

  /**
   * Removes the series of `labels` (prom-client's `remove`): it leaves memory, the exposition and
   * the snapshots, and gives its place in the series limits back. What it recorded in the current
   * slot is still written when the slot closes (it keeps its place in the limits until then); if
   * its labels record again in that slot, both go into that one rollup. A later write with these labels, or through a handle bound before,
   * starts the series again from 0. Returns false, and changes nothing, when no such series
   * exists (the overflow series is never removed). A lookup by the labels, no scan.
   */
  remove(labels?: LabelInput<Name>): boolean {
    const series = this.index.peek(labels);
    if (series === undefined) return false;
    const holdsSlot = this.holdsSlot(series);
    this.index.evict(series, holdsSlot);
    // One that holds the open slot restarts when made again or when the slot closes (its rollup keeps its last value).
    if (!holdsSlot) this.restart(series);
    return true;
  }

  /** @internal True when `series` recorded in the open slot (its rollup is still to be made). */
  protected abstract holdsSlot(series: S): boolean;

  /** @internal Resets what a removed series shows when it is made again (its total), not what it recorded in the open slot. */
  protected abstract restart(series: S): void;

  /** @internal Drops series idle since before `cutoff` (slot start, ms). */
  evictIdle(cutoff: number): number {
    // An unlabeled metric's one series is always exposed; evicting it would only reset its total.
    if (this.labelNames.length === 0 && !this.index.dynamic) return 0;
    let evicted = 0;
    for (const series of this.index.values()) {
      // Series written in the current slot have lastTouched = slotStart > cutoff.
      if (series.lastTouched < cutoff) {
        this.index.evict(series);
        evicted++;
      }
    }
    return evicted;
  }
}
