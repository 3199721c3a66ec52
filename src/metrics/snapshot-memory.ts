import type { Labels } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import { captureHistogram, type CapturedHistogram } from './snapshot-capture.js';
import type { TalliedWindow } from './snapshot-windows.js';
import { buildWindow } from './window-query-build.js';
import type { StoredSeries } from './window-query-series.js';
import type { WindowQuerySources } from './window-query.js';

/** What a snapshot captured of this process's memory at one instant. */
export interface Captured {
  /** Its waiting rollups, of every metric. */
  pending: readonly Rollup[];
  /** Its histograms among those read. */
  histograms: Map<string, CapturedHistogram>;
  /** The windows of its counters and gauges among those read (built at the capture: they copy the values). */
  windows: Map<string, TalliedWindow>;
}

/**
 * Captures this process's memory of the metrics `names` (see `buildSnapshot`): its histograms'
 * rings with their open slots copied, and its counters' and gauges' windows built. Synchronous,
 * so all of it is of one instant. `last`: the last capture of each histogram by the caller's
 * cache, whose turn is over (see `captureHistogram`: one whose rings did not change is refreshed
 * in place); this call's captures are stored into it.
 */
export function capture(
  src: Pick<WindowQuerySources, 'registry' | 'ctx'>,
  labels: Labels | undefined,
  from: number,
  now: number,
  names: readonly string[],
  stored: ReadonlyMap<string, readonly StoredSeries[]>,
  pending: readonly Rollup[],
  last?: Map<string, CapturedHistogram>,
): Captured {
  const out: Captured = { pending, histograms: new Map(), windows: new Map() };
  for (const name of names) {
    const metric = src.registry.get(name);
    if (metric === undefined || out.histograms.has(name) || out.windows.has(name)) continue;
    if (metric.kind === 'histogram') {
      const captured = captureHistogram(metric, last?.get(name));
      out.histograms.set(name, captured);
      last?.set(name, captured);
    }
    else out.windows.set(name, { window: buildWindow({ name, labels, from, to: now, now, metric, ctx: src.ctx, stored: stored.get(name) ?? [], pending }), tally: undefined });
  }
  return out;
}
