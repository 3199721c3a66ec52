import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { StorageError } from '../core/errors.js';
import { validationErrorOf } from '../core/options.js';
import { matchesLabels, seriesKey } from '../core/labels.js';
import type { Rollup, StorageAdapter } from '../storage/contract.js';
import { rollupStampsOf } from '../storage/instance.js';
import type { MetricContext } from './context.js';
import type { CounterSeries } from './counter.js';
import type { GaugeSeries } from './gauge.js';
import { Distribution, type DistributionSummary } from './distribution.js';
import { BucketLayout } from './log-buckets.js';
import type { Recorder } from './recorder.js';
import type { MetricRegistry } from './registry.js';

/** Which data {@link aggregate} summarises. */
export const aggregateQuerySchema = z.object({
  /** Metric name. */
  name: z.string().min(1),
  /** Only series whose labels include all of these. */
  labels: z.record(z.string(), z.string()).optional(),
  /** How far back from now (default 5 minutes); must be greater than 0 (the rate divides by it). */
  window: positiveDurationSchema.default(300_000),
});

/** A query as callers pass it (`window` as `'5m'`, `'1h'` or ms). */
export type AggregateQuery = z.input<typeof aggregateQuerySchema>;

/**
 * Count, sum, min, max, mean and percentiles of a metric over a window, plus its rate per
 * second (observations for histograms and gauges, the amount added for counters). Percentiles
 * are NaN for counters and gauges, which keep totals only.
 */
export interface AggregatedMetrics extends DistributionSummary {
  name: string;
  kind: 'counter' | 'gauge' | 'histogram' | 'unknown';
  /** Window length in ms. */
  window: number;
  from: number;
  to: number;
  rate: number;
  /** Latest value: the gauge's value or the counter's total (summed over matching series). */
  last: number;
  /** Matching series seen. */
  series: number;
}

/** What {@link aggregate} reads from. */
export interface AggregateSources {
  registry: MetricRegistry;
  ctx: MetricContext;
  storage: StorageAdapter;
  recorder: Recorder;
}

/**
 * Summarises a metric over a window. Histogram slots still in memory are read from memory;
 * every other closed slot (and every closed slot of counters and gauges, whose memory holds
 * only the current slot) comes from storage and from rollups still waiting to be written, so a
 * window longer than memory holds is still exact. Rollups are told apart by (series, slot
 * start, instance): every instance's rollups count, a rollup both stored and still waiting (a
 * write in flight) counts once, and one this monitor wrote for a closed slot still in a series'
 * ring is skipped (memory counts it). Slots closed early by `flush()` and values recorded late
 * with an old `timestamp` (stamped apart, see storage/instance.ts) are neither lost nor counted
 * twice. Rollups without an instance (stored before instances existed) are matched to ring slots
 * by content, as before.
 */
export async function aggregate(src: AggregateSources, input: AggregateQuery): Promise<AggregatedMetrics> {
  const parsed = aggregateQuerySchema.safeParse(input);
  if (!parsed.success) throw validationErrorOf('invalid aggregate query', parsed.error.issues, 'query');
  const { name, labels, window } = parsed.data;
  const { ctx } = src;
  const to = ctx.clock.now();
  const from = to - window;
  const metric = src.registry.get(name);
  const kind = metric?.kind ?? 'unknown';
  const dist = metric?.kind === 'histogram' ? metric.distribution() : new Distribution(new BucketLayout(ctx.histogramDigits), 1e-3);
  const seen = new Set<string>();
  let last = 0;
  const stamps = rollupStampsOf(ctx);
  /** Closed histogram slots still in memory, by series and start: this monitor's rollups of them are skipped. */
  const inMemory = new Map<string, number>();
  /** The same slots by series, start, count and sum: rollups without an instance are matched by content. */
  const inMemoryByContent = new Map<string, number>();

  if (metric?.kind === 'histogram') {
    for (const series of metric.index.values()) {
      if (!matchesLabels(series.labels, labels)) continue;
      seen.add(series.key);
      metric.addWindow(series, from, dist);
      const key = seriesKey(series.labels);
      for (const slot of series.ring) {
        if (slot === series.slot || slot.count === 0) continue;
        increment(inMemory, slotOf(key, slot.start));
        increment(inMemoryByContent, slotId(key, slot.start, slot.count, slot.sum));
      }
    }
  } else if (metric !== undefined) {
    // Counters and gauges keep only the current (open) slot in memory; every closed one is stored.
    if (metric.kind === 'gauge') metric.collect();
    for (const series of metric.index.values() as IterableIterator<CounterSeries | GaugeSeries>) {
      if (!matchesLabels(series.labels, labels)) continue;
      seen.add(series.key);
      last += series.value;
      if (series.slotCount > 0) dist.addTotals(series.slotCount, series.slotSum, series.slotMin, series.slotMax);
    }
  }

  let stored: Rollup[];
  try {
    // `to + 1`: a slot closed by a flush at this very millisecond starts at `to` and must be included.
    stored = await src.storage.queryRollups({ name, labels, from, to: to + 1 });
  } catch (cause) {
    throw new StorageError(`reading rollups of "${name}" from "${src.storage.name}" storage failed`, { cause });
  }
  const waiting = src.recorder.pendingRollups().filter((r) => r.name === name && matchesLabels(r.labels, labels));
  /** (series, start, instance) of the rollups counted so far. */
  const counted = new Set<string>();
  for (const r of [...stored, ...waiting]) {
    if (r.end <= from) continue;
    if (r.instance !== undefined) {
      const key = `${slotOf(seriesKey(r.labels), r.start)}\u0003${r.instance}`;
      if (counted.has(key)) continue;
      counted.add(key);
      // Without registered stamps (no monitor), every instance is another one.
      if (inMemory.size > 0 && stamps?.ownsSlot(r.instance, r.start) === true && decrement(inMemory, slotOf(seriesKey(r.labels), r.start))) continue;
    } else if (inMemoryByContent.size > 0 && decrement(inMemoryByContent, slotId(seriesKey(r.labels), r.start, r.count, r.sum))) continue;
    addRollup(src, dist, r, metric?.kind === 'histogram' ? metric.layoutFor(r) : undefined);
    if (metric === undefined) seen.add(JSON.stringify(r.labels));
  }

  const summary = dist.summary();
  const seconds = window / 1000;
  return {
    name,
    kind,
    window,
    from,
    to,
    ...summary,
    rate: (kind === 'counter' ? summary.sum : summary.count) / seconds,
    last,
    series: seen.size,
  };
}

function slotId(seriesKey: string, start: number, count: number, sum: number): string {
  return `${seriesKey}\u0003${start}\u0003${count}\u0003${sum}`;
}

function slotOf(seriesKey: string, start: number): string {
  return `${seriesKey}\u0003${start}`;
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

function addRollup(src: AggregateSources, dist: Distribution, r: Rollup, layout: BucketLayout | undefined): void {
  if (r.count === 0) return;
  if (r.hdr !== undefined && layout !== undefined) dist.addCounts(src.ctx.codec.decode(r.hdr, layout), r.sum, r.min, r.max);
  else dist.addTotals(r.count, r.sum, r.min, r.max);
}
