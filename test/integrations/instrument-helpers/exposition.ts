import type { Monitor } from 'pulsewatch';

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample of `text` (Prometheus text 0.0.4), label values unescaped. */
export function parseSamples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of `name` in the monitor's exposition whose labels include `labels`. */
export function samplesOf(monitor: Monitor, name: string, labels: Record<string, string> = {}): Sample[] {
  return parseSamples(monitor.exportPrometheusMetrics()).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample of `name` with exactly `labels` (plus `le` for buckets), or undefined. */
export function valueOf(monitor: Monitor, name: string, labels: Record<string, string>): number | undefined {
  const matches = samplesOf(monitor, name, labels).filter((s) => Object.keys(s.labels).length === Object.keys(labels).length);
  if (matches.length > 1) throw new Error(`${matches.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return matches[0]?.value;
}

/** Every label value of `label` across the samples of `name`. */
export function labelValues(monitor: Monitor, name: string, label: string): string[] {
  return [...new Set(samplesOf(monitor, name).map((s) => s.labels[label]).filter((v): v is string => v !== undefined))].sort();
}
