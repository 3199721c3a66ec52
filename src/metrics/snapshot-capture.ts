import { OpenSlot, RAW_CAPACITY, type HistogramSlot } from './histogram-slot.js';
import type { Histogram, HistogramSeries } from './histogram.js';
import { SparseCounts } from './log-buckets.js';
import type { AnyMetric } from './registry.js';

/** One series of a histogram as it was at a snapshot's capture: its ring with the open slot copied. */
export interface CapturedSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** The ring at the capture: its closed slots (immutable) and, at {@link openAt}, a copy of its open slot. */
  readonly ring: readonly HistogramSlot[];
  /** The copy of the open slot (what a window build reads as `slot`). */
  readonly slot: OpenSlot;
  /** Where the open slot was in the ring. */
  readonly openAt: number;
}

/**
 * A histogram's memory at one instant: its series (in the index's order) with their rings, the
 * open slots copied, and the index version. A snapshot captures every histogram it shows at
 * once, then builds and sums their windows in chunks, letting the event loop turn between them:
 * values recorded, slots closed and series created or evicted meanwhile change the live series,
 * not the capture, so the snapshot is the one of its instant. Closed slots are immutable and are
 * shared, not copied; an open slot holds at most {@link RAW_CAPACITY} raw values or its bucket
 * counts, so a capture costs a copy of the open slots (about a millisecond for 5,000 series
 * with a few values each).
 */
export interface CapturedHistogram {
  readonly metric: Histogram;
  /** `metric.index.version` at the capture: series added or evicted since change it. */
  readonly version: number;
  readonly series: readonly CapturedSeries[];
}

/**
 * The memory of `metric` now (see {@link CapturedHistogram}). With `previous` (the last capture
 * of the metric by the same snapshot cache, whose turn is over): when no series was added or
 * evicted and no slot closed since, `previous` itself with its open slot copies refreshed in
 * place, else a new capture (filling the open slot copies of `previous` again). Between two slot
 * closes a snapshot of 5,000 series then allocates nothing here: a new capture (a ring copy, an
 * open slot copy and its raw values per series, 2.5 MB) lived through the whole snapshot, and
 * every scavenge met during it copied all of it (bench/snapshot-probe.ts: 8-16 ms scavenges in
 * steady calls). `previous` is kept by the cache
 * and by the windows built from it (snapshot-windows.ts), which read its open slots only during
 * a snapshot's turn, after this capture: refreshing it changes nothing they show.
 */
export function captureHistogram(metric: Histogram, previous?: CapturedHistogram): CapturedHistogram {
  if (previous !== undefined && sameRings(previous, metric)) {
    let i = 0;
    for (const live of memorySeries(metric)) copySlot(live.slot, previous.series[i++]!.slot);
    return previous;
  }
  // A slot closed (or series came or went): new rings, but the open slot copies of `previous`
  // (the same series at the same place, most often) are filled again rather than made anew.
  const reuse = previous !== undefined && previous.metric === metric ? previous.series : [];
  const series: CapturedSeries[] = [];
  for (const live of memorySeries(metric)) {
    const open = live.slot;
    const old = reuse[series.length];
    const copy = copySlot(open, old !== undefined && old.labels === live.labels ? old.slot : new OpenSlot());
    const ring = live.ring.slice();
    const openAt = ring.indexOf(open);
    if (openAt >= 0) ring[openAt] = copy;
    series.push({ labels: live.labels, ring, slot: copy, openAt });
  }
  return { metric, version: metric.index.version, series };
}

/**
 * The series of `metric` a window reads from memory: the live ones, then those removed in the open
 * slot after recording in it (held aside until it closes, series-index-held.ts): their open slot
 * is written at the close and read from memory until then, as window-query-build.ts reads it.
 */
function* memorySeries(metric: Histogram): IterableIterator<HistogramSeries> {
  yield* metric.index.values() as IterableIterator<HistogramSeries>;
  yield* metric.index.retiredValues() as IterableIterator<HistogramSeries>;
}

/**
 * True when `captured` holds the series of `metric` now, in order, each ring with the same closed
 * slots and its open slot where it is now (as {@link sameSlots} compares two captures).
 */
function sameRings(captured: CapturedHistogram, metric: Histogram): boolean {
  if (captured.metric !== metric || captured.version !== metric.index.version) return false;
  const series = captured.series;
  let i = 0;
  for (const live of memorySeries(metric)) {
    const x = series[i++];
    if (x === undefined || x.labels !== live.labels || x.openAt < 0) return false;
    const ring = live.ring;
    if (ring.length !== x.ring.length || ring[x.openAt] !== live.slot) return false;
    for (let k = 0; k < ring.length; k++) if (k !== x.openAt && ring[k] !== x.ring[k]) return false;
  }
  return i === series.length;
}

/**
 * `open`'s content at this instant into `copy` (raw values or bucket counts copied, into the
 * buffers `copy` already has when they are large enough); returns `copy`.
 */
function copySlot(open: OpenSlot, copy: OpenSlot): OpenSlot {
  copy.start = open.start;
  copy.count = open.count;
  copy.sum = open.sum;
  copy.min = open.min;
  copy.max = open.max;
  const n = open.n;
  copy.n = n;
  if (n <= RAW_CAPACITY) {
    if (n > 0) {
      const from = open.raw!;
      let raw = copy.raw;
      // The live buffer whole (its length is what the series grew it to): later captures fill it again.
      if (raw === null || raw.length < n) copy.raw = from.slice();
      else for (let i = 0; i < n; i++) raw[i] = from[i]!;
    }
  } else if (open.counts !== null) {
    if (copy.counts === null) copy.counts = new SparseCounts(open.counts.layout);
    else copy.counts.clear();
    copy.counts.merge(open.counts);
  }
  return copy;
}

/**
 * True when no slot of `b`'s series closed since `a` was captured and the series are the same:
 * the same index version, and each ring holds the same closed slots with its open slot where it was.
 */
export function sameSlots(a: CapturedHistogram, b: CapturedHistogram): boolean {
  if (a === b) return true;
  if (a.metric !== b.metric || a.version !== b.version || a.series.length !== b.series.length) return false;
  for (let i = 0; i < a.series.length; i++) {
    const x = a.series[i]!;
    const y = b.series[i]!;
    if (x.labels !== y.labels || x.openAt !== y.openAt || x.ring.length !== y.ring.length) return false;
    for (let k = 0; k < x.ring.length; k++) if (k !== x.openAt && x.ring[k] !== y.ring[k]) return false;
  }
  return true;
}

/** No series: the held-aside ones a captured metric reads are among its captured series. */
const NONE: readonly CapturedSeries[] = [];

/**
 * `metric` as a window build reads it, with its series as captured (`local.ring`, `local.slot`)
 * instead of the live ones: `buildWindow` merges the capture. Everything else (kind, unit,
 * layout, resolution, the index's other members) is the live metric's, which a capture does not
 * change.
 */
export function capturedMetric(captured: CapturedHistogram, series: readonly CapturedSeries[] = captured.series): AnyMetric {
  // The captured series hold the held-aside ones too (see memorySeries): none is read twice.
  const index = Object.create(captured.metric.index, { values: { value: () => series.values() }, retiredValues: { value: () => NONE.values() }, version: { value: captured.version } }) as object;
  return Object.create(captured.metric, { index: { value: index } }) as AnyMetric;
}
