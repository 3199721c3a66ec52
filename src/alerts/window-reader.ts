import type { CapabilityContext } from '../capability.js';
import type { StorageError } from '../core/errors.js';
import { seriesKey } from '../core/labels.js';
import { coveredTime, WindowQuery, type MetricWindow, type RangeStats, type StoredSeries, type WindowSeries } from '../metrics/window-query.js';
import type { StoredRollupCache } from '../metrics/window-query-cache.js';
import { groupRollups } from '../metrics/window-query-series.js';
import { lookbacksOf, type BasicAggregation, type NormalizedCondition } from './rule-schema.js';
import { ownLabel } from './schema-parts.js';

/** A set of series that form one alert group, with the group's labels. */
export interface SeriesGroup {
  labels: Record<string, string>;
  series: WindowSeries[];
}

export type { RangeStats };

/** Range stats of a rule's group (see {@link WindowReader.histogramStats}), with what its `rate` divides by. */
export interface GroupStats extends RangeStats {
  /** The time (ms) the counted slots cover (`coveredTime`, as `getAggregatedMetrics`' `rateWindow`). */
  readonly rateWindow: number;
}

/** The slot length of each window a reader built: the static `counterValue` learns it here. */
const slotLengths = new WeakMap<MetricWindow, number>();

/** Label predicates for `errorRate`: a series is an error when any listed label matches. */
export type ErrorMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const PERCENTILES: Partial<Record<BasicAggregation, number>> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/** One metric's window for this tick; `failed` when the store could not be read (memory and waiting rollups only). */
interface TickWindow {
  window: MetricWindow;
  failed: StorageError | undefined;
}

/**
 * Reads the data rules compare, for one evaluation tick, through the window query: this
 * process's memory, its waiting rollups and every instance's stored rollups. Each metric is read
 * from the store once per tick, by name and over the widest range any rule reads it (the rules
 * filter series in memory), and the window built from it serves every rule of the tick: its
 * series groups, their range totals and distributions are cached, and each `hdr` is decoded at
 * most once.
 *
 * Values: histograms from their slots; counters from the amounts added in the range (the window's
 * start, not the engine's first evaluation); gauges from their rollups (see {@link gaugeValue}).
 */
export class WindowReader {
  private readonly query: WindowQuery;
  /** Per metric name, the earliest range start any condition reads this tick. */
  private readonly widest = new Map<string, number>();
  private readonly windows = new Map<string, Promise<TickWindow>>();
  private readonly groups = new WeakMap<MetricWindow, Map<string, Map<string, SeriesGroup>>>();
  private readonly postings = new WeakMap<MetricWindow, Map<string, Map<string, WindowSeries[]>>>();
  private readonly ranges = new WeakMap<SeriesGroup, Map<string, GroupStats>>();
  private reported = false;

  constructor(
    private readonly cap: CapabilityContext,
    readonly now: number,
    /** Every condition evaluated this tick: their widest ranges decide what the store read covers. */
    conditions: Iterable<NormalizedCondition>,
    /** Stored rollups kept between ticks (absent: each tick reads the whole range). */
    private readonly cache?: StoredRollupCache,
  ) {
    this.query = new WindowQuery({ registry: cap.metrics, ctx: cap.metricContext, storage: cap.storage });
    for (const c of conditions) {
      const from = now - Math.max(...lookbacksOf(c));
      // recordMetric lower-cases metricType names: a rule may reach one by either spelling.
      for (const name of new Set([c.metric, c.metric.toLowerCase()])) this.widest.set(name, Math.min(this.widest.get(name) ?? from, from));
    }
  }

  /** Start of the oldest slot this process still holds in memory. */
  get memoryFrom(): number {
    const m = this.cap.metricContext;
    return m.slotStart - (m.slotCount - 1) * m.slotLength;
  }

  /**
   * The window of metric `name` for this tick, covering at least [from, now). When the store
   * cannot be read, a range within memory is read from memory and waiting rollups (this
   * instance's data; the error is reported once a tick) and a longer one rejects with the
   * `StorageError`.
   */
  async window(name: string, from: number): Promise<MetricWindow> {
    let entry = this.windows.get(name);
    let tick = entry === undefined ? undefined : await entry;
    if (tick === undefined || tick.window.from > from) {
      entry = this.read(name, Math.min(from, this.widest.get(name) ?? from));
      this.windows.set(name, entry);
      tick = await entry;
    }
    if (tick.failed !== undefined) {
      // Histograms keep a ring of slots in memory, gauges their current value; a counter only its
      // open slot: an increase over a longer range would read low (and resolve what holds).
      const memoryFrom = tick.window.kind === 'counter' ? this.cap.metricContext.slotStart : this.memoryFrom;
      if (from < memoryFrom) throw tick.failed;
      if (!this.reported) {
        this.reported = true;
        this.cap.report(tick.failed);
      }
    }
    return tick.window;
  }

