import { msPerUnit, orZero, round } from './snapshot-jobs.js';
import type { WindowScan } from './snapshot-slots.js';
import type { WindowTally } from './snapshot-tally.js';
import type { TalliedWindow } from './snapshot-windows.js';
import type { SnapshotWork } from './snapshot-work.js';
import { isErrorSeries } from './time-series-errors.js';
import type { MetricWindow, RangeStats } from './window-query-window.js';

/** The `system` part of a snapshot: uptime and the request metric's error rate, mean and p95 (in ms). */
export interface SystemSnapshot {
  uptime: number;
  errorRate: number;
  avgResponseTime: number;
  p95ResponseTime: number;
}

/** Direction of a metric between the older and newer half of the window. */
export interface TrendSnapshot {
  name: string;
  trend: 'improving' | 'stable' | 'degrading';
  changePercent: number;
}

/** A histogram's window shown by a snapshot, its one-pass totals and (once asked) its whole distribution. */
export interface Shown {
  h: MetricWindow;
  tally: WindowTally;
  scan: WindowScan;
  whole: RangeStats | undefined;
}

/** A change of at least this share between window halves counts as a trend (seed 000's 10%). */
const TREND_THRESHOLD = 10;

/**
 * The `system` part from the request metric's window (`requests`): its error share, mean and p95
 * over every series, all zero when it is no histogram. `shownOf` and `wholeOf` share the shown
 * window and its distribution with `performance.snapshot`.
 */
export async function systemOf(uptime: number, requests: TalliedWindow, shownOf: (t: TalliedWindow) => Promise<Shown>, wholeOf: (s: Shown) => Promise<RangeStats>, work: SnapshotWork): Promise<SystemSnapshot> {
  const metric = requests.window;
  if (metric.kind !== 'histogram') return { uptime, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 };
  const toMs = msPerUnit(metric);
  const shown = await shownOf(requests);
  const all = await wholeOf(shown);
  // Each series' count over the window is in the scan: the errors are a sum, not another pass.
  const { seriesCount } = shown.scan;
  let errors = 0;
  const series = metric.series;
  for (let i = 0; i < series.length; i++) {
    if (seriesCount[i]! > 0 && isError(series[i]!.labels)) errors += seriesCount[i]!;
    // A unit a series: the event loop turns within the 5,000 of a first snapshot too (see `isError`).
    if (work.charge(1)) await work.pause();
  }
  return {
    uptime,
    errorRate: all.count === 0 ? 0 : round((errors / all.count) * 100),
    avgResponseTime: all.count === 0 ? 0 : round((all.sum / all.count) * toMs),
    p95ResponseTime: round(orZero(all.dist!.percentile(95)) * toMs),
  };
}

/**
 * Whether each label set marks an error series (`isErrorSeries`), kept per labels object: the
 * same 5,000 series are tested at every snapshot, a regular expression each (at a process's first
 * snapshot, code not yet optimized, the loop over them was one uncharged stretch of several ms).
 * A series' labels object never changes once made (as window-query-ids.ts' keys assume), nor does
 * a store's frozen copy.
 */
const errorLabels = new WeakMap<object, boolean>();

function isError(labels: Readonly<Record<string, string>>): boolean {
  let error = errorLabels.get(labels);
  if (error === undefined) errorLabels.set(labels, (error = isErrorSeries(labels)));
  return error;
}

/** The mean of the newer half of the window against the older, over every series and instance (from the scan's slot starts). */
export function trend({ h, scan }: Shown, from: number, now: number): TrendSnapshot | undefined {
  const mid = from + (now - from) / 2;
  const older = { count: 0, sum: 0 };
  const newer = { count: 0, sum: 0 };
  for (const [start, f] of scan.starts) {
    const half = start < mid ? older : newer;
    half.count += f.count;
    half.sum += f.sum;
  }
  if (older.count === 0 || newer.count === 0) return undefined;
  const before = older.sum / older.count;
  const after = newer.sum / newer.count;
  const changePercent = before === 0 ? 0 : round(((after - before) / before) * 100);
  const trendOf = changePercent >= TREND_THRESHOLD ? 'degrading' : changePercent <= -TREND_THRESHOLD ? 'improving' : 'stable';
  return { name: h.name, trend: trendOf, changePercent };
}
