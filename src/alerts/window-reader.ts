import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import { seriesKey } from '../core/labels.js';
import type { Counter } from '../metrics/counter.js';
import type { Distribution } from '../metrics/distribution.js';
import type { Gauge } from '../metrics/gauge.js';
import type { Histogram, HistogramSeries } from '../metrics/histogram.js';
import type { AnyMetric } from '../metrics/registry.js';
import type { Rollup } from '../storage/contract.js';
import { rollupStampsOf } from '../storage/instance.js';
import type { BasicAggregation } from './rule-schema.js';
import type { SampleStore } from './samples.js';
import { ownLabel } from './schema-parts.js';

/** A set of series that form one alert group, with the group's labels. */
export interface SeriesGroup<S = AnySeries> {
  labels: Record<string, string>;
  series: S[];
}

/** Totals of a group over a time range; `dist` only when percentiles were asked for. */
export interface RangeStats {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Mean of the newest non-empty slot: a histogram's `last`. */
  lastMean: number;
  dist: Distribution | undefined;
}

type AnySeries = { readonly labels: Readonly<Record<string, string>>; readonly key: string };

/** Label predicates for `errorRate`: a series is an error when any listed label matches. */
export type ErrorMatcher = (labels: Readonly<Record<string, string>>) => boolean;

const PERCENTILES: Partial<Record<BasicAggregation, number>> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/**
 * Reads the data rules compare: histogram slots still in memory (and rollups from storage for
 * older ranges), and engine samples for counters and gauges. One instance serves one
 * evaluation tick and caches what several rules share (label indexes, stored rollups).
 */
export class WindowReader {
  private readonly postings = new Map<string, Map<string, Map<string, AnySeries[]>>>();
  private readonly stored = new Map<string, Map<string, Rollup[]>>();
  private readonly keys = new WeakMap<object, string>();

  constructor(
    private readonly cap: CapabilityContext,
    private readonly samples: SampleStore,
    readonly now: number,
  ) {}

  /** Series of `metric` matching `matchers`, grouped by the values of `groupBy`. */
  group(metric: AnyMetric, matchers: Readonly<Record<string, string>>, groupBy: readonly string[]): Map<string, SeriesGroup> {
    const out = new Map<string, SeriesGroup>();
    for (const s of this.select(metric, matchers)) {
      const labels: Record<string, string> = {};
      for (const name of groupBy) labels[name] = ownLabel(s.labels, name) ?? '';
      const key = groupBy.length === 0 ? '' : seriesKey(labels);
      let g = out.get(key);
      if (g === undefined) out.set(key, (g = { labels, series: [] }));
      g.series.push(s);
    }
    return out;
  }

  /** Start of the oldest slot histograms still hold in memory. */
  get memoryFrom(): number {
    const m = this.cap.metricContext;
    return m.slotStart - (m.slotCount - 1) * m.slotLength;
  }

  /** Whether a range starting at `from` reaches back past the slots in memory, into storage. */
  needsStorage(from: number): boolean {
    return from < this.memoryFrom;
  }

  /** Loads rollups of `metric` older than memory holds, when (from, to) reaches back that far. */
  async prefetch(metric: Histogram, matchers: Readonly<Record<string, string>>, from: number): Promise<void> {
    if (!this.needsStorage(from)) return;
    const memoryFrom = this.memoryFrom;
    const id = storedId(metric.name, matchers, from);
    if (this.stored.has(id)) return;
    let rollups: Rollup[];
    try {
      rollups = await this.cap.storage.queryRollups({ name: metric.name, labels: matchers, from, to: memoryFrom });
    } catch (cause) {
      throw new StorageError(`reading rollups of "${metric.name}" from "${this.cap.storage.name}" storage failed`, { cause });
    }
    const bySeries = new Map<string, Rollup[]>();
    for (const r of rollups) {
      if (r.start >= memoryFrom) continue;
      const key = seriesKey(r.labels);
      const list = bySeries.get(key);
      if (list === undefined) bySeries.set(key, [r]);
      else list.push(r);
    }
    this.stored.set(id, bySeries);
  }

  /**
   * Totals (and with `withDist`, the distribution) of histogram series over [from, to): memory
   * slots, plus rollups loaded by {@link WindowReader.prefetch} for ranges older than memory.
   */
  histogramStats(metric: Histogram, matchers: Readonly<Record<string, string>>, series: readonly HistogramSeries[], from: number, to: number, withDist: boolean): RangeStats {
    const slotLength = this.cap.metricContext.slotLength;
    const stats: RangeStats = { count: 0, sum: 0, min: Infinity, max: -Infinity, lastMean: Number.NaN, dist: withDist ? metric.distribution() : undefined };
    let lastStart = -Infinity;
    // A range ending now includes the slot opened at this very instant.
    const end = to >= this.now ? Infinity : to;
    for (const s of series) {
      for (const slot of s.ring) {
        if (slot.count === 0 || slot.start + slotLength <= from || slot.start >= end) continue;
        addTotals(stats, slot.count, slot.sum, slot.min, slot.max);
        stats.dist?.addSlot(slot);
        if (slot.start > lastStart) {
          lastStart = slot.start;
          stats.lastMean = slot.sum / slot.count;
        }
      }
    }
    if (this.needsStorage(from)) {
      const bySeries = this.stored.get(storedId(metric.name, matchers, from)) ?? new Map<string, Rollup[]>();
      const stamps = rollupStampsOf(this.cap.metricContext);
      for (const s of series) {
        // An idle series keeps old slots in its ring (a ring only turns when the series records):
        // this monitor's rollups of them are already counted from memory. Rollups are told apart
        // by (start, instance): other instances' rollups of those slots, and late ones, count.
        const inRing = new Set<number>();
        for (const slot of s.ring) if (slot.count > 0) inRing.add(slot.start);
        const counted = new Set<string>();
        for (const r of bySeries.get(this.keyOf(s)) ?? []) {
          if (r.count === 0 || r.end <= from || r.start >= end) continue;
          if (inRing.has(r.start) && (r.instance === undefined || stamps === undefined || stamps.ownsSlot(r.instance, r.start))) continue;
          if (r.instance !== undefined) {
            const id = `${r.start}\u0000${r.instance}`;
            if (counted.has(id)) continue;
            counted.add(id);
          }
          addTotals(stats, r.count, r.sum, r.min, r.max);
          const layout = metric.layoutFor(r);
          if (stats.dist !== undefined && r.hdr !== undefined && layout !== undefined) stats.dist.addCounts(this.cap.metricContext.codec.decode(r.hdr, layout), 0, r.min, r.max);
          else stats.dist?.addTotals(0, 0, r.min, r.max);
        }
      }
      if (stats.dist !== undefined) {
        // addCounts/addTotals above added counts without sums; restore the exact totals.
        stats.dist.count = stats.count;
        stats.dist.sum = stats.sum;
      }
    }
    return stats;
  }