  /** Series of `window` matching `matchers`, grouped by the values of `groupBy` (cached for the tick). */
  group(window: MetricWindow, matchers: Readonly<Record<string, string>>, groupBy: readonly string[]): Map<string, SeriesGroup> {
    let byWindow = this.groups.get(window);
    if (byWindow === undefined) this.groups.set(window, (byWindow = new Map()));
    const id = groupId(matchers, groupBy);
    const cached = byWindow.get(id);
    if (cached !== undefined) return cached;
    const out = new Map<string, SeriesGroup>();
    for (const s of this.select(window, matchers)) {
      const labels: Record<string, string> = {};
      for (const name of groupBy) labels[name] = ownLabel(s.labels, name) ?? '';
      const key = groupBy.length === 0 ? '' : seriesKey(labels);
      let g = out.get(key);
      if (g === undefined) out.set(key, (g = { labels, series: [] }));
      g.series.push(s);
    }
    byWindow.set(id, out);
    return out;
  }

  /** Totals (and with `withDist`, the distribution) of a group's histogram series over [from, to) (cached for the tick). */
  histogramStats(window: MetricWindow, group: SeriesGroup, from: number, to: number, withDist: boolean): GroupStats {
    let byRange = this.ranges.get(group);
    if (byRange === undefined) this.ranges.set(group, (byRange = new Map()));
    const id = `${from}\u0000${to}`;
    const cached = byRange.get(id);
    if (cached !== undefined && (cached.dist !== undefined || !withDist)) return cached;
    const slotLength = this.cap.metricContext.slotLength;
    let covered: number | undefined;
    // Only `rate` reads the covered time: computed on first read, not for every histogram rule.
    const stats: GroupStats = {
      ...window.stats(group.series, from, to, withDist),
      get rateWindow() {
        return (covered ??= coveredTime(window, group.series, from, to, slotLength));
      },
    };
    byRange.set(id, stats);
    return stats;
  }

  /** Totals of some histogram series over [from, to), uncached (for subsets such as errorRate's errors). */
  static seriesStats(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number): RangeStats {
    return window.stats(series, from, to, false);
  }

  /**
   * A plain aggregation of histogram range stats; null when there is nothing to aggregate. `rate`
   * divides by the time the counted slots cover (`stats.rateWindow`), as `getAggregatedMetrics`
   * does, not by the range's length (`_rangeMs`, no longer read).
   */
  static histogramValue(agg: BasicAggregation, stats: GroupStats, _rangeMs: number): number | null {
    if (agg === 'count') return stats.count;
    if (agg === 'sum') return stats.sum;
    if (agg === 'rate') return stats.count / (stats.rateWindow / 1000);
    if (stats.count === 0) return null;
    switch (agg) {
      case 'avg':
        return stats.sum / stats.count;
      case 'min':
        return stats.min;
      case 'max':
        return stats.max;
      case 'last':
        return Number.isNaN(stats.lastMean) ? null : stats.lastMean;
      default: {
        const v = stats.dist?.percentile(PERCENTILES[agg]!) ?? Number.NaN;
        return Number.isNaN(v) ? null : v;
      }
    }
  }

  /**
   * A plain aggregation of counter series over [from, to): `sum`, `count` and `rate` from the
   * amounts added in the range by every instance (from the range's start, whenever the engine
   * started; `rate` per second of the time the counted slots cover, as `getAggregatedMetrics`);
   * `last` the fleet's total (each instance's latest total, summed).
   */
  static counterValue(window: MetricWindow, series: readonly WindowSeries[], agg: BasicAggregation, from: number, to: number): number | null {
    if (agg === 'last') return window.latest(series, from, to) ?? null;
    const increase = increaseOf(window, series, from, to);
    if (agg === 'rate') return increase / (rateWindowOf(window, series, from, to) / 1000);
    return increase;
  }

  /** Share (%) of the amount added over [from, to) that went to error series; null when nothing was added. */
  static counterErrorRate(window: MetricWindow, series: readonly WindowSeries[], isError: ErrorMatcher, from: number, to: number): number | null {
    let total = 0;
    let errors = 0;
    for (const s of series) {
      const inc = increaseOf(window, [s], from, to);
      total += inc;
      if (isError(s.labels)) errors += inc;
    }
    return total === 0 ? null : (errors / total) * 100;
  }

