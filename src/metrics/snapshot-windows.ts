import type { Labels } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import type { HistogramSlot } from './histogram-slot.js';
import { buildCapturedWindow } from './snapshot-build.js';
import { sameSlots, type CapturedHistogram } from './snapshot-capture.js';
import { WindowTally } from './snapshot-tally.js';
import type { SnapshotWork } from './snapshot-work.js';
import { buildWindow } from './window-query-build.js';
import type { StoredSeries } from './window-query-series.js';
import type { MetricWindow } from './window-query-window.js';

/** Histogram windows kept between snapshots (metric and label filter), the least recently read first out. */
const MAX_WINDOWS = 64;

/** A histogram window with its totals, and what it was built from: while none of it changed, a new build gives the same window. */
interface KeptWindow {
  name: string;
  window: MetricWindow;
  tally: WindowTally;
  /** This process's memory of the metric it was built from (undefined: the process does not define it); kept while the window is. */
  readonly captured: CapturedHistogram | undefined;
  stored: readonly StoredSeries[];
  /** The waiting rollups of the metric at the build. */
  pending: readonly Rollup[];
  /** Per series of the window: where its ring is in `captured.series` (-1: it has none). */
  memoryOf: Int32Array;
}

/** What {@link KeptWindows.window} reads: the request (at `now`), the stored series and this process's captured memory and waiting rollups. */
export interface WindowInputs {
  request: { name: string; labels: Labels | undefined; from: number; now: number };
  /** Names the window among those kept: its metric and label filter. */
  key: string;
  stored: readonly StoredSeries[];
  /** This process's histogram of that name as captured (undefined: it defines none). */
  captured: CapturedHistogram | undefined;
  /** This process's waiting rollups of the metric, captured with its memory. */
  pending: readonly Rollup[];
  ctx: MetricContext;
}

/** A histogram window and its totals. */
export interface TalliedWindow {
  window: MetricWindow;
  /** Undefined for a window that is not a histogram's. */
  tally: WindowTally | undefined;
}

/**
 * The histogram windows of the last snapshot, kept with their {@link WindowTally} for the next:
 * a snapshot of 5,000 series spent about half its time building its windows again (matching
 * this process's 50,000 stored rollups back to its ring slots) while, between two slot closes,
 * nothing a window is built from had changed.
 *
 * A window is built from the metric's stored series, this process's series of the metric and
 * their rings (as captured at the snapshot's instant, snapshot-capture.ts), and its waiting
 * rollups (window-query-build.ts). A kept window is used again while all of those are the ones
 * it was built from: the same stored series objects (the rollup cache keeps a series' object
 * while nothing of it changes and makes a new one when a rollup arrives or a part leaves the
 * range), the same series in the index, each ring with the same closed slots and its open slot
 * where it was (no slot closed), the same waiting rollups, and no closed slot left the range
 * (`WindowTally.holdsFor`). Its series then take this capture's copies of their open slots.
 */
export class KeptWindows {
  private readonly kept = new Map<string, KeptWindow>();
  /** Kept windows pointed at the current snapshot's capture (see {@link release}). */
  private readonly lent: KeptWindow[] = [];
  /** Windows built rather than kept ones used again, by metric (what tests count). */
  readonly built = new Map<string, number>();

  /** The window of `inputs.request` with its tally: the kept one while nothing it was built from changed, else a new one built in chunks of `work`. */
  async window(inputs: WindowInputs, work: SnapshotWork): Promise<TalliedWindow> {
    const { request, key, stored, captured, pending, ctx } = inputs;
    const kept = this.kept.get(key);
    this.kept.delete(key);
    if (kept !== undefined && unchanged(kept, inputs) && kept.tally.holdsFor(request.from)) {
      // The same closed slots: only the open slots are this capture's, until the snapshot is done.
      if (captured !== undefined) {
        pointTo(kept, captured);
        this.lent.push(kept);
      }
      this.kept.set(key, kept);
      return kept;
    }
    const { name, labels, from, now } = request;
    this.built.set(name, (this.built.get(name) ?? 0) + 1);
    const window =
      captured !== undefined
        ? await buildCapturedWindow({ name, labels, from, now, captured, stored, pending, ctx }, work)
        : buildWindow({ name, labels, from, to: now, now, metric: undefined, ctx, stored, pending });
    if (window.kind !== 'histogram') return { window, tally: undefined };
    const tally = await WindowTally.build(window, from, now, work);
    const memoryOf = memoryIndexes(window, captured);
    this.kept.set(key, { name, window, tally, captured, stored, pending, memoryOf });
    if (this.kept.size > MAX_WINDOWS) this.kept.delete(this.kept.keys().next().value!);
    return { window, tally };
  }

  /**
   * Called when a snapshot is done: the windows it used again point back to the rings of the
   * capture they were built from (the same closed slots), so this snapshot's capture (a copy of
   * every open slot) is garbage at once rather than held, and aged, until the next snapshot.
   */
  release(): void {
    for (const kept of this.lent) pointTo(kept, kept.captured!);
    this.lent.length = 0;
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

/**
 * Per series of `window`: where its ring is in `captured.series` (-1: it has none). A window
 * built from a capture lists this process's series first, in the capture's order (see
 * `buildCapturedWindow`), so each is looked for from where the last one was found (a Map of
 * every ring was 0.8 MB a build of 5,000 series); one not found there is looked for from the start.
 */
function memoryIndexes(window: MetricWindow, captured: CapturedHistogram | undefined): Int32Array {
  const series = window.series;
  const out = new Int32Array(series.length).fill(-1);
  if (captured === undefined) return out;
  const rings = captured.series;
  let next = 0;
  for (let j = 0; j < series.length; j++) {
    const slots = series[j]!.slots;
    if (slots.length === 0) continue;
    let i = next;
    while (i < rings.length && rings[i]!.ring !== slots) i++;
    if (i === rings.length) for (i = 0; i < next && rings[i]!.ring !== slots; i++);
    if (i < rings.length && rings[i]!.ring === slots) {
      out[j] = i;
      next = i + 1;
    }
  }
  return out;
}

/** Points the memory series of `kept`'s window at the rings of `captured` (a capture with the same closed slots). */
function pointTo(kept: KeptWindow, captured: CapturedHistogram): void {
  const series = kept.window.series as unknown as { slots: readonly HistogramSlot[] }[];
  for (let j = 0; j < series.length; j++) {
    const i = kept.memoryOf[j]!;
    if (i >= 0) series[j]!.slots = captured.series[i]!.ring;
  }
}

/** True when `inputs` are what `kept` was built from, its open slots aside (see {@link KeptWindows}). */
function unchanged(kept: KeptWindow, inputs: WindowInputs): boolean {
  const { captured, stored, pending } = inputs;
  if (captured === undefined ? kept.captured !== undefined : kept.captured === undefined || !sameSlots(kept.captured, captured)) return false;
  return sameItems(stored, kept.stored) && sameItems(pending, kept.pending);
}

function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
