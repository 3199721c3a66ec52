/**
 * Time series reads (`monitor.getTimeSeries`): the value of one aggregation of a metric at each
 * step of a range, over every instance's data, through the one window query: the whole range
 * is read once (one store read), then split by step (time-series-steps.ts).
 */
import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { validationErrorOf } from '../core/options.js';
import { matchersSchema, parseReadQuery, rangeFields, resolveRange } from './time-series-range.js';
import { stepValues, SUPPORTED_AGGREGATIONS, TIME_SERIES_AGGREGATIONS, type TimeSeriesAggregation } from './time-series-steps.js';
import { WindowQuery, type WindowQuerySources } from './window-query.js';

export { TIME_SERIES_AGGREGATIONS, type TimeSeriesAggregation } from './time-series-steps.js';

/** Most points one series may have: a smaller `step` over the range is refused. */
export const MAX_POINTS = 1_000;

/**
 * Most steps the default step fits a range in (see {@link defaultStep}): up to one point more
 * comes out, as the grid is aligned to multiples of the step and a range rarely starts on one.
 */
export const DEFAULT_POINTS = 120;

/** Steps the default picks from (ms): round numbers a chart's axis reads well. */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800].map((s) => s * 1000);

/** Which points {@link timeSeries} returns (the parsed form; callers pass {@link TimeSeriesQuery}). */
export const timeSeriesQuerySchema = z.object({
  /** Metric name. */
  name: z.string().min(1).max(200),
  /** Only series whose labels include all of these (at most 32). */
  labels: matchersSchema.optional(),
  /** The range, as `getAggregatedMetrics` takes it: `from`/`to` (epoch ms, ISO 8601, Date) or `window` (default 5 minutes to now). */
  ...rangeFields,
  /**
   * Length of one step (ms or `'1m'`), rounded up to a whole number of slots
   * (`histogram.slotLength`). Default: the first round step fitting the range in
   * {@link DEFAULT_POINTS} steps (up to 121 points: the grid is aligned to the step). A step
   * giving more than {@link MAX_POINTS} points is refused.
   */
  step: positiveDurationSchema.optional(),
  /**
   * What each point shows (`avg` is read as `mean`). Default: `rate` for counters, `last` for
   * gauges, `mean` for histograms. Percentiles need a histogram.
   */
  aggregation: z
    .enum([...TIME_SERIES_AGGREGATIONS, 'avg'])
    .transform((a): TimeSeriesAggregation => (a === 'avg' ? 'mean' : a))
    .optional(),
});

/** A time series query as callers pass it. */
export type TimeSeriesQuery = z.input<typeof timeSeriesQuerySchema>;

/** A time series as {@link timeSeries} returns it (and `GET /metrics/series` serves it). */
export const timeSeriesSchema = z.object({
  name: z.string(),
  /** From this process's definition, else from the stored rollups; `'unknown'` when there is no data. */
  kind: z.enum(['counter', 'gauge', 'histogram', 'unknown']),
  /** The unit of this process's definition (rollups carry none). */
  unit: z.string().optional(),
  /** The label matchers asked for (`{}`: every series). */
  labels: z.record(z.string(), z.string()),
  aggregation: z.enum(TIME_SERIES_AGGREGATIONS),
  /** The range asked for, resolved (epoch ms; `to` at most the instant of the read). */
  from: z.number(),
  to: z.number(),
  /** The step used (ms): the one asked for rounded up to whole slots, or the default. */
  step: z.number(),
  /**
   * Matching series with data in some step: an observation, a set or an increment in it, or
   * (a counter or gauge this process holds, when the range reaches now) its value now. A series
   * this process holds without data in the range is not counted.
   */
  series: z.number(),
  /**
   * One point per step, oldest first: `time` is the step's start (epoch ms, a multiple of
   * `step`), the step spans [time, time + step); `value` is null when the step holds no data;
   * `count` is the observations (histograms), sets (gauges) or increments (counters) in it.
   */
  points: z.array(z.object({ time: z.number(), value: z.number().nullable(), count: z.number() })),
});

/** The points of one metric over a range. */
export type TimeSeries = z.output<typeof timeSeriesSchema>;

/**
 * The default step over a range of `span` ms: the first round step fitting `span` in at most
 * {@link DEFAULT_POINTS} steps, in whole slots of `slotLength` (the aligned grid may hold one
 * point more).
 */
export function defaultStep(span: number, slotLength: number): number {
  const wanted = span / DEFAULT_POINTS;
  const nice = NICE_STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / NICE_STEPS.at(-1)!) * NICE_STEPS.at(-1)!;
  return wholeSlots(nice, slotLength);
}

function wholeSlots(step: number, slotLength: number): number {
  return Math.max(1, Math.ceil(step / slotLength)) * slotLength;
}

/**
 * Points per step of a metric over a range, over every instance's data (memory, waiting rollups
 * and stored rollups, each write once). Steps are aligned to multiples of `step` since the
 * epoch, so the same range read again gives the same steps; the first may start before `from`
 * and the last end after `to`, and each point holds its whole step (a slot belongs to the step
 * its start falls in). Throws a `ValidationError` naming the field for a bad query, a range
 * refused by `resolveRange`, a `step` giving more than {@link MAX_POINTS} points, or an
 * `aggregation` the metric's kind cannot give; rejects with a `StorageError` when the store fails.
 */
export async function timeSeries(src: WindowQuerySources, input: TimeSeriesQuery): Promise<TimeSeries> {
  const q = parseReadQuery(timeSeriesQuerySchema, input, 'time series query');
  const query = new WindowQuery(src);
  const now = query.now;
  const { from, to } = resolveRange(q, now, 'time series query');
  const slotLength = src.ctx.slotLength;
  const step = q.step === undefined ? defaultStep(to - from, slotLength) : wholeSlots(q.step, slotLength);
  const start = Math.floor(from / step) * step;
  const end = Math.ceil(to / step) * step;
  const count = Math.max(1, (end - start) / step);
  if (count > MAX_POINTS) {
    const least = wholeSlots(Math.ceil((to - from) / (MAX_POINTS - 1)), slotLength);
    throw validationErrorOf('invalid time series query', [{ path: ['step'], message: `gives ${count} points over the range, at most ${MAX_POINTS}: use a step of at least ${least} ms` }], 'query');
  }
  // The whole grid at once: one store read however many steps.
  const readTo = end >= now ? now : end;
  // From 1 ms before the grid: a slot `close()` ended early at its start is a part of no length there.
  const data = await query.read({ name: q.name, labels: q.labels, from: start - 1, to: readTo, now });
  const kind = data.kind ?? 'unknown';
  const aggregation = q.aggregation ?? (kind === 'counter' ? 'rate' : kind === 'gauge' ? 'last' : 'mean');
  if (kind !== 'unknown' && !SUPPORTED_AGGREGATIONS[kind].includes(aggregation)) {
    throw validationErrorOf('invalid time series query', [{ path: ['aggregation'], message: `a ${kind} has no ${aggregation}: use one of ${SUPPORTED_AGGREGATIONS[kind].join(', ')}` }], 'query');
  }
  const { values, series } = kind === 'unknown' ? { values: [], series: 0 } : stepValues(data, { start, step, count }, readTo, now, slotLength, aggregation);
  return {
    name: q.name,
    kind,
    ...(data.unit === undefined ? {} : { unit: data.unit }),
    labels: { ...q.labels },
    aggregation,
    from,
    to,
    step,
    series,
    points: Array.from({ length: count }, (_, i) => ({ time: start + i * step, value: values[i]?.value ?? null, count: values[i]?.count ?? 0 })),
  };
}
