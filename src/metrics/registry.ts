import { z } from 'zod';
import { ConfigError, LimitError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { assertLabelNames, assertMetricName } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import { isBuiltInMetric } from './built-in-names.js';
import type { MetricContext } from './context.js';
import { Counter } from './counter.js';
import { Gauge, type GaugeCollect } from './gauge.js';
import { Histogram } from './histogram.js';
import {
  counterOptionsSchema,
  gaugeOptionsSchema,
  histogramOptionsSchema,
  unitDefaults,
  type CounterOptions,
  type GaugeOptions,
  type HistogramOptions,
} from './options.js';

/** Bounds of a registry. */
export interface RegistryLimits {
  /** Metric definitions, built-in ones aside (`limits.maxMetrics`). */
  maxMetrics: number;
}

/** Any metric a registry holds. */
export type AnyMetric = Counter | Gauge | Histogram;

/**
 * The metrics of one monitor. Defining a metric again with the same definition returns the
 * existing one (module reloads are common); a different definition under a taken name throws.
 */
export class MetricRegistry {
  private readonly metrics = new Map<string, AnyMetric>();
  private readonly signatures = new Map<string, string>();
  /** Every sample name a family exposes, to refuse families whose samples would collide. */
  private readonly sampleOwners = new Map<string, string>();
  /** Definitions counted against `maxMetrics`. */
  private counted = 0;

  constructor(
    private readonly ctx: MetricContext,
    private readonly limits: RegistryLimits = { maxMetrics: Infinity },
  ) {}

  /** `limits.maxMetrics`: definitions, built-in ones aside. */
  get maxMetrics(): number {
    return this.limits.maxMetrics;
  }

  /** New (not built-in) definitions the registry still takes before `limits.maxMetrics`. */
  get room(): number {
    return this.limits.maxMetrics - this.counted;
  }

  counter<Name extends string>(input: CounterOptions<Name>): Counter<Name> {
    const o = parse(counterOptionsSchema, input, 'counter');
    const base = o.name.endsWith('_total') ? o.name.slice(0, -'_total'.length) : o.name;
    // OpenMetrics names the family without _total: "_total" alone would leave it empty.
    if (o.name === '_total') throw new ConfigError(`invalid metric name "${o.name}": a counter needs a name before "_total"`);
    return this.define(o.name, 'counter', o, [base, `${base}_total`, `${base}_created`], base, () => {
      return new Counter<Name>(this.definition(o), this.ctx);
    }) as Counter<Name>;
  }

  gauge<Name extends string>(input: GaugeOptions<Name>): Gauge<Name> {
    const o = parse(gaugeOptionsSchema, input, 'gauge');
    return this.define(o.name, 'gauge', o, [o.name], o.name, () => {
      return new Gauge<Name>(this.definition(o), this.ctx, o.collect as GaugeCollect<Name> | undefined);
    }) as Gauge<Name>;
  }

  /** `dynamicLabels` (internal): series carry free-form label sets, as `recordMetric` tags do. */
  histogram<Name extends string>(input: HistogramOptions<Name>, dynamicLabels = false): Histogram<Name> {
    const o = parse(histogramOptionsSchema, input, 'histogram');
    const n = o.name;
    const defaults = unitDefaults(o.unit ?? (n.endsWith('_seconds') ? 'seconds' : n.endsWith('_milliseconds') ? 'ms' : undefined));
    const full = {
      ...o,
      dynamicLabels,
      buckets: o.buckets ?? defaults.buckets,
      resolution: o.resolution ?? defaults.resolution,
      significantDigits: o.significantDigits ?? this.ctx.histogramDigits,
      maxValue: o.maxValue ?? Number.MAX_SAFE_INTEGER,
    };
    if (full.buckets.some((b) => b < 0)) throw new ConfigError(`histogram "${n}": bucket bounds must be >= 0 (observations are never negative)`);
    return this.define(n, 'histogram', full, [n, `${n}_bucket`, `${n}_count`, `${n}_sum`, `${n}_created`], n, () => {
      return new Histogram<Name>({ ...this.definition(o), ...full, dynamicLabels }, this.ctx);
    }, ['le']) as Histogram<Name>;
  }

  /** The metric called `name`, if defined. */
  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name);
  }

  /** Every metric, in definition order. */
  all(): IterableIterator<AnyMetric> {
    return this.metrics.values();
  }

  /** Closes the current slot of every metric; returns the rollups of the closed slots. */
  closeSlot(closeAt: number): Rollup[] {
    const out: Rollup[] = [];
    for (const metric of this.metrics.values()) metric.closeSlot(closeAt, out);
    return out;
  }

  /** Evicts series idle since before `cutoff`; returns how many. */
  evictIdle(cutoff: number): number {
    let n = 0;
    for (const metric of this.metrics.values()) n += metric.evictIdle(cutoff);
    return n;
  }

  private definition(o: { name: string; help: string; labelNames: readonly string[]; unit?: string | undefined; maxSeries?: number | undefined }) {
    return { name: o.name, help: o.help, labelNames: o.labelNames, unit: o.unit, maxSeries: o.maxSeries ?? this.ctx.seriesLimit };
  }

  private define(
    name: string,
    kind: AnyMetric['kind'],
    options: object,
    samples: string[],
    family: string,
    create: () => AnyMetric,
    reservedLabels: string[] = [],
  ): AnyMetric {
    const signature = signatureOf(kind, options, this.ctx.seriesLimit);
    const existing = this.metrics.get(name);
    if (existing !== undefined) {
      if (this.signatures.get(name) === signature) return existing;
      throw new ConfigError(`metric "${name}" is already defined as a ${existing.kind} with a different definition`);
    }
    assertMetricName(name);
    const o = options as { labelNames: readonly string[]; unit?: string | undefined };
    assertLabelNames(name, o.labelNames, reservedLabels);
    if (o.unit !== undefined && !family.endsWith(`_${o.unit}`)) {
      throw new ConfigError(`metric "${name}": with unit "${o.unit}" the name must end with "_${o.unit}"${kind === 'counter' ? ' (before "_total")' : ''}`);
    }
    for (const sample of samples) {
      const owner = this.sampleOwners.get(sample);
      if (owner !== undefined) throw new ConfigError(`metric "${name}" would expose "${sample}", which metric "${owner}" already exposes`);
    }
    const builtIn = isBuiltInMetric(name);
    if (!builtIn && this.counted >= this.limits.maxMetrics) {
      const max = this.limits.maxMetrics;
      throw new LimitError('limits.maxMetrics', max, `metric "${name}" not defined: the monitor has ${max} metrics already (limits.maxMetrics)`);
    }
    const metric = create();
    if (!builtIn) this.counted++;
    for (const sample of samples) this.sampleOwners.set(sample, name);
    this.metrics.set(name, metric);
    this.signatures.set(name, signature);
    return metric;
  }
}

/**
 * A definition as a string that is equal for equal definitions: keys sorted (an option given
 * explicitly and the same option filled in by a default land in different key orders), the
 * default series limit filled in, and `collect` left out (a reloaded module passes a new function).
 */
function signatureOf(kind: AnyMetric['kind'], options: object, seriesLimit: number): string {
  const o = options as { maxSeries?: number | undefined };
  return JSON.stringify({ ...options, kind, maxSeries: o.maxSeries ?? seriesLimit, collect: undefined }, (_key, value: unknown) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

function parse<S extends z.ZodType>(schema: S, input: unknown, what: string): Readonly<z.output<S>> {
  const name = typeof (input as { name?: unknown })?.name === 'string' ? ` "${(input as { name: string }).name}"` : '';
  return parseOptions(schema, input, `invalid ${what}${name} options`);
}