  /**
   * A plain aggregation of gauge series over [from, to), from their rollups (and this process's
   * open slot). `last` and `sum`: the fleet's value, each series' latest value from each
   * instance, summed. `avg`, `min`, `max` and `count`: over every value the series took in the
   * range on any instance (a slot's values as its rollup keeps them: count, sum, min, max; an
   * unchanged gauge counts once per closed slot). Null without data.
   */
  static gaugeValue(window: MetricWindow, series: readonly WindowSeries[], agg: BasicAggregation, from: number, to: number): number | null {
    if (agg === 'last' || agg === 'sum') return window.latest(series, from, to) ?? null;
    const stats = window.stats(series, from, to, false);
    if (stats.count === 0) return null;
    switch (agg) {
      case 'count':
        return stats.count;
      case 'avg':
        return stats.sum / stats.count;
      case 'min':
        return stats.min;
      case 'max':
        return stats.max;
      default:
        return undefined as never;
    }
  }

  private async read(name: string, from: number): Promise<TickWindow> {
    let stored: readonly StoredSeries[] = [];
    let failed: StorageError | undefined;
    const read = (since: number) => this.query.stored(name, undefined, since, this.now, this.now);
    try {
      stored = this.cache === undefined ? groupRollups(await read(from)) : await this.cache.series({ name, from, now: this.now, read, changes: this.query.changes(name), waitingEnd: this.waitingEnd(name) });
    } catch (error) {
      failed = error as StorageError;
    }
    const window = this.query.merge({ name, from, to: this.now, now: this.now }, stored);
    slotLengths.set(window, this.cap.metricContext.slotLength);
    return { window, failed };
  }

  /** The earliest end of this process's rollups of `name` waiting in its recorder (Infinity: none). */
  private waitingEnd(name: string): number {
    let end = Infinity;
    for (const r of this.cap.metricContext.fleet.pendingRollups()) if (r.name === name && r.end < end) end = r.end;
    return end;
  }

  /** The metrics read this tick. */
  get names(): ReadonlySet<string> {
    return new Set(this.windows.keys());
  }

  private select(window: MetricWindow, matchers: Readonly<Record<string, string>>): readonly WindowSeries[] {
    const names = Object.keys(matchers);
    if (names.length === 0) return window.series;
    // The shortest posting list among the matchers, filtered by the others.
    let best: WindowSeries[] | undefined;
    for (const name of names) {
      const list = this.posting(window, name).get(matchers[name]!) ?? [];
      if (best === undefined || list.length < best.length) best = list;
      if (list.length === 0) return [];
    }
    return (best ?? []).filter((s) => names.every((n) => ownLabel(s.labels, n) === matchers[n]));
  }

  private posting(window: MetricWindow, label: string): Map<string, WindowSeries[]> {
    let byLabel = this.postings.get(window);
    if (byLabel === undefined) this.postings.set(window, (byLabel = new Map()));
    let byValue = byLabel.get(label);
    if (byValue === undefined) {
      byLabel.set(label, (byValue = new Map()));
      for (const s of window.series) {
        const v = ownLabel(s.labels, label);
        if (v === undefined) continue;
        const list = byValue.get(v);
        if (list === undefined) byValue.set(v, [s]);
        else list.push(s);
      }
    }
    return byValue;
  }
}

/**
 * What a rule's `rate` over [from, to) divides by (ms): the time the counted slots cover. A window
 * no reader built (none in the library) has no slot grid known here: the range's length.
 */
function rateWindowOf(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number): number {
  const slotLength = slotLengths.get(window);
  return slotLength === undefined ? to - from : coveredTime(window, series, from, to, slotLength);
}

/** The amount counter series added over [from, to), every instance's slots included. */
function increaseOf(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number): number {
  let increase = 0;
  for (const s of series) for (const p of s.parts) if (window.covers(p, from, to)) increase += p.sum;
  return increase;
}

/** Matchers and grouping of a condition as one key, computed once per (matchers, groupBy) pair of objects: a rule's are kept between ticks. */
const groupIds = new WeakMap<object, WeakMap<object, string>>();

function groupId(matchers: Readonly<Record<string, string>>, groupBy: readonly string[]): string {
  let byGroup = groupIds.get(matchers);
  if (byGroup === undefined) groupIds.set(matchers, (byGroup = new WeakMap()));
  let id = byGroup.get(groupBy);
  if (id === undefined) byGroup.set(groupBy, (id = `${seriesKey(matchers)}\u0000${JSON.stringify(groupBy)}`));
  return id;
}
