import type { Counter } from '../metrics/counter.js';
import type { Gauge } from '../metrics/gauge.js';

interface SeriesSamples {
  labels: Readonly<Record<string, string>>;
  /** Sample times, ascending. */
  t: number[];
  v: number[];
}

interface MetricSamples {
  /** First tick this metric was sampled: series that appear later started from zero. */
  firstAt: number;
  lastAt: number;
  series: Map<string, SeriesSamples>;
}

/**
 * Values of counters and gauges sampled at each evaluation, the way Prometheus scrapes them:
 * memory holds only their current value, so windows over them (`rate`, `increase`,
 * `avg_over_time`) are computed from these samples. Only metrics that rules read are sampled,
 * and only as far back as the longest window needs.
 */
export class SampleStore {
  private readonly metrics = new Map<string, MetricSamples>();

  /** Records the current value of every series of `metric` at `now`, dropping samples older than `keep` ms. */
  sample(metric: Counter | Gauge, now: number, keep: number): void {
    let m = this.metrics.get(metric.name);
    if (m === undefined) this.metrics.set(metric.name, (m = { firstAt: now, lastAt: -Infinity, series: new Map() }));
    if (m.lastAt === now) return;
    m.lastAt = now;
    if (metric.kind === 'gauge') metric.collect();
    const cutoff = now - keep;
    for (const s of metric.index.values()) {
      let entry = m.series.get(s.key);
      if (entry === undefined) m.series.set(s.key, (entry = { labels: s.labels, t: [], v: [] }));
      entry.t.push(now);
      entry.v.push(s.value);
    }
    for (const [key, entry] of m.series) {
      let drop = 0;
      // Keep one sample at or before the cutoff: it is the start value of the longest window.
      while (drop + 1 < entry.t.length && entry.t[drop + 1]! <= cutoff) drop++;
      if (drop > 0) {
        entry.t.splice(0, drop);
        entry.v.splice(0, drop);
      }
      if (entry.t[entry.t.length - 1]! <= cutoff) m.series.delete(key);
    }
  }

  /** Sampled series of `metric` (by series key), or undefined if never sampled. */
  seriesOf(name: string): ReadonlyMap<string, SeriesSamples> | undefined {
    return this.metrics.get(name)?.series;
  }

  /**
   * How much a counter series grew over (from, to]: resets (a value going down) count from zero.
   * A series first seen after sampling began started at zero; one present at the first sample
   * has an unknown past, so its window starts at that sample. Undefined without samples.
   */
  increase(name: string, key: string, from: number, to: number): number | undefined {
    const m = this.metrics.get(name);
    const s = m?.series.get(key);
    if (m === undefined || s === undefined || s.t.length === 0) return undefined;
    let i = 0;
    while (i + 1 < s.t.length && s.t[i + 1]! <= from) i++;
    let prev: number;
    let start: number;
    if (s.t[i]! <= from) {
      prev = s.v[i]!;
      start = i + 1;
    } else if (s.t[0]! > m.firstAt) {
      prev = 0;
      start = 0;
    } else {
      prev = s.v[0]!;
      start = 1;
    }
    let total = 0;
    for (let j = start; j < s.t.length && s.t[j]! <= to; j++) {
      const v = s.v[j]!;
      total += v >= prev ? v - prev : v;
      prev = v;
    }
    return total;
  }

  /** Sum over `keys` of the gauge values at each sample time in (from, to], oldest first. */
  gaugeSums(name: string, keys: readonly string[], from: number, to: number): { t: number; sum: number }[] {
    const series = this.metrics.get(name)?.series;
    if (series === undefined) return [];
    const sums = new Map<number, number>();
    for (const key of keys) {
      const s = series.get(key);
      if (s === undefined) continue;
      for (let j = 0; j < s.t.length; j++) {
        const t = s.t[j]!;
        if (t > from && t <= to) sums.set(t, (sums.get(t) ?? 0) + s.v[j]!);
      }
    }
    return [...sums].sort((a, b) => a[0] - b[0]).map(([t, sum]) => ({ t, sum }));
  }

  /** Forgets metrics no rule reads any more. */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.metrics.keys()) if (!names.has(name)) this.metrics.delete(name);
  }
}
