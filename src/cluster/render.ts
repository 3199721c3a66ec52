import { escapeLabelValue, escapePrometheusHelp, formatBound, formatValue, renderLabels, type ExpositionFormat } from '../metrics/exposition/format.js';
import { MAX_EXPOSITION_LENGTH } from '../metrics/exposition/render.js';
import type { MergedFamily } from './merge.js';

/**
 * Renders merged families in the Prometheus 0.0.4 or OpenMetrics 1.0 text format, line for line
 * as `monitor.exportPrometheusMetrics` renders a registry (same headers, names, escaping, `le`
 * spelling and `# EOF`), with the formatting helpers of metrics/exposition. The registry renderer
 * reads live metric objects; merged state is plain numbers, hence this second, small writer.
 * A family that would take the text past {@link MAX_EXPOSITION_LENGTH} is left out and named
 * to `onSkipped`.
 */
export function renderMerged(families: Iterable<MergedFamily>, format: ExpositionFormat, onSkipped?: (family: string) => void): string {
  const om = format === 'openmetrics';
  let out = '';
  for (const family of families) {
    const text = header(family, om) + (family.kind === 'histogram' ? histogramSamples(family) : valueSamples(family, om));
    if (out.length + text.length > MAX_EXPOSITION_LENGTH) {
      onSkipped?.(family.name);
      continue;
    }
    out += text;
  }
  return om ? `${out}# EOF\n` : out;
}

function familyName(family: MergedFamily, om: boolean): string {
  return om && family.kind === 'counter' && family.name.endsWith('_total') ? family.name.slice(0, -'_total'.length) : family.name;
}

function header(family: MergedFamily, om: boolean): string {
  const name = familyName(family, om);
  if (!om) return `${family.help === '' ? '' : `# HELP ${name} ${escapePrometheusHelp(family.help)}\n`}# TYPE ${name} ${family.kind}\n`;
  let text = `# TYPE ${name} ${family.kind}\n`;
  if (family.unit !== undefined) text += `# UNIT ${name} ${family.unit}\n`;
  if (family.help !== '') text += `# HELP ${name} ${escapeLabelValue(family.help)}\n`;
  return text;
}

function valueSamples(family: MergedFamily, om: boolean): string {
  const sample = family.kind === 'counter' && om ? `${familyName(family, true)}_total` : family.name;
  let out = '';
  for (const s of family.series.values()) {
    if (!('value' in s)) continue;
    const labels = renderLabels(s.labels);
    out += `${sample}${labels === '' ? '' : `{${labels}}`} ${formatValue(s.value)}\n`;
  }
  return out;
}

function histogramSamples(family: MergedFamily): string {
  const bounds = [...family.buckets!.map(formatBound), '+Inf'];
  const name = family.name;
  let out = '';
  for (const s of family.series.values()) {
    if (!('counts' in s)) continue;
    const labels = renderLabels(s.labels);
    const open = labels === '' ? `${name}_bucket{le="` : `${name}_bucket{${labels},le="`;
    let cumulative = 0;
    for (let i = 0; i < bounds.length; i++) {
      cumulative += s.counts[i]!;
      out += `${open}${bounds[i]}"} ${cumulative}\n`;
    }
    const braces = labels === '' ? '' : `{${labels}}`;
    out += `${name}_sum${braces} ${formatValue(s.sum)}\n${name}_count${braces} ${s.count}\n`;
  }
  return out;
}
