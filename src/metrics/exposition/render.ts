import type { AnyMetric } from '../registry.js';
import type { Histogram } from '../histogram.js';
import type { SeriesBase } from '../series-index.js';
import { escapeLabelValue, escapePrometheusHelp, formatBound, formatValue, renderLabels, type ExpositionFormat } from './format.js';

/**
 * Renders metrics in the Prometheus 0.0.4 or OpenMetrics 1.0 text format. Label pairs are
 * escaped once per series and cached, which is most of why this beats re-escaping every scrape.
 */
export function renderMetrics(metrics: Iterable<AnyMetric>, format: ExpositionFormat, onSkipped?: (metric: string, reason: string) => void): string {
  const om = format === 'openmetrics';
  let out = '';
  for (const metric of metrics) {
    let family: string;
    try {
      family = renderFamily(metric, om);
    } catch (error) {
      // A string past V8's limit (RangeError), or a gauge's collect() that threw past its guard.
      onSkipped?.(metric.name, (error as Error)?.message ?? String(error));
      continue;
    }
    if (out.length + family.length > MAX_EXPOSITION_LENGTH) {
      onSkipped?.(metric.name, `the exposition would pass ${MAX_EXPOSITION_LENGTH} characters`);
      continue;
    }
    out += family;
  }
  return om ? `${out}# EOF\n` : out;
}

/**
 * Characters of one exposition: well below V8's longest string (2^29 - 24), so a scrape of a
 * monitor at its series bounds never throws; a family that does not fit is left out and reported.
 */
export const MAX_EXPOSITION_LENGTH = 2 ** 28;

function renderFamily(metric: AnyMetric, om: boolean): string {
  if (metric.kind === 'gauge') metric.collect();
  if (metric.labelNames.length === 0 && !metric.index.dynamic && metric.seriesCount === 0) metric.index.get(undefined);
  let out = header(metric, om);
  if (metric.kind === 'histogram') return out + histogramSamples(metric);
  const sample = metric.kind === 'counter' && om ? `${familyName(metric, true)}_total` : metric.name;
  for (const series of metric.index.values()) {
    const labels = labelText(series);
    out += `${sample}${labels === '' ? '' : `{${labels}}`} ${formatValue(series.value)}\n`;
  }
  return out;
}

function familyName(metric: AnyMetric, om: boolean): string {
  return om && metric.kind === 'counter' && metric.name.endsWith('_total') ? metric.name.slice(0, -'_total'.length) : metric.name;
}

function header(metric: AnyMetric, om: boolean): string {
  const family = familyName(metric, om);
  if (!om) {
    const help = metric.help === '' ? '' : `# HELP ${family} ${escapePrometheusHelp(metric.help)}\n`;
    return `${help}# TYPE ${family} ${metric.kind}\n`;
  }
  let text = `# TYPE ${family} ${metric.kind}\n`;
  if (metric.unit !== undefined) text += `# UNIT ${family} ${metric.unit}\n`;
  if (metric.help !== '') text += `# HELP ${family} ${escapeLabelValue(metric.help)}\n`;
  return text;
}

function labelText(series: SeriesBase): string {
  return series.labelText ?? (series.labelText = renderLabels(series.labels));
}

// Bucket bounds rendered once per histogram definition.
const boundCache = new WeakMap<Histogram, string[]>();

function histogramSamples(metric: Histogram): string {
  let bounds = boundCache.get(metric);
  if (bounds === undefined) {
    bounds = [...metric.buckets.map(formatBound), '+Inf'];
    boundCache.set(metric, bounds);
  }
  const counts = new Float64Array(bounds.length);
  const name = metric.name;
  let out = '';
  for (const series of metric.index.values()) {
    const [count, sum] = metric.exposition(series, counts);
    const labels = labelText(series);
    const open = labels === '' ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += counts[i]!;
      out += `${open}${bounds[i]}"} ${cumulative}\n`;
    }
    const braces = labels === '' ? '' : `{${labels}}`;
    out += `${name}_sum${braces} ${formatValue(sum)}\n${name}_count${braces} ${count}\n`;
  }
  return out;
}
