import { matchesLabels, seriesKey, type Labels } from '../core/labels.js';
import type { MetricKind, Rollup } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import type { CounterSeries } from './counter.js';
import type { GaugeSeries } from './gauge.js';
import type { HistogramSeries } from './histogram.js';
import type { HistogramSlot } from './histogram-slot.js';
import { BucketLayout } from './log-buckets.js';
import type { AnyMetric } from './registry.js';
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
  /** Rollups the store returned (any instance; more than the range is fine: they are filtered). */
  stored: readonly Rollup[];
  /** Rollups waiting in this process's recorder (any metric: they are filtered). */
  pending: readonly Rollup[];
}

/** Resolution of a histogram read from rollups alone when none carries one (`unitDefaults`' generic). */
const FALLBACK_RESOLUTION = 1e-3;

/** `seriesKey` of in-memory series, computed once per series object (evicted ones are collected). */
const localKeys = new WeakMap<object, string>();

/**
 * Merges the three sources of a metric's data over [from, to) into one {@link MetricWindow}:
 * this process's memory (histogram slots in the ring, the open slot of counters and gauges),
 * rollups waiting in its recorder, and every instance's stored rollups. Rollups are told apart
 * by (series, slot start, instance), so each write counts once:
 * - a rollup both stored and still waiting (a write in flight) counts once;
 * - this monitor's own rollup of a histogram slot still in a series' ring is skipped (memory
 *   counts it): `RollupStamps.ownsSlot` says which are its own. Its late rollups and a
 *   predecessor's rollups under the same id are not its own, and count;
 * - a rollup without an instance (stored before instances existed) is matched to a ring slot by
 *   content (start, count, sum) and skipped when one matches;
 * - every other instance's rollup counts, identical numbers included.
 */
export function buildWindow(input: WindowInput): MetricWindow {
  const { name, labels, from, to, now, metric, ctx } = input;
  const end = to >= now ? Infinity : to;
  const stamps = ctx.fleet.stamps;
  const self = stamps.instanceId;
  const wanted = (r: Rollup) => r.name === name && r.end > from && r.start < end && matchesLabels(r.labels, labels);
  const kind = metric?.kind ?? newestKind(input.stored, input.pending, wanted);
  const series = new SeriesTable();

  let ringSize = 0;
  /**
   * Open slots of counters and gauges read from memory. They carry this monitor's id and the
   * slot's start, as a stored rollup of a predecessor with the same (configured) id may: they
   * are never taken for a copy the store returned twice.
   */
  const openParts = new Set<WindowPart>();
  if (metric !== undefined) {
    if (metric.kind === 'gauge') metric.collect();
    const slotLength = ctx.slotLength;
    for (const local of metric.index.values() as IterableIterator<HistogramSeries | CounterSeries | GaugeSeries>) {
      if (!matchesLabels(local.labels, labels)) continue;
      const e = series.add(local.labels, keyOf(local));
      if (!('ring' in local)) {
        // Counters and gauges hold only the open slot; every closed one is in a rollup.
        e.current = local.value;
        if (local.slotCount > 0 && ctx.slotStart + slotLength > from && ctx.slotStart < end) {
          const open = part(ctx.slotStart, ctx.slotStart + slotLength, local.slotCount, local.slotSum, local.slotMin, local.slotMax, local.value, self, undefined, undefined);
          e.parts.push(open);
          openParts.add(open);
        }
        continue;
      }
      // The ring is read as it is. Its closed slots: this monitor's rollups of them are skipped.
      e.ring = local.ring;
      e.open = local.slot;
      e.ringAt = ringSize;
      ringSize += local.ring.length;
    }
  }

  /** Per ring slot (at `Entry.ringAt`): a rollup of it was matched by instance (1), by content (2). */
  const matched = new Uint8Array(ringSize);
  let resolution: number | undefined;
  let resolutionAt = -Infinity;
  /** (series, start, instance) of the waiting rollups: their stored copies (a write in flight) are left out. */
  const waiting = new Set<string>();
  const add = (r: Rollup, pending: boolean) => {
    // A name reused for another kind of metric (in another process, or before a restart) is not this metric.
    if (r.kind !== kind || !wanted(r)) return;
    const e = series.find(r.labels);
    if (r.instance !== undefined) {
      // Only this monitor's rollups wait in its recorder: only they can be both waiting and stored.
      if ((pending || waiting.size > 0) && r.instance.startsWith(self)) {
        const id = `${e?.key ?? seriesKey(r.labels)}\u0003${r.start}\u0003${r.instance}`;
        if (pending) waiting.add(id);
        else if (waiting.has(id)) return;
      }
      if (e?.ring !== undefined && stamps.ownsSlot(r.instance, r.start) && take(e, matched, r.start, undefined)) return;
      // A store keeps one rollup per (series, start, instance) and returns them by start: a copy
      // returned twice would sit among the series' last parts.
      if (e !== undefined && !pending && returnedTwice(e.parts, r.start, r.instance, openParts)) return;
    } else if (e?.ring !== undefined && take(e, matched, r.start, r)) return;
    (e ?? series.add(r.labels, seriesKey(r.labels))).parts.push(part(r.start, r.end, r.count, r.sum, r.min, r.max, r.last, r.instance, r.hdr, r.resolution));
    if (r.resolution !== undefined && r.start >= resolutionAt) {
      resolution = r.resolution;
      resolutionAt = r.start;
    }
  };
  for (const r of input.pending) add(r, true);
  for (const r of input.stored) add(r, false);

  const scale: WindowScale =
    metric?.kind === 'histogram'
      ? { layout: metric.layout, resolution: metric.resolution, slotLength: ctx.slotLength }
      : { layout: new BucketLayout(ctx.histogramDigits), resolution: resolution ?? FALLBACK_RESOLUTION, slotLength: ctx.slotLength };
  const out: WindowSeries[] = [];
  for (const e of series.entries) out.push({ key: e.key, labels: e.labels, current: e.current, slots: e.ring ?? NO_SLOTS, parts: e.parts });
  return new MetricWindow(name, kind, metric?.unit, from, to, now, out, self, scale, ctx.fleet.decoded);
}

