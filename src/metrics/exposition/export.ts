import type { Reporter } from '../../core/diagnostics.js';
import { ConfigError, ValidationError } from '../../core/errors.js';
import type { MetricRegistry } from '../registry.js';
import type { ExpositionFormat } from './format.js';
import { renderMetrics } from './render.js';

/** Options of `monitor.exportPrometheusMetrics`. */
export interface ExportOptions {
  /** `'prometheus'` (text 0.0.4, default) or `'openmetrics'` (1.0). */
  format?: ExpositionFormat;
  /** Only metrics with these names (all when absent, or not a list). */
  names?: readonly string[];
}

/** The format and name filter of {@link ExportOptions}, read once. */
export interface ExportRequest {
  format: ExpositionFormat;
  names: ReadonlySet<string> | undefined;
}

/**
 * Reads export options the way every exporter does. Options that throw when read (a revoked
 * Proxy, a throwing getter) are reported as an invalid value (thrown in strict mode) and
 * ignored: the export is a default one. A names filter that is not a list selects nothing it
 * cannot read: strings only. A `format` other than the two is a documented ConfigError.
 */
export function exportRequest(options: ExportOptions | undefined, reporter: Reporter): ExportRequest {
  let format: unknown = 'prometheus';
  let names: Set<string> | undefined;
  try {
    format = options?.format ?? 'prometheus';
    const list: unknown = options?.names;
    names = Array.isArray(list) ? new Set(list.filter((n): n is string => typeof n === 'string')) : undefined;
  } catch (cause) {
    format = 'prometheus';
    names = undefined;
    reporter.reject(new ValidationError('exportPrometheusMetrics: options could not be read; exporting every metric as text 0.0.4', [{ path: 'options', message: 'reading it threw' }], { cause }));
  }
  if (format !== 'prometheus' && format !== 'openmetrics') {
    // The value shown only if it is a string (anything else may throw when read).
    const got = typeof format === 'string' ? JSON.stringify(format.slice(0, 40)) : `a value of type ${typeof format}`;
    throw new ConfigError(`exportPrometheusMetrics: format must be "prometheus" or "openmetrics", got ${got}`);
  }
  return { format, names };
}

/** Every metric of `registry` (or those `options.names` lists) in the Prometheus text format 0.0.4 or OpenMetrics 1.0. */
export function exportMetrics(registry: MetricRegistry, options: ExportOptions | undefined, reporter: Reporter): string {
  const { format, names } = exportRequest(options, reporter);
  const metrics = names === undefined ? registry.all() : [...registry.all()].filter((m) => names.has(m.name));
  return renderMetrics(metrics, format);
}
