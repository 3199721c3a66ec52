/**
 * Per-step values of a time series from one window (window-query-window.ts): the window's parts
 * are split by step once (each slot goes to the step its start falls in), then each step's
 * statistics come from `MetricWindow.stats` over that step's share only, so a series of n steps
 * costs one pass over the data plus n small reads, not n reads of the whole window.
 */
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

/**
 * The value of `aggregation` at each step of `grid` over `data` (read over [grid.start - 1,
 * readTo): a slot closed early by `close()` at the grid's start is a part of no length there);
 * `now` is the instant of the read: the step holding it is as long as it has run so far (what
 * `rate` divides by). NaN never comes out: no data is null.
 */
export function stepValues(data: MetricWindow, grid: StepGrid, readTo: number, now: number, slotLength: number, aggregation: TimeSeriesAggregation): StepValue[] {
  const kind = data.kind;
  const percentile = PERCENTILES[aggregation];
  const fleetValue = aggregation === 'last' && kind !== 'histogram';
  const shares = splitBySteps(data, grid, readTo, slotLength, fleetValue && readTo >= now);
  // Each share holds its step's data only: it is read over the whole grid, where every part of it counts.
  const lo = grid.start - 1;
  const out: StepValue[] = [];
  for (let i = 0; i < grid.count; i++) {
    const from = grid.start + i * grid.step;
    const to = from + grid.step;
    const share = shares[i]!;
    if (share.length === 0) {
      out.push({ value: null, count: 0 });
      continue;
    }
    const stats = data.stats(share, lo, readTo, percentile !== undefined);
    if (fleetValue) {
      // A counter's total or a gauge's value, summed over the fleet (as `AggregatedMetrics.last`).
      out.push({ value: finite(data.latest(share, lo, readTo)), count: stats.count });
      continue;
    }
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
  return out;
}

/** JSON-safe: NaN and infinities (no data) are null. */
function finite(value: number | undefined): number | null {
  return value !== undefined && Number.isFinite(value) ? value : null;
}