/** A series being merged; `ring` is its ring of histogram slots in this process's memory (`open` the one being filled). */
interface Entry {
  key: string;
  labels: Readonly<Record<string, string>>;
  current: number | undefined;
  parts: WindowPart[];
  ring: readonly HistogramSlot[] | undefined;
  open: HistogramSlot | undefined;
  /** Where its ring's match flags start in the shared flag array. */
  ringAt: number;
}

/**
 * The series of a window, found by their labels. Reading a window compares every rollup's labels
 * with the series seen: an order-free hash of the label pairs and a comparison find them without
 * allocating (a `seriesKey` per rollup, which sorts and serialises, cost a snapshot of 5,000
 * series more than reading its 50,000 rollups from the store).
 */
class SeriesTable {
  readonly entries: Entry[] = [];
  private readonly byHash = new Map<number, Entry | Entry[]>();

  find(labels: Readonly<Record<string, string>>): Entry | undefined {
    const found = this.byHash.get(hashLabels(labels));
    if (found === undefined) return undefined;
    if (!Array.isArray(found)) return sameLabels(found.labels, labels) ? found : undefined;
    return found.find((e) => sameLabels(e.labels, labels));
  }

  /** Adds a series not in the table (`key` is its `seriesKey`). */
  add(labels: Readonly<Record<string, string>>, key: string): Entry {
    const e: Entry = { key, labels, current: undefined, parts: [], ring: undefined, open: undefined, ringAt: 0 };
    this.entries.push(e);
    const h = hashLabels(labels);
    const found = this.byHash.get(h);
    if (found === undefined) this.byHash.set(h, e);
    else if (Array.isArray(found)) found.push(e);
    else this.byHash.set(h, [found, e]);
    return e;
  }
}

/** FNV-1a of each `name=value` pair, summed: equal label sets hash equal whatever their key order. */
function hashLabels(labels: Readonly<Record<string, string>>): number {
  let sum = 0;
  for (const name in labels) {
    const value = labels[name]!;
    let h = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x3d, 0x01000193);
    for (let i = 0; i < value.length; i++) h = Math.imul(h ^ value.charCodeAt(i), 0x01000193);
    sum = (sum + h) | 0;
  }
  return sum;
}

/** True when both label sets hold the same names with the same values. */
function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const name in a) {
    if (!Object.hasOwn(b, name) || b[name] !== a[name]) return false;
    n++;
  }
  for (const _name in b) n--;
  return n === 0;
}

/** True when `parts` ends with a part of slot `start` from `instance` among those of that start. */
function returnedTwice(parts: readonly WindowPart[], start: number, instance: string, memory: ReadonlySet<WindowPart>): boolean {
  for (let i = parts.length - 1; i >= 0 && parts[i]!.start === start; i--) if (parts[i]!.instance === instance && !memory.has(parts[i]!)) return true;
  return false;
}

/**
 * Matches a rollup to a closed slot of `e`'s ring not matched yet: this monitor's own rollup by
 * its start, a rollup without an instance (`byContent`) by start, count and sum. True when one was.
 */
function take(e: Entry, matched: Uint8Array, start: number, byContent: Rollup | undefined): boolean {
  const ring = e.ring!;
  const bit = byContent === undefined ? 1 : 2;
  for (let i = 0; i < ring.length; i++) {
    const slot = ring[i]!;
    if (slot === e.open || slot.count === 0 || slot.start !== start || (matched[e.ringAt + i]! & bit) !== 0) continue;
    if (byContent !== undefined && (slot.count !== byContent.count || slot.sum !== byContent.sum)) continue;
    matched[e.ringAt + i]! |= bit;
    return true;
  }
  return false;
}

/** The kind of the newest wanted rollup (a name reused for another kind reads as its latest use). */
function newestKind(stored: readonly Rollup[], pending: readonly Rollup[], wanted: (r: Rollup) => boolean): MetricKind | undefined {
  let kind: MetricKind | undefined;
  let at = -Infinity;
  for (const list of [stored, pending]) {
    for (const r of list) {
      if (r.start >= at && wanted(r)) {
        at = r.start;
        kind = r.kind;
      }
    }
  }
  return kind;
}

function keyOf(local: { readonly labels: Labels }): string {
  let key = localKeys.get(local);
  if (key === undefined) localKeys.set(local, (key = seriesKey(local.labels)));
  return key;
}

/**
 * A part in one object shape whatever its source (rollups come in the field order of each store):
 * the loops over parts stay monomorphic, which measured faster than reading the rollups as they are.
 */
function part(
  start: number,
  end: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  last: number | undefined,
  instance: string | undefined,
  hdr: string | undefined,
  resolution: number | undefined,
): WindowPart {
  return { start, end, count, sum, min, max, last, instance, hdr, resolution };
}

const NO_SLOTS: readonly HistogramSlot[] = Object.freeze([]);
