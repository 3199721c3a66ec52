import { matchesLabels, seriesKey, type Labels } from '../core/labels.js';
import type { MetricKind, Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import type { CounterSeries } from './counter.js';
import type { GaugeSeries } from './gauge.js';
import type { HistogramSeries } from './histogram.js';
import type { HistogramSlot } from './histogram-slot.js';
import { BucketLayout } from './log-buckets.js';
import type { AnyMetric } from './registry.js';
import { hashLabels, LabelTable, part, partOf, shapeOf, type StoredSeries } from './window-query-series.js';
import { seriesIdOf } from './window-query-ids.js';
import { newestKind } from './window-query-newest-kind.js';
import { COUNT, END, F, isKept, MAX, MIN, START, SUM } from './window-query-columns.js';
import { type RingCache, type RingView } from './window-query-ring.js';
import { take } from './window-query-own.js';
import { nextBuild, record, reusable, storedListId, type ReusableEntry } from './window-query-reuse.js';
import { MetricWindow, type WindowPart, type WindowScale, type WindowSeries } from './window-query-window.js';

/** What {@link buildWindow} merges. */
export interface WindowInput {
  name: string;
  /** Only series whose labels include all of these (none: every series). */
  labels: Labels | undefined;
  from: number;
  to: number;
  /** The instant the window is read at: a range ending then or later takes the open slot too. */
  now: number;
  /** This process's metric of that name, if it defined one. */
  metric: AnyMetric | undefined;
  ctx: MetricContext;
  /** Every instance's stored rollups of the metric, by series (more than the range is fine: they are filtered). */
  stored: readonly StoredSeries[];
  /** Rollups waiting in this process's recorder (any metric: they are filtered). */
  pending: readonly Rollup[];
  /** Rings read through this cache (closed slots decoded once, see window-query-ring.ts); absent: as they are. */
  rings?: RingCache | undefined;
}

/** Resolution of a histogram read from rollups alone when none carries one (`unitDefaults`' generic). */
const FALLBACK_RESOLUTION = 1e-3;

/**
 * True when every part of `st` is of `kind` and overlaps [from, end): what the shared path of
 * {@link buildWindow} takes as it is. Its kind is learned once per series object; parts are
 * sorted by start and end at or after it, so only the oldest (starting at or before `from`) and
 * the newest are looked at, not every part of every series at every read.
 */
function allInRange(st: StoredSeries, kind: MetricKind | undefined, from: number, end: number): boolean {
  if (isKept(st)) {
    const c = st.cols;
    if (st.n === 0) return true;
    if (st.shape.kind !== kind || c[(st.n - 1) * F + START]! >= end) return false;
    for (let i = 0; i < st.n && c[i * F + START]! <= from; i++) if (c[i * F + END]! <= from) return false;
    return true;
  }
  const parts = st.parts;
  if (parts.length === 0) return true;
  if (shapeOf(st).kind !== kind || parts[parts.length - 1]!.start >= end) return false;
  for (let i = 0; i < parts.length && parts[i]!.start <= from; i++) if (parts[i]!.end <= from) return false;
  return true;
}

/**
 * True when every part of `st` is of `kind`, overlaps the range and is not this monitor's (none
 * can be waiting in its recorder too): what the shared path takes while rollups wait. A kept
 * series is read from its columns, not built into part objects.
 */
function noneWaiting(st: StoredSeries, kind: MetricKind | undefined, from: number, end: number, self: string): boolean {
  if (!isKept(st)) return st.parts.every((p) => p.kind === kind && p.end > from && p.start < end && (p.instance === undefined || !p.instance.startsWith(self)));
  for (let i = 0; i < st.n; i++) {
    const instance = st.instanceAt(i);
    if (st.kindAt(i) !== kind || st.cols[i * F + END]! <= from || st.cols[i * F + START]! >= end) return false;
    if (instance !== undefined && instance.startsWith(self)) return false;
  }
  return true;
}

/**
 * Merges the three sources of a metric's data over [from, to) into one {@link MetricWindow}:
 * this process's memory (histogram slots in the ring, the open slot of counters and gauges),
 * rollups waiting in its recorder, and every instance's stored rollups. Rollups are told apart
 * by (series, slot start, instance), so each write counts once:
 * - a rollup both stored and still waiting (a write in flight) counts once;
 * - this monitor's own rollup of a histogram slot still in a series' ring (matched by start and
 *   content: see `take`) is skipped (memory counts it): `RollupStamps.ownsSlot` says which
 *   are its own. Its late rollups and a predecessor's rollups under the same id are not its own,
 *   and count;
 * - a rollup without an instance (stored before instances existed) is matched to a ring slot by
 *   content (start, count, sum) and skipped when one matches;
 * - every other instance's rollup counts, identical numbers included (the stored series hold
 *   each (series, start, instance) once: see `groupRollups`).
 * A stored series that nothing else touches is taken as it is, its parts not copied: a window
 * built from series kept between reads costs what the series this process touches cost.
 */
export function buildWindow(input: WindowInput): MetricWindow {
  const { name, labels, from, to, now, metric, ctx } = input;
  const end = to >= now ? Infinity : to;
  const stamps = ctx.fleet.stamps;
  const self = stamps.instanceId;
  const inRange = (p: WindowPart) => p.end > from && p.start < end;
  const kind = metric?.kind ?? newestKind(input.stored, input.pending, name, labels, inRange);
  const series = new LabelTable<Entry>();
  // This process's series built at the last build may be taken again (window-query-reuse.ts):
  // for the rule engine's reads (through a ring cache, of every series), while no rollup of the
  // metric waits in the recorder (one could stand for a ring slot, or be stored too).
  const rings = input.rings;
  const build = nextBuild();
  const reuse = rings !== undefined && labels === undefined && metric?.kind === 'histogram' && !input.pending.some((r) => r.name === name);
  const storedId = reuse ? storedListId(input.stored) : 0;

  let ringSize = 0;
  if (metric !== undefined) {
    if (metric.kind === 'gauge') metric.collect();
    const slotLength = ctx.slotLength;
    // The live series, then those removed in the open slot after recording in it (held aside until
    // it closes, see series-index-held.ts): their open slot is written at the close and read from
    // memory until then, or a value recorded before a `remove` left every window until the close.
    for (const source of [metric.index.values(), metric.index.retiredValues()] as IterableIterator<HistogramSeries | CounterSeries | GaugeSeries>[]) for (const local of source) {
      if (!matchesLabels(local.labels, labels)) continue;
      const id = seriesIdOf(local.labels);
      // The ring's view, read once a build (a slot close makes each series' view over again).
      let view: RingView | undefined;
      if (reuse && 'ring' in local) {
        view = rings.view(local);
        const kept = reusable(view.built, name, view.version, storedId, from, end, stamps) as Entry | undefined;
        if (kept !== undefined && kept.open === local.slot && kept.ring === view) {
          kept.reusedAt = build;
          series.add(kept, id.hash);
          continue;
        }
      }
      const e = series.add(entry(local.labels, id.key), id.hash);
      if (!('ring' in local)) {
        // Counters and gauges hold only the open slot; every closed one is in a rollup.
        e.current = local.value;
        if (local.slotCount > 0 && ctx.slotStart + slotLength > from && ctx.slotStart < end) {
          e.parts.push(part(metric.kind, ctx.slotStart, ctx.slotStart + slotLength, local.slotCount, local.slotSum, local.slotMin, local.slotMax, local.value, self, undefined, undefined));
        }
        continue;
      }
      // The ring is read as it is. Its closed slots: this monitor's rollups of them are skipped.
      if (input.rings === undefined) e.slots = local.ring;
      else {
        view ??= input.rings.view(local);
        e.slots = view.slots;
        e.ring = view;
      }
      e.hasRing = true;
      e.open = local.slot;
      e.ringAt = ringSize;
      ringSize += e.slots.length;
    }
  }

  /** Per ring slot (at `Entry.ringAt`): a rollup of it was matched by instance (1), by content (2). */
  const matched = new Uint8Array(ringSize);
  let resolution: number | undefined;
  let resolutionAt = -Infinity;
  /** (series, start, instance) of the waiting rollups: their stored copies (a write in flight) are left out. */
  const waiting = new Set<string>();
  /**
   * True when part `p` of a series (`e`: its entry, when it has one yet) counts. The series' key
   * is read only when needed, from its stored series `st` (kept on it) or else from `labels`: no
   * closure per part (a window build after a slot close visits 50,000 parts).
   */
  const counts = (e: Entry | undefined, p: WindowPart, st: StoredSeries | undefined, labels: Readonly<Record<string, string>>, isPending: boolean): boolean => {
    if (p.instance !== undefined) {
      // Only this monitor's rollups wait in its recorder: only they can be both waiting and stored.
      if ((isPending || waiting.size > 0) && p.instance.startsWith(self)) {
        const id = `${e?.key ?? (st === undefined ? seriesKey(labels) : storedKey(st))}\u0003${p.start}\u0003${p.instance}`;
        if (isPending) waiting.add(id);
        else if (waiting.has(id)) return false;
      }
      return !(e?.hasRing === true && stamps.ownsSlot(p.instance, p.start) && take(e, matched, p.start, p.count, p.sum, p.min, p.max, false));
    }
    return !(e?.hasRing === true && take(e, matched, p.start, p.count, p.sum, p.min, p.max, true));
  };
  const push = (e: Entry, p: WindowPart): void => {
    if (e.shared) {
      e.parts = [...e.parts];
      e.shared = false;
    }
    e.parts.push(p);
    if (p.resolution !== undefined && p.start >= resolutionAt) {
      resolution = p.resolution;
      resolutionAt = p.start;
    }
  };
  // Indexed loops: a `for...of` over an array allocated an iterator result per element where this
  // function ran unoptimized (1.3 MB a build after a slot close).
  const pending = input.pending;
  for (let i = 0; i < pending.length; i++) {
    const r = pending[i]!;
    if (r.name !== name || r.kind !== kind || !matchesLabels(r.labels, labels)) continue;
    const p = partOf(r);
    if (!inRange(p)) continue;
    const hash = hashLabels(r.labels);
    const e = series.find(r.labels, hash);
    if (counts(e, p, undefined, r.labels, true)) push(e ?? series.add(entry(r.labels, seriesKey(r.labels)), hash), p);
  }
  const stored = input.stored;
  for (let j = 0; j < stored.length; j++) {
    const st = stored[j]!;
    if (!matchesLabels(st.labels, labels)) continue;
    // A kept series carries its key (an entry always does): compared as one string.
    let e = isKept(st) ? series.findKey(st.hash, st.key) : series.find(st.labels, st.hash);
    // A series taken again holds what this stored series gave it at the last build.
    if (e !== undefined && e.reusedAt === build && e.st === st) continue;
    if (e !== undefined) e.st = st;
    if (e === undefined && (waiting.size === 0 ? allInRange(st, kind, from, end) : noneWaiting(st, kind, from, end, self))) {
      // Nothing of this process's touches the series (no memory, no waiting copy): its parts are taken as they are.
      const shape = shapeOf(st);
      if (isKept(st)) {
        // A series kept between reads is a window series itself: no entry, no table insert (stored
        // series are one per label set, so no later rollup looks it up).
        (series.values as WindowSeries[]).push(st);
      } else {
        e = series.add(entry(st.labels, storedKey(st)), st.hash);
        e.parts = st.parts as WindowPart[];
        e.shared = true;
      }
      if (shape.resolutionAt >= resolutionAt && shape.resolutionAt !== -Infinity) {
        resolution = shape.resolution;
        resolutionAt = shape.resolutionAt;
      }
      continue;
    }
    if (isKept(st)) {
      // Columns: this monitor's rollups of slots its ring holds (most of a series it records) are
      // skipped without building a part object; the others are built to be counted as below.
      const c = st.cols;
      for (let i = 0; i < st.n; i++) {
        const start = c[i * F + START]!;
        if (st.kindAt(i) !== kind || c[i * F + END]! <= from || start >= end) continue;
        const instance = st.instanceAt(i);
        if (waiting.size === 0 && instance !== undefined && e?.hasRing === true && stamps.ownsSlot(instance, start) && take(e, matched, start, c[i * F + COUNT]!, c[i * F + SUM]!, c[i * F + MIN]!, c[i * F + MAX]!, false)) continue;
        const p = st.part(i);
        if (!counts(e, p, st, st.labels, false)) continue;
        push((e ??= series.add(entry(st.labels, storedKey(st)), st.hash)), p);
      }
      continue;
    }
    const parts = st.parts;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      // A name reused for another kind of metric (in another process, or before a restart) is not this metric.
      if (p.kind !== kind || !inRange(p) || !counts(e, p, st, st.labels, false)) continue;
      push((e ??= series.add(entry(st.labels, storedKey(st)), st.hash)), p);
    }
  }

  if (reuse) {
    // What the next build may take again: this process's series built from its ring and one kept stored series.
    for (let i = 0; i < series.values.length; i++) {
      const e = series.values[i]!;
      if (!e.hasRing || e.reusedAt === build || e.ring === undefined) continue;
      if (e.st === undefined || !isKept(e.st)) e.ring.built = undefined;
      else record(e.ring, e, name, e.ring.version, storedId, e.st, from, end, stamps);
    }
  }

  const scale: WindowScale =
    metric?.kind === 'histogram'
      ? { layout: metric.layout, resolution: metric.resolution, slotLength: ctx.slotLength }
      : { layout: new BucketLayout(ctx.histogramDigits), resolution: resolution ?? FALLBACK_RESOLUTION, slotLength: ctx.slotLength };
  // The entries are the window's series (one object each, not a copy per read).
  return new MetricWindow(name, kind, metric?.unit, from, to, now, series.values, self, scale, ctx.fleet.decoded);
}

/**
 * A series being merged, then the window's series itself. With `hasRing`, `slots` is its ring of
 * histogram slots in this process's memory (`open` the one being filled).
 */
interface Entry extends ReusableEntry {
  current: number | undefined;
  /** Its parts; `shared`: a stored series' own array, never pushed to. */
  parts: WindowPart[];
  shared: boolean;
  slots: readonly HistogramSlot[];
  hasRing: boolean;
  open: HistogramSlot | undefined;
  /** Where its ring's match flags start in the shared flag array. */
  ringAt: number;
  /** Its ring read through a `RingCache`: `slots` with the closed slots' numbers in columns. */
  ring: RingView | undefined;
}

function entry(labels: Readonly<Record<string, string>>, key: string): Entry {
  return { key, labels, current: undefined, slots: NO_SLOTS, parts: [], shared: false, hasRing: false, open: undefined, ringAt: 0, ring: undefined, st: undefined, reusedAt: 0 };
}

/** The `seriesKey` of a stored series, kept on it. */
function storedKey(st: StoredSeries): string {
  return (st.key ??= seriesKey(st.labels));
}

const NO_SLOTS: readonly HistogramSlot[] = Object.freeze([]);
