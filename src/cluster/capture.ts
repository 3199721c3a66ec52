import type { Monitor } from '../monitor.js';
import type { AnyMetric } from '../metrics/registry.js';
import type { FamilyState, HistogramSeriesState, ValueSeries } from './state.js';

/** A `# TYPE <name> <kind>` line: the Prometheus 0.0.4 format names the family as the metric is named. */
const TYPE_LINE = /^# TYPE (\S+) /gm;

/** What {@link captureState} reads of a monitor: public methods only. */
export type CaptureSource = Pick<Monitor, 'exportPrometheusMetrics' | 'getMetric'>;

/**
 * The cumulative state of every metric of `monitor`: what its `/metrics` exposes now, as numbers.
 *
 * The monitor lists its metrics nowhere public, so the names come from the `# TYPE` lines of its
 * own exposition (which also runs every gauge's `collect`, as a scrape does), and each metric is
 * then read through `getMetric`. Rendering only to learn the names costs one extra render per
 * scrape in each worker; a `monitor.metrics()` accessor would remove it (asked for in issue 15).
 */
export function captureState(monitor: CaptureSource): FamilyState[] {
  const text = monitor.exportPrometheusMetrics({ format: 'prometheus' });
  const families: FamilyState[] = [];
  for (const match of text.matchAll(TYPE_LINE)) {
    const metric = monitor.getMetric(match[1]!);
    if (metric !== undefined) families.push(stateOf(metric));
  }
  return families;
}

/** The state of one metric (its gauges already collected by the exposition). */
export function stateOf(metric: AnyMetric): FamilyState {
  const base = { name: metric.name, help: metric.help, ...(metric.unit === undefined ? {} : { unit: metric.unit }) };
  if (metric.kind === 'histogram') {
    const counts = new Float64Array(metric.buckets.length + 1);
    const series: HistogramSeriesState[] = [];
    for (const s of metric.index.values()) {
      const [count, sum] = metric.exposition(s, counts);
      series.push({ labels: s.labels, counts: Array.from(counts), sum, count });
    }
    return { ...base, kind: 'histogram', buckets: [...metric.buckets], series };
  }
  const series: ValueSeries[] = [];
  for (const s of metric.index.values()) series.push({ labels: s.labels, value: s.value });
  return { ...base, kind: metric.kind, series };
}