  /** A plain aggregation of histogram range stats; null when there is nothing to aggregate. */
  static histogramValue(agg: BasicAggregation, stats: RangeStats, rangeMs: number): number | null {
    if (agg === 'count') return stats.count;
    if (agg === 'sum') return stats.sum;
    if (agg === 'rate') return stats.count / (rangeMs / 1000);
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

  /** A plain aggregation of counter series over (from, to] from engine samples. */
  counterValue(metric: Counter, series: readonly AnySeries[], agg: BasicAggregation, from: number, to: number): number | null {
    if (agg === 'last') {
      let total = 0;
      for (const s of series) total += (s as unknown as { value: number }).value;
      return total;
    }
    let increase = 0;
    let any = false;
    for (const s of series) {
      const inc = this.samples.increase(metric.name, s.key, from, to);
      if (inc === undefined) continue;
      any = true;
      increase += inc;
    }
    if (!any) return null;
    if (agg === 'sum' || agg === 'count') return increase;
    if (agg === 'rate') return increase / ((to - from) / 1000);
    return undefined as never;
  }

  /** Increase of counter series over (from, to], split into errors and all. */
  counterErrorRate(metric: Counter, series: readonly AnySeries[], isError: ErrorMatcher, from: number, to: number): number | null {
    let total = 0;
    let errors = 0;
    for (const s of series) {
      const inc = this.samples.increase(metric.name, s.key, from, to) ?? 0;
      total += inc;
      if (isError(s.labels)) errors += inc;
    }
    return total === 0 ? null : (errors / total) * 100;
  }

  /** A plain aggregation of gauge series over (from, to] from engine samples (each sample sums the group). */
  gaugeValue(metric: Gauge, series: readonly AnySeries[], agg: BasicAggregation, from: number, to: number): number | null {
    const points = this.samples.gaugeSums(metric.name, series.map((s) => s.key), from, to);
    if (points.length === 0) return null;
    switch (agg) {
      case 'last':
      case 'sum':
        return points[points.length - 1]!.sum;
      case 'count':
        return points.length;
      case 'avg':
        return points.reduce((a, p) => a + p.sum, 0) / points.length;
      case 'min':
        return Math.min(...points.map((p) => p.sum));
      case 'max':
        return Math.max(...points.map((p) => p.sum));
      default:
        return undefined as never;
    }
  }

  private select(metric: AnyMetric, matchers: Readonly<Record<string, string>>): Iterable<AnySeries> {
    const names = Object.keys(matchers);
    if (names.length === 0) return metric.index.values() as Iterable<AnySeries>;
    // The shortest posting list among the matchers, filtered by the others.
    let best: AnySeries[] | undefined;
    for (const name of names) {
      const list = this.posting(metric, name).get(matchers[name]!) ?? [];
      if (best === undefined || list.length < best.length) best = list;
      if (list.length === 0) return [];
    }
    return (best ?? []).filter((s) => names.every((n) => ownLabel(s.labels, n) === matchers[n]));
  }

  private posting(metric: AnyMetric, label: string): Map<string, AnySeries[]> {
    let byLabel = this.postings.get(metric.name);
    if (byLabel === undefined) this.postings.set(metric.name, (byLabel = new Map()));
    let byValue = byLabel.get(label);
    if (byValue === undefined) {
      byLabel.set(label, (byValue = new Map()));
      for (const s of metric.index.values() as Iterable<AnySeries>) {
        const v = ownLabel(s.labels, label);
        if (v === undefined) continue;
        const list = byValue.get(v);
        if (list === undefined) byValue.set(v, [s]);
        else list.push(s);
      }
    }
    return byValue;
  }

  private keyOf(s: AnySeries): string {
    let key = this.keys.get(s);
    if (key === undefined) this.keys.set(s, (key = seriesKey(s.labels)));
    return key;
  }
}

function storedId(name: string, matchers: Readonly<Record<string, string>>, from: number): string {
  return `${name}\u0000${seriesKey(matchers)}\u0000${from}`;
}

function addTotals(stats: RangeStats, count: number, sum: number, min: number, max: number): void {
  stats.count += count;
  stats.sum += sum;
  if (min < stats.min) stats.min = min;
  if (max > stats.max) stats.max = max;
}
