import type { Counter } from './counter.js';
import type { Gauge } from './gauge.js';
import type { Histogram } from './histogram.js';
import type { CounterOptions, GaugeOptions, HistogramOptions } from './options.js';
import type { AnyMetric } from './registry.js';

/**
 * Defining metrics, as a monitor offers it (its registry does the work). A definition is
 * idempotent: the same options return the metric already defined, other options for its name
 * throw. Label names given as a literal list type the label sets the metric takes.
 */
export interface MetricDefinitionApi {
  /**
   * Defines (or returns the identical existing) counter. Throws a `ConfigError` on a bad
   * definition, a `LimitError` past `limits.maxMetrics`.
   */
  counter<const Name extends string = never>(options: CounterOptions<Name>): Counter<Name>;
  /** Defines (or returns the identical existing) gauge; throws as {@link MetricDefinitionApi.counter} does. */
  gauge<const Name extends string = never>(options: GaugeOptions<Name>): Gauge<Name>;
  /** Defines (or returns the identical existing) histogram; throws as {@link MetricDefinitionApi.counter} does. */
  histogram<const Name extends string = never>(options: HistogramOptions<Name>): Histogram<Name>;
  /** The metric called `name`, if defined (pulsewatch's own `pulsewatch_*` metrics included). */
  getMetric(name: string): AnyMetric | undefined;
  /** Every metric defined, in definition order (pulsewatch's own included): what `grafanaDashboard` draws. */
  getMetrics(): AnyMetric[];
}
