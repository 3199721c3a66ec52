import type { SlaBucket, SlaCompliance, SlaStats } from './types.js';

/** What a report reads of a set of latencies (ms), whether from the fleet's histograms or from samples. */
export interface LatencySet {
  count: number;
  /** NaN when empty. */
  mean: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
  p99: number;
  /** Latencies at or under `ms` (exact from raw values; from HDR buckets within their relative error). */
  atOrBelow(ms: number): number;
}

/** `1s`, `500ms`, `1.5s`, `2m`, `1h`: a band edge as seed 004 names its bands. */
export function edgeLabel(ms: number): string {
  // The first band's lower edge: `over0s`, not the `0h` a whole number of hours would give.
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  if (ms > 1_000 && (ms * 10) % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

/**
 * The non-cumulative bands of `set` between `edges` (ms, increasing): a band holds latencies in
 * (previous edge, edge], the last one those over the last edge, so a latency exactly at an edge
 * is in the band the edge closes (5 s is `under5s`, as it meets a 5 s objective). Bands closed by
 * an edge at or under the objective are named `under<edge>`, the others `over<previous edge>`
 * (seed 004's `under1s` ... `under5s`, `over5s`, `over10s`, `over30s`). Counts are differences of
 * rounded cumulative counts: never negative, and they sum to `set.count` exactly.
 */
export function bandsOf(set: LatencySet, edges: readonly number[], objective: number): SlaBucket[] {
  const out: SlaBucket[] = [];
  let below = 0;
  let from = 0;
  for (const edge of edges) {
    const cumulative = Math.min(set.count, Math.max(below, Math.round(set.atOrBelow(edge))));
    out.push({ name: edge <= objective ? `under${edgeLabel(edge)}` : `over${edgeLabel(from)}`, from, to: edge, count: cumulative - below });
    below = cumulative;
    from = edge;
  }
  out.push({ name: `over${edgeLabel(from)}`, from, to: null, count: set.count - below });
  return out;
}

/**
 * The compliance of `set` with "`target` percent at or under `under` ms": the entries at or
 * under it (every band the objective closes), their share in percent rounded to 2 decimals, and
 * whether the share itself reaches the target (94.996 % shows as 95 and misses 95; one entry over
 * in 200,000,000 shows as 100 and misses 100). Compared on whole counts, with a tolerance far
 * below one entry in 10^12, so that float noise in `target * count` never fails a share exactly
 * at the target.
 */
export function complianceOf(set: LatencySet, under: number, target: number): SlaCompliance {
  const count = set.count;
  const compliant = Math.min(count, Math.round(set.atOrBelow(under)));
  if (count === 0) return { under, target, compliant, percent: null, met: null };
  const percent = Math.round((compliant / count) * 100 * 100) / 100;
  return { under, target, compliant, percent, met: compliant * 100 >= target * count * (1 - 1e-12) };
}

/** Seed 004's keyed distribution from bands (a name given twice, by odd edges, sums). */
export function keyedBands(bands: readonly SlaBucket[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const b of bands) out[b.name] = (out[b.name] ?? 0) + b.count;
  return out;
}

/** Seed 004's stats, rounded to 0.1 ms; null where there are no samples. */
export function statsOf(set: LatencySet): SlaStats {
  const v = (x: number): number | null => (set.count === 0 || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return { meanLatency: v(set.mean), medianLatency: v(set.p50), p95Latency: v(set.p95), p99Latency: v(set.p99), minLatency: v(set.min), maxLatency: v(set.max) };
}

/** Nearest-rank percentile `p` of sorted values (the rank rule the histograms use). */
function nearestRank(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toPrecision(12)))));
  return sorted[rank - 1]!;
}

/** A {@link LatencySet} of raw latencies (ms): exact. */
export function exactSet(values: readonly number[]): LatencySet {
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const n = sorted.length;
  return {
    count: n,
    mean: n === 0 ? Number.NaN : sum / n,
    min: n === 0 ? Number.NaN : sorted[0]!,
    max: n === 0 ? Number.NaN : sorted[n - 1]!,
    p50: nearestRank(sorted, 50),
    p95: nearestRank(sorted, 95),
    p99: nearestRank(sorted, 99),
    atOrBelow(ms) {
      // Binary search: the first index above ms.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (sorted[mid]! <= ms) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
  };
}
