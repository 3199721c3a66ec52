/**
 * Per-step values of a time series from one window (window-query-window.ts): the window's parts
 * are split by step once (each slot goes to the step its start falls in), then each step's
 * statistics come from `MetricWindow.stats` over that step's share only, so a series of n steps
 * costs one pass over the data plus n small reads, not n reads of the whole window.
 */
import { writerOf } from '../storage/instance.js';
import type { HistogramSlot } from './histogram-slot.js';
import { isErrorSeries } from './time-series-errors.js';
import type { MetricWindow, WindowPart, WindowSeries } from './window-query.js';

/**
 * What a point can show: the spelling of `AggregatedMetrics` (and of rules, where `mean` is
 * `avg`), and the rules' `errorRate`: the percent of the step's observations (histograms) or
 * amount added (counters) in series marked as errors (see time-series-errors.ts).
 */
export const TIME_SERIES_AGGREGATIONS = ['count', 'sum', 'mean', 'min', 'max', 'rate', 'p50', 'p75', 'p90', 'p95', 'p99', 'p999', 'last', 'errorRate'] as const;

/** One of {@link TIME_SERIES_AGGREGATIONS}. */
export type TimeSeriesAggregation = (typeof TIME_SERIES_AGGREGATIONS)[number];

/** The percentile each percentile aggregation reads. */
export const PERCENTILES: Partial<Record<TimeSeriesAggregation, number>> = { p50: 50, p75: 75, p90: 90, p95: 95, p99: 99, p999: 99.9 };

/**
 * What each kind of metric can show. As the alert rules allow: counters keep amounts added
 * (no per-observation min, max or distribution), gauges keep the values set (no distribution).
 */
export const SUPPORTED_AGGREGATIONS: Readonly<Record<'counter' | 'gauge' | 'histogram', readonly TimeSeriesAggregation[]>> = {
  histogram: TIME_SERIES_AGGREGATIONS,
  counter: ['count', 'sum', 'rate', 'last', 'errorRate'],
  gauge: ['count', 'sum', 'mean', 'min', 'max', 'last'],
};

/** A step's grid: `count` steps of `step` ms from `start`. */
export interface StepGrid {
  start: number;
  step: number;
  count: number;
}

/** One step's value: `value` null when the step holds no data; `count` the observations in it. */
export interface StepValue {
  value: number | null;
  count: number;
}

/** The share of one series in one step. */
interface StepShare {
  key: string;
  labels: Readonly<Record<string, string>>;
  current: number | undefined;
  slots: HistogramSlot[];
  parts: WindowPart[];
}

/**
 * Splits the window's data by step: the shares of step i hold the memory slots and parts whose
 * start falls in [start + i * step, start + (i + 1) * step). A part starting before the grid but
 * ending in it (written with a longer slot by another instance) goes to the first step; one
 * starting at the grid's end or later (the slot being recorded into, when the range ends at a
 * step boundary) to none. With `withCurrent`, the last step also holds every series this process
 * holds a counter or gauge value of now.
 */
function splitBySteps(data: MetricWindow, grid: StepGrid, readTo: number, slotLength: number, withCurrent: boolean): StepShare[][] {
  const steps: Map<WindowSeries, StepShare>[] = Array.from({ length: grid.count }, () => new Map());
  const indexOf = (start: number, end: number) => (start >= grid.start ? Math.floor((start - grid.start) / grid.step) : end > grid.start ? 0 : -1);
  const shareOf = (i: number, s: WindowSeries): StepShare | undefined => {
    const step = steps[i];
    if (step === undefined) return undefined;
    let share = step.get(s);
    if (share === undefined) step.set(s, (share = { key: s.key, labels: s.labels, current: undefined, slots: [], parts: [] }));
    return share;
  };
  const from = grid.start - 1;
  for (const s of data.series) {
    for (const slot of s.slots) if (data.holds(slot, from, readTo)) shareOf(indexOf(slot.start, slot.start + slotLength), s)?.slots.push(slot);
    for (const p of s.parts) if ((p.count > 0 || p.last !== undefined) && data.covers(p, from, readTo)) shareOf(indexOf(p.start, p.end), s)?.parts.push(p);
    if (withCurrent && s.current !== undefined) shareOf(grid.count - 1, s)!.current = s.current;
  }
  return steps.map((m) => [...m.values()]);
}

/** The points of a grid, and how many series gave data to some step. */
export interface StepValues {
  values: StepValue[];
  /**
   * Series with data in some step: an observation, a set or an increment in it, or (a counter or
   * gauge this process holds, when the grid reaches now) its value now in the step holding now.
   */
  series: number;
}

/**
 * The value of `aggregation` at each step of `grid` over `data` (read over [grid.start - 1,
 * readTo): a slot closed early by `close()` at the grid's start is a part of no length there);
 * `now` is the instant of the read: the step holding it is as long as it has run so far (what
 * `rate` divides by). NaN never comes out: no data is null.
 */
