import { msPerUnit } from './snapshot-jobs.js';
import type { WindowScan } from './snapshot-tally.js';
import type { SnapshotWork } from './snapshot-work.js';
import type { MetricWindow, RangeStats } from './window-query-window.js';

/** One histogram's summary over the snapshot window (durations in the metric's unit). */
export interface MetricSummary {
  name: string;
  labels?: Record<string, string>;
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Series listed in `performance.slowest`. */
const SLOWEST = 5;
/**
 * Work units charged per series whose distribution is computed (its slots merged and its raw
 * values sorted: about 10 µs a series at a load of 9, a unit being 0.6-0.8 µs; see snapshot-work.ts).
 */
const UNITS_PER_SERIES = 16;

/** A histogram's summary line from its totals and distribution. */
export function summary(name: string, stats: RangeStats): MetricSummary {
  const s = stats.dist!.summary();
  return { name, count: s.count, mean: s.mean, p50: s.p50, p95: s.p95, p99: s.p99, max: s.max };
}

/**
 * The series with the highest p95 (in ms, across units). A series' p95 is at most its max: series
 * are visited by max, highest first, and the search stops once no max can beat the fifth p95
 * found, so a snapshot over thousands of series computes a few distributions, not thousands.
 * When the p95s sit close under the maxes (values spread evenly up to a bound), the search does
 * compute most of them: with `work` it charges each and lets the event loop turn between chunks
 * (20 histograms of 1,000 such series held it for 100-200 ms in one stretch).
 */
export async function slowest(histograms: readonly { h: MetricWindow; scan: WindowScan }[], from: number, now: number, work?: SnapshotWork): Promise<MetricSummary[]> {
  // Typed arrays sized once (three growing arrays of 5,000 entries were a fifth of a steady
  // snapshot's allocations): per candidate, its histogram, its series and its max in ms.
  let n = 0;
  for (const { h, scan } of histograms) for (let i = 0; i < h.series.length; i++) if (scan.seriesCount[i]! !== 0) n++;
  const windowOf = new Uint32Array(n);
  const series = new Uint32Array(n);
  const maxMs = new Float64Array(n);
  let c = 0;
  for (let w = 0; w < histograms.length; w++) {
    const { h, scan } = histograms[w]!;
    const toMs = msPerUnit(h);
    for (let i = 0; i < h.series.length; i++) {
      if (scan.seriesCount[i]! === 0) continue;
      windowOf[c] = w;
      series[c] = i;
      maxMs[c++] = scan.seriesMax[i]! * toMs;
    }
  }
  const top: { summary: MetricSummary; p95Ms: number }[] = [];
  for (const c of descending(maxMs)) {
    if (top.length === SLOWEST && maxMs[c]! < top[SLOWEST - 1]!.p95Ms) break;
    const h = histograms[windowOf[c]!]!.h;
    const s = h.series[series[c]!]!;
    const line: MetricSummary = { ...summary(h.name, h.stats([s], from, now, true)), labels: { ...s.labels } };
    top.push({ summary: line, p95Ms: line.p95 * msPerUnit(h) });
    top.sort((a, b) => b.p95Ms - a.p95Ms);
    if (top.length > SLOWEST) top.pop();
    if (work !== undefined) await work.step(UNITS_PER_SERIES);
  }
  return top.map((t) => t.summary);
}

/**
 * The indexes of `keys` from the largest key to the smallest, equal keys in index order (the
 * order a stable sort gives), one at a time from a heap: a caller that stops after a few
 * candidates (the slowest search) pays a linear heap build, not a sort of thousands of series.
 */
function* descending(keys: Float64Array): Generator<number> {
  const n = keys.length;
  const heap = new Int32Array(n);
  for (let i = 0; i < n; i++) heap[i] = i;
  const before = (a: number, b: number) => keys[a]! > keys[b]! || (keys[a] === keys[b] && a < b);
  const down = (from: number, size: number): void => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      let m = i;
      if (l < size && before(heap[l]!, heap[m]!)) m = l;
      if (l + 1 < size && before(heap[l + 1]!, heap[m]!)) m = l + 1;
      if (m === i) return;
      const t = heap[i]!;
      heap[i] = heap[m]!;
      heap[m] = t;
      i = m;
    }
  };
  for (let i = (n >> 1) - 1; i >= 0; i--) down(i, n);
  for (let size = n; size > 0; ) {
    const top = heap[0]!;
    size--;
    heap[0] = heap[size]!;
    down(0, size);
    yield top;
  }
}
