import type { Rollup } from '../storage/contract.js';
import type { AnyMetric } from './registry.js';
import { WindowTally } from './snapshot-tally.js';
import type { StoredSeries } from './window-query-series.js';
import type { MetricWindow, WindowQuery, WindowRequest } from './window-query.js';

/** Histogram windows kept between snapshots (metric and label filter), the least recently read first out. */
const MAX_WINDOWS = 64;

/** What a kept window was built from: while none of it changed, a new build gives the same window. */
interface KeptWindow {
  name: string;
  window: MetricWindow;
  tally: WindowTally;
  metric: AnyMetric | undefined;
  /** `metric.index.version` at the build: series added or evicted since make it stale. */
  version: number;
  stored: readonly StoredSeries[];
  /** The waiting rollups of the metric at the build. */
  pending: readonly Rollup[];
}

/** What {@link KeptWindows.window} reads: the request (at `now`), the stored series and this process's metric and waiting rollups. */
export interface WindowInputs {
  request: WindowRequest & { now: number };
  /** Names the window among those kept: its metric and label filter. */
  key: string;
  stored: readonly StoredSeries[];
  metric: AnyMetric | undefined;
  /** This process's rollups waiting in its recorder, of every metric (what the window build reads, at the same instant). */
  pending(): readonly Rollup[];
}

/**
 * The histogram windows of the last snapshot, kept with their {@link WindowTally} for the next:
 * a snapshot of 5,000 series spent about half its time building its windows again (matching
 * this process's 50,000 stored rollups back to its ring slots) while, between two slot closes,
 * nothing a window is built from had changed.
 *
 * A window is built from the metric's stored series, this process's series of the metric and
 * their rings, and its waiting rollups (window-query-build.ts). A kept window is used again
 * while all of those are the ones it was built from: the same stored series objects (the rollup
 * cache keeps a series' object while nothing of it changes and makes a new one when a rollup
 * arrives or a part leaves the range), the same series in the index (`SeriesIndex.version`),
 * the same waiting rollups, no slot closed under it (its tally finds each open slot where it
 * was) and no closed slot left the range (`WindowTally.holdsFor`). The open slots are read
 * where they are, as a new build would read them. Only histogram windows are kept: a counter's
 * or gauge's window copies this process's values when it is built.
 */
export class KeptWindows {
  private readonly kept = new Map<string, KeptWindow>();
  private readonly tallies = new WeakMap<MetricWindow, WindowTally>();

  /** The window of `inputs.request` over `inputs.stored`: the kept one while nothing it was built from changed, else a new one. */
  window(query: WindowQuery, inputs: WindowInputs): MetricWindow {
    const { request, key, stored, metric } = inputs;
    const pending = inputs.pending().filter((r) => r.name === request.name);
    const kept = this.kept.get(key);
    this.kept.delete(key);
    if (kept !== undefined && unchanged(kept, inputs, pending) && kept.tally.holdsFor(request.from)) {
      this.kept.set(key, kept);
      return kept.window;
    }
    const window = query.merge(request, stored, request.now);
    if (window.kind !== 'histogram') return window;
    const tally = new WindowTally(window, request.from, request.now);
    this.tallies.set(window, tally);
    this.kept.set(key, { name: request.name, window, tally, metric, version: metric?.index.version ?? 0, stored, pending });
    if (this.kept.size > MAX_WINDOWS) this.kept.delete(this.kept.keys().next().value!);
    return window;
  }

  /** The tally of a window over [from, now): the kept one of a kept window (checked by {@link window} at this `from`), else a new one. */
  tally(window: MetricWindow, from: number, now: number): WindowTally {
    return this.tallies.get(window) ?? new WindowTally(window, from, now);
  }

  /** Forgets the windows of metrics not in `names`. */
  retain(names: ReadonlySet<string>): void {
    for (const [key, kept] of this.kept) if (!names.has(kept.name)) this.kept.delete(key);
  }

  /** Forgets every window. */
  clear(): void {
    this.kept.clear();
  }
}

/** True when `inputs` are what `kept` was built from (see {@link KeptWindows}). */
function unchanged(kept: KeptWindow, inputs: WindowInputs, pending: readonly Rollup[]): boolean {
  const { metric, stored } = inputs;
  if (metric !== kept.metric || (metric?.index.version ?? 0) !== kept.version) return false;
  return sameItems(stored, kept.stored) && sameItems(pending, kept.pending);
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
