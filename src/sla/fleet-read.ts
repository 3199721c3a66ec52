import type { CapabilityContext } from '../capability.js';
import { ValidationError } from '../core/errors.js';
import { WindowQuery } from '../metrics/window-query.js';
import type { LatencySet } from './distribution.js';

/** A latency histogram's data over a range, fleet-wide, with what the report needs of it. */
export interface FleetLatency {
  set: LatencySet;
  /** True when some instance holds data of the metric in the range (or this process defines it). */
  found: boolean;
}

/**
 * The one place SLA reports read the fleet's histograms: the window query every window reader
 * uses (this process's memory, its waiting rollups and every instance's stored rollups, each
 * write counted once). `getAggregatedMetrics` gives the statistics but not the share of values
 * at or under a bound, which the bands and the compliance need: this reads the distribution.
 */
export class FleetReader {
  private readonly query: WindowQuery;

  constructor(ctx: CapabilityContext) {
    this.query = new WindowQuery({ registry: ctx.metrics, ctx: ctx.metricContext, storage: ctx.storage });
  }

  /**
   * Latencies of histogram `name` over [from, to), in ms: values are multiplied by 1000 for a
   * histogram in seconds. Its unit is this process's definition's, else `unit` (else ms); a
   * `unit` contradicting the definition is a ValidationError naming `unit`.
   */
  async latency(name: string, labels: Readonly<Record<string, string>> | undefined, from: number, to: number, unit: 'ms' | 'seconds' | undefined): Promise<FleetLatency> {
    const window = await this.query.read({ name, labels, from, to, now: to });
    // This process's definition says the unit; `unit` is for a metric it has not defined. One
    // that contradicts the definition is refused: read in it, 200 ms became 200 s.
    const defined = window.unit === undefined ? undefined : unitOf(window.unit);
    if (unit !== undefined && defined !== undefined && unit !== defined) {
      const message = `${JSON.stringify(unit)} contradicts the unit of ${name} as this process defines it (${JSON.stringify(window.unit)}); unit is for a metric this process has not defined`;
      throw new ValidationError(`invalid SLA query: unit: ${message}`, [{ path: 'unit', message }]);
    }
    const dist = window.stats(window.series, from, to, true).dist!;
    const summary = dist.summary();
    const seconds = (defined ?? unit) === 'seconds';
    const k = seconds ? 1000 : 1;
    const count = summary.count;
    return {
      found: window.kind !== undefined,
      set: {
        count,
        mean: summary.mean * k,
        min: summary.min * k,
        max: summary.max * k,
        p50: summary.p50 * k,
        p95: summary.p95 * k,
        p99: summary.p99 * k,
        atOrBelow: (ms) => (count === 0 ? 0 : dist.fractionAtOrBelow(ms / k) * count),
      },
    };
  }

  /** Mean (ms) of each series of histogram `name` over [from, to), by the value of label `by`, in order of appearance. */
  async meansBy(name: string, by: string, labels: Readonly<Record<string, string>> | undefined, from: number, to: number): Promise<Map<string, number>> {
    const window = await this.query.read({ name, labels, from, to, now: to });
    const groups = new Map<string, (typeof window.series)[number][]>();
    for (const s of window.series) {
      const key = Object.hasOwn(s.labels, by) ? s.labels[by]! : '';
      const list = groups.get(key);
      if (list === undefined) groups.set(key, [s]);
      else list.push(s);
    }
    const out = new Map<string, number>();
    for (const [key, series] of groups) {
      const stats = window.stats(series, from, to, false);
      if (stats.count > 0) out.set(key, stats.sum / stats.count);
    }
    return out;
  }
}

function unitOf(unit: string | undefined): 'ms' | 'seconds' {
  return unit === 'seconds' || unit === 's' ? 'seconds' : 'ms';
}