export function stepValues(data: MetricWindow, grid: StepGrid, readTo: number, now: number, slotLength: number, aggregation: TimeSeriesAggregation): StepValues {
  const kind = data.kind;
  const percentile = PERCENTILES[aggregation];
  const fleetValue = aggregation === 'last' && kind !== 'histogram';
  // Every kind's current value is split (it is data of the step holding now, counted in `series`); only `last` reads it.
  const withCurrent = kind !== 'histogram' && readTo >= now;
  const shares = splitBySteps(data, grid, readTo, slotLength, withCurrent);
  const seen = new Set<string>();
  for (const step of shares) for (const share of step) seen.add(share.key);
  // Each share holds its step's data only: it is read over the whole grid, where every part of it counts.
  const lo = grid.start - 1;
  const fleet = fleetValue ? fleetValues(data, shares, withCurrent) : undefined;
  const out: StepValue[] = [];
  for (let i = 0; i < grid.count; i++) {
    const from = grid.start + i * grid.step;
    const to = from + grid.step;
    const share = shares[i]!;
    if (fleet !== undefined) {
      // A counter's total or a gauge's value, summed over the fleet (as `AggregatedMetrics.last`);
      // a quiet step has the values carried from earlier ones.
      out.push({ value: fleet[i]!, count: share.length === 0 ? 0 : data.stats(share, lo, readTo, false).count });
      continue;
    }
    if (share.length === 0) {
      out.push({ value: null, count: 0 });
      continue;
    }
    const stats = data.stats(share, lo, readTo, percentile !== undefined);
    if (stats.count === 0) {
      out.push({ value: null, count: 0 });
      continue;
    }
    let value: number;
    switch (aggregation) {
      case 'errorRate': {
        const errors = data.stats(share.filter((s) => isErrorSeries(s.labels)), lo, readTo, false);
        value = kind === 'counter' ? (100 * errors.sum) / stats.sum : (100 * errors.count) / stats.count;
        break;
      }
      case 'count':
        value = stats.count;
        break;
      case 'sum':
        value = stats.sum;
        break;
      case 'mean':
        value = stats.sum / stats.count;
        break;
      case 'min':
        value = stats.min;
        break;
      case 'max':
        value = stats.max;
        break;
      case 'last':
        value = stats.lastMean;
        break;
      case 'rate': {
        // Per second of the step, or of the part of it that has run (the step holding now).
        const seconds = (Math.min(to, Math.max(now, from + 1)) - from) / 1000;
        value = (kind === 'counter' ? stats.sum : stats.count) / seconds;
        break;
      }
      default:
        value = stats.dist!.percentile(percentile!);
    }
    out.push({ value: finite(value), count: stats.count });
  }
  return { values: out, series: seen.size };
}

/**
 * A counter's total or a gauge's value at the end of each step, summed over the fleet. Steps are
 * walked in order and each (series, writer) keeps its newest `last` until it writes again, so a
 * step counts every writer seen so far, not only those that wrote in it (a counter writes only
 * the slots it is added to in). With `withCurrent`, the last step (the one holding now) takes the
 * value this process holds now in place of its own writes. The carry starts from what the grid
 * holds: the read has nothing before it, so a writer counts from its first write in the grid,
 * and the steps before any write are null.
 */
function fleetValues(data: MetricWindow, shares: readonly StepShare[][], withCurrent: boolean): (number | null)[] {
  // Series key -> writer -> its newest part so far.
  const newest = new Map<string, Map<string, WindowPart>>();
  const writers = new Map<string | undefined, string>();
  const out: (number | null)[] = [];
  let total: number | null = null;
  for (let i = 0; i < shares.length; i++) {
    let changed = false;
    for (const share of shares[i]!) {
      let byWriter = newest.get(share.key);
      for (const p of share.parts) {
        if (p.last === undefined) continue;
        let writer = writers.get(p.instance);
        if (writer === undefined) writers.set(p.instance, (writer = writerOf(p.instance)));
        if (byWriter === undefined) newest.set(share.key, (byWriter = new Map()));
        const seen = byWriter.get(writer);
        if (seen === undefined || p.start > seen.start || (p.start === seen.start && p.end >= seen.end)) {
          byWriter.set(writer, p);
          changed = true;
        }
      }
    }
    const ownNow = withCurrent && i === shares.length - 1;
    // Summed afresh (not adjusted by differences) when something changed: gauge values stay exact.
    if (changed || ownNow) total = finite(sumOf(newest, ownNow ? currentsOf(shares[i]!) : undefined, data.self));
    out.push(total);
  }
  return out;
}

/** The values this process holds now, by series key. */
function currentsOf(shares: readonly StepShare[]): Map<string, number> {
  const currents = new Map<string, number>();
  for (const s of shares) if (s.current !== undefined) currents.set(s.key, s.current);
  return currents;
}

/** The sum of the carried values, this process's own replaced by `currents` where it holds the series. */
function sumOf(newest: ReadonlyMap<string, ReadonlyMap<string, WindowPart>>, currents: ReadonlyMap<string, number> | undefined, self: string): number | undefined {
  let total: number | undefined;
  for (const [key, byWriter] of newest) {
    const current = currents?.get(key);
    for (const [writer, p] of byWriter) if (current === undefined || writer !== self) total = (total ?? 0) + p.last!;
  }
  if (currents !== undefined) for (const current of currents.values()) total = (total ?? 0) + current;
  return total;
}

/** JSON-safe: NaN and infinities (no data) are null. */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
