/**
 * Case 6: percentile accuracy on 1,000,000 log-normal latencies. Exact quantiles come from
 * sorting; pulsewatch answers from its windowed slots; prom-client can only be read the way
 * Prometheus reads it, through histogram_quantile() over its cumulative buckets.
 */
import { Histogram as PromHistogram } from 'prom-client';
import { ManualClock } from '../src/testing.js';
import { logNormalSeconds } from './data.js';
import { promRegistry, pulsewatchMonitor } from './peers.js';

export const ACCURACY_SAMPLES = 1_000_000;
/** Slots the samples are spread over, so the 5m window really merges several slots. */
const SLOTS = 5;

/** The quantiles reported, with the field names getAggregatedMetrics uses. */
export const QUANTILES = [
  { q: 0.5, key: 'p50' },
  { q: 0.9, key: 'p90' },
  { q: 0.95, key: 'p95' },
  { q: 0.99, key: 'p99' },
  { q: 0.999, key: 'p999' },
] as const;

export interface QuantileRow {
  quantile: string;
  exact: number;
  pulsewatch: number;
  pulsewatchError: number;
  prom: number;
  promError: number;
}

/** One cumulative bucket: count of observations <= `le`. */
export interface CumulativeBucket {
  le: number;
  count: number;
}

/**
 * Prometheus' histogram_quantile (promql/quantile.go, bucketQuantile): find the bucket holding
 * rank q * total and interpolate linearly inside it, assuming values spread evenly between its
 * bounds; the lowest bucket starts at 0; a rank in +Inf returns the highest finite bound.
 */
export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const last = sorted.length - 1;
  if (sorted.length < 2 || sorted[last]!.le !== Infinity) return Number.NaN;
  const total = sorted[last]!.count;
  if (total === 0) return Number.NaN;
  let rank = q * total;
  const b = sorted.findIndex((bucket) => bucket.count >= rank);
  if (b === last) return sorted[last - 1]!.le;
  if (b === 0 && sorted[0]!.le <= 0) return sorted[0]!.le;
  let start = 0;
  const end = sorted[b]!.le;
  let count = sorted[b]!.count;
  if (b > 0) {
    start = sorted[b - 1]!.le;
    count -= sorted[b - 1]!.count;
    rank -= sorted[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}

/** Nearest-rank quantile of sorted values, the definition pulsewatch documents. */
export function exactQuantile(sorted: Float64Array, q: number): number {
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1]!;
}

/** |estimate - exact| / exact. */
export function relativeError(estimate: number, exact: number): number {
  return Math.abs(estimate - exact) / exact;
}

export async function percentileAccuracy(): Promise<QuantileRow[]> {
  const values = logNormalSeconds(ACCURACY_SAMPLES, 2024);
  const sorted = Float64Array.from(values).sort();

  const clock = new ManualClock();
  const monitor = pulsewatchMonitor({ clock });
  const h = monitor.histogram({ name: 'accuracy_duration_seconds', help: 'x', unit: 'seconds' });
  const perSlot = ACCURACY_SAMPLES / SLOTS;
  for (let i = 0; i < ACCURACY_SAMPLES; i++) {
    if (i > 0 && i % perSlot === 0) clock.advance(30_000);
    h.observe(values[i]!);
  }
  const agg = await monitor.getAggregatedMetrics({ name: 'accuracy_duration_seconds', window: '5m' });
  await monitor.close();
  if (agg.count !== ACCURACY_SAMPLES) throw new Error(`accuracy: the 5m window holds ${agg.count} values, expected ${ACCURACY_SAMPLES}`);

  const ph = new PromHistogram({ name: 'accuracy_duration_seconds', help: 'x', registers: [promRegistry()] });
  for (let i = 0; i < ACCURACY_SAMPLES; i++) ph.observe(values[i]!);
  const buckets: CumulativeBucket[] = (await ph.get()).values
    .filter((v) => v.metricName === 'accuracy_duration_seconds_bucket')
    .map((v) => ({ le: v.labels['le'] === '+Inf' ? Infinity : Number(v.labels['le']), count: v.value }));

  return QUANTILES.map(({ q, key }) => {
    const exact = exactQuantile(sorted, q);
    const pulsewatch = agg[key];
    const prom = histogramQuantile(q, buckets);
    return { quantile: key, exact, pulsewatch, pulsewatchError: relativeError(pulsewatch, exact), prom, promError: relativeError(prom, exact) };
  });
}

/** Series and values of {@link windowAccuracy}: the memory case's shape (a full ring of small slots). */
export const WINDOW_SERIES = 200;
export const WINDOW_VALUES_PER_SLOT = 100;

/**
 * Case 6b: the same quantiles per series over a full ring of slots of 100 log-normal values
 * each (the shape of the memory case), where closed slots keep bucket counts rather than the
 * values (see histogram-closed-slot.ts). Case 6 fills slots far past RAW_CAPACITY, so it reads
 * bucket counts in every slot and cannot show this. Returns the worst relative error per
 * quantile over `WINDOW_SERIES` series.
 */
export async function windowAccuracy(): Promise<{ quantile: string; worstError: number }[]> {
  const clock = new ManualClock();
  const monitor = pulsewatchMonitor({ clock });
  const { slots, slotLength } = monitor.options.histogram;
  const h = monitor.histogram({ name: 'window_duration_seconds', help: 'x', unit: 'seconds', labelNames: ['series'] });
  const values = logNormalSeconds(WINDOW_SERIES * slots * WINDOW_VALUES_PER_SLOT, 2025);
  const perSeries = Array.from({ length: WINDOW_SERIES }, () => [] as number[]);
  let k = 0;
  for (let slot = 0; slot < slots; slot++) {
    if (slot > 0) clock.advance(slotLength);
    for (let s = 0; s < WINDOW_SERIES; s++) {
      for (let i = 0; i < WINDOW_VALUES_PER_SLOT; i++) {
        const v = values[k++]!;
        h.observe(v, { series: String(s) });
        perSeries[s]!.push(v);
      }
    }
  }
  const worst = QUANTILES.map(({ key }) => ({ quantile: key, worstError: 0 }));
  for (let s = 0; s < WINDOW_SERIES; s++) {
    const agg = await monitor.getAggregatedMetrics({ name: 'window_duration_seconds', labels: { series: String(s) }, window: slotLength * slots });
    if (agg.count !== slots * WINDOW_VALUES_PER_SLOT) throw new Error(`accuracy: series ${s} holds ${agg.count} values in its window`);
    const sorted = Float64Array.from(perSeries[s]!).sort();
    QUANTILES.forEach(({ q, key }, i) => {
      worst[i]!.worstError = Math.max(worst[i]!.worstError, relativeError(agg[key], exactQuantile(sorted, q)));
    });
  }
  await monitor.close();
  return worst;
}
