import { matchesLabels, seriesKey, type Labels } from '../core/labels.js';
import type { MetricKind, Rollup } from '../storage/contract.js';
import { writerOf } from '../storage/instance.js';
import type { MetricContext } from './context.js';
import type { CounterSeries } from './counter.js';
import type { GaugeSeries } from './gauge.js';
import type { HistogramSeries } from './histogram.js';
import { BucketLayout } from './log-buckets.js';
import type { AnyMetric } from './registry.js';
import { MetricWindow, type WindowPart, type WindowScale } from './window-query-window.js';

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
  const self = ctx.fleet.stamps.instanceId;
  const rollups: Rollup[] = [];
  for (const list of [input.stored, input.pending]) {
    for (const r of list) if (r.name === name && r.end > from && r.start < end && matchesLabels(r.labels, labels)) rollups.push(r);
  }
  const kind = metric?.kind ?? newestKind(rollups);
  const series = new Map<string, { key: string; labels: Readonly<Record<string, string>>; current: number | undefined; parts: WindowPart[] }>();
  const seriesOf = (key: string, seriesLabels: Readonly<Record<string, string>>) => {
    let s = series.get(key);
    if (s === undefined) series.set(key, (s = { key, labels: seriesLabels, current: undefined, parts: [] }));
    return s;
  };

  /** Closed histogram slots in memory, by series and start: this monitor's rollups of them are skipped. */
  const inMemory = new Map<string, number>();
  /** The same by series, start, count and sum: rollups without an instance are matched by content. */
  const byContent = new Map<string, number>();
  if (metric !== undefined) {
    if (metric.kind === 'gauge') metric.collect();
    const slotLength = ctx.slotLength;
    for (const local of metric.index.values() as IterableIterator<HistogramSeries | CounterSeries | GaugeSeries>) {
      if (!matchesLabels(local.labels, labels)) continue;
      const key = keyOf(local);
      const s = seriesOf(key, local.labels);
      if (!('ring' in local)) {
        s.current = local.value;
        if (local.slotCount > 0 && ctx.slotStart + slotLength > from && ctx.slotStart < end) {
          s.parts.push(part(ctx.slotStart, ctx.slotStart + slotLength, local.slotCount, local.slotSum, local.slotMin, local.slotMax, local.value, self, undefined));
        }
        continue;
      }
      for (const slot of local.ring) {
        if (slot.count === 0) continue;
        if (slot !== local.slot) {
          increment(inMemory, `${key}\u0003${slot.start}`);
          increment(byContent, `${key}\u0003${slot.start}\u0003${slot.count}\u0003${slot.sum}`);
        }
        if (slot.start + slotLength > from && slot.start < end) {
          s.parts.push(part(slot.start, slot.start + slotLength, slot.count, slot.sum, slot.min, slot.max, undefined, self, slot));
        }
      }
    }
  }

  const stamps = ctx.fleet.stamps;
  const counted = new Set<string>();
  const writers = new Map<string, string>();
  let resolution: number | undefined;
  let resolutionAt = -Infinity;
  for (const r of rollups) {
    // A name reused for another kind of metric (in another process, or before a restart) is not this metric.
    if (r.kind !== kind) continue;
    const key = seriesKey(r.labels);
    if (r.instance !== undefined) {
      const id = `${key}\u0003${r.start}\u0003${r.instance}`;
      if (counted.has(id)) continue;
      counted.add(id);
      if (inMemory.size > 0 && stamps.ownsSlot(r.instance, r.start) && decrement(inMemory, `${key}\u0003${r.start}`)) continue;
    } else if (byContent.size > 0 && decrement(byContent, `${key}\u0003${r.start}\u0003${r.count}\u0003${r.sum}`)) continue;
    let writer = writers.get(r.instance ?? '');
    if (writer === undefined) writers.set(r.instance ?? '', (writer = writerOf(r.instance)));
    seriesOf(key, r.labels).parts.push(part(r.start, r.end, r.count, r.sum, r.min, r.max, r.last, writer, undefined, r));
    if (r.resolution !== undefined && r.start >= resolutionAt) {
      resolution = r.resolution;
      resolutionAt = r.start;
    }
  }

  const scale: WindowScale =
    metric?.kind === 'histogram'
      ? { layout: metric.layout, resolution: metric.resolution }
      : { layout: new BucketLayout(ctx.histogramDigits), resolution: resolution ?? FALLBACK_RESOLUTION };
  return new MetricWindow(name, kind, metric?.unit, from, to, now, [...series.values()], self, scale);
}

/** The kind of the newest rollup (a name reused for another kind reads as its latest use). */
function newestKind(rollups: readonly Rollup[]): MetricKind | undefined {
  let kind: MetricKind | undefined;
  let at = -Infinity;
  for (const r of rollups) {
    if (r.start >= at) {
      at = r.start;
      kind = r.kind;
    }
  }
  return kind;
}

function keyOf(local: { readonly labels: Labels }): string {
  let key = localKeys.get(local);
  if (key === undefined) localKeys.set(local, (key = seriesKey(local.labels)));
  return key;
}

function part(
  start: number,
  end: number,
  count: number,
  sum: number,
  min: number,
  max: number,
  last: number | undefined,
  writer: string,
  slot: WindowPart['slot'],
  rollup?: Rollup,
): WindowPart {
  return { start, end, count, sum, min, max, last, writer, slot, rollup };
}

function increment(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Takes one of `key` from `counts`; false when there was none. */
function decrement(counts: Map<string, number>, key: string): boolean {
  const n = counts.get(key);
  if (n === undefined) return false;
  if (n === 1) counts.delete(key);
  else counts.set(key, n - 1);
  return true;
}
