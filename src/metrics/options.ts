import { z } from 'zod';
import type { GaugeCollect } from './gauge.js';

const labelNamesSchema = z.array(z.string()).readonly().default([]);

/** Fields every metric definition accepts. */
const baseShape = {
  /** Prometheus metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`. */
  name: z.string(),
  /** One line describing the metric (the `# HELP` text). */
  help: z.string().default(''),
  /** Names of the labels the metric is partitioned by. */
  labelNames: labelNamesSchema,
  /** OpenMetrics unit, e.g. `'seconds'`; the name must then end with `_<unit>` (before `_total`). */
  unit: z.string().regex(/^[a-zA-Z0-9_]+$/, 'units are letters, digits and underscores').optional(),
  /** Series before new label sets fold into the overflow series (default: the monitor's `limits.maxSeriesPerMetric`). */
  maxSeries: z.number().int().positive().optional(),
};

/** Options of `monitor.counter()`. */
export const counterOptionsSchema = z.object(baseShape);

/** Options of `monitor.gauge()`. */
export const gaugeOptionsSchema = z.object({
  ...baseShape,
  /** Called before each read: return the value, or set labeled series on the gauge passed in. */
  collect: z.custom<GaugeCollect>((v) => v === undefined || typeof v === 'function', 'collect must be a function').optional(),
});

/** Options of `monitor.histogram()`. */
export const histogramOptionsSchema = z.object({
  ...baseShape,
  /** Upper bounds of the Prometheus buckets, strictly increasing (default depends on the unit). */
  buckets: z
    .array(z.number().finite())
    .min(1)
    .refine((b) => b.every((v, i) => i === 0 || v > b[i - 1]!), 'buckets must be strictly increasing')
    .optional(),
  /** Smallest distinguishable value in the metric's unit (default 1e-6 for seconds, 1e-3 otherwise). */
  resolution: z.number().positive().finite().optional(),
  /** Largest accepted value; larger observations are dropped and reported (default: unbounded). */
  maxValue: z.number().positive().optional(),
  /** HDR significant digits, 1 to 5 (default: the monitor's `histogram.significantDigits`). */
  significantDigits: z.number().int().min(1).max(5).optional(),
});

type WithLabels<T, Name extends string> = Omit<T, 'labelNames'> & { labelNames?: readonly Name[] };

/** Options of `monitor.counter()`; `labelNames` types the labels every call accepts. */
export type CounterOptions<Name extends string = string> = WithLabels<z.input<typeof counterOptionsSchema>, Name>;
/** Options of `monitor.gauge()`. */
export type GaugeOptions<Name extends string = string> = WithLabels<Omit<z.input<typeof gaugeOptionsSchema>, 'collect'>, Name> & {
  collect?: GaugeCollect<Name>;
};
/** Options of `monitor.histogram()`. */
export type HistogramOptions<Name extends string = string> = WithLabels<z.input<typeof histogramOptionsSchema>, Name>;

/** prom-client's and Prometheus' client defaults, in seconds. */
export const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
const MILLISECONDS_BUCKETS = SECONDS_BUCKETS.map((b) => b * 1000);
const PERCENT_BUCKETS = [1, 5, 10, 25, 50, 75, 90, 95, 99, 100];
const GENERIC_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Default bucket bounds and resolution for a unit. */
export function unitDefaults(unit: string | undefined): { buckets: readonly number[]; resolution: number } {
  switch (unit) {
    case 'seconds':
    case 's':
      return { buckets: SECONDS_BUCKETS, resolution: 1e-6 };
    case 'milliseconds':
    case 'ms':
      return { buckets: MILLISECONDS_BUCKETS, resolution: 1e-3 };
    case 'percent':
    case '%':
      return { buckets: PERCENT_BUCKETS, resolution: 1e-3 };
    default:
      return { buckets: GENERIC_BUCKETS, resolution: 1e-3 };
  }
}
