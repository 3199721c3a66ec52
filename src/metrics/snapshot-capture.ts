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

/** The memory of `metric` now (see {@link CapturedHistogram}). */
export function captureHistogram(metric: Histogram): CapturedHistogram {
  const series: CapturedSeries[] = [];
  for (const live of metric.index.values() as IterableIterator<HistogramSeries>) {
    const open = live.slot;
    const copy = copySlot(open);
    const ring = live.ring.slice();
    const openAt = ring.indexOf(open);
    if (openAt >= 0) ring[openAt] = copy;
    series.push({ labels: live.labels, ring, slot: copy, openAt });
  }
  return { metric, version: metric.index.version, series };
}

/** An open slot's content at this instant, in a slot of its own (raw values or bucket counts copied). */
function copySlot(open: OpenSlot): OpenSlot {
  const copy = new OpenSlot();
  copy.start = open.start;
  copy.count = open.count;
  copy.sum = open.sum;
  copy.min = open.min;
  copy.max = open.max;
  copy.n = open.n;
  if (open.n <= RAW_CAPACITY) copy.raw = open.raw === null || open.n === 0 ? null : open.raw.slice(0, open.n);
  else if (open.counts !== null) {
    copy.counts = new SparseCounts(open.counts.layout);
    copy.counts.merge(open.counts);
  }
  return copy;
}

/**
 * True when no slot of `b`'s series closed since `a` was captured and the series are the same:
 * the same index version, and each ring holds the same closed slots with its open slot where it was.
 */
export function sameSlots(a: CapturedHistogram, b: CapturedHistogram): boolean {
  if (a.metric !== b.metric || a.version !== b.version || a.series.length !== b.series.length) return false;
  for (let i = 0; i < a.series.length; i++) {
    const x = a.series[i]!;
    const y = b.series[i]!;
    if (x.labels !== y.labels || x.openAt !== y.openAt || x.ring.length !== y.ring.length) return false;
    for (let k = 0; k < x.ring.length; k++) if (k !== x.openAt && x.ring[k] !== y.ring[k]) return false;
  }
  return true;
}

/**
 * `metric` as a window build reads it, with its series as captured (`local.ring`, `local.slot`)
 * instead of the live ones: `buildWindow` merges the capture. Everything else (kind, unit,
 * layout, resolution, the index's other members) is the live metric's, which a capture does not
 * change.
 */
export function capturedMetric(captured: CapturedHistogram, series: readonly CapturedSeries[] = captured.series): AnyMetric {
  const index = Object.create(captured.metric.index, { values: { value: () => series.values() }, version: { value: captured.version } }) as object;
  return Object.create(captured.metric, { index: { value: index } }) as AnyMetric;
}
