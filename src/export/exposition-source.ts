import type { MetricKind } from '../storage/contract.js';
import type { DashboardMetric, DashboardSource } from './grafana-dashboard.js';
import type { MetricLookup } from './prometheus-rules.js';

/** Most metric families read from one exposition; the rest are ignored (and counted). */
const MAX_FAMILIES = 10_000;
/** Most bucket bounds kept per histogram. */
const MAX_BOUNDS = 200;

/** Metric definitions read back from a Prometheus text exposition (a running service's `/metrics`). */
export interface ExpositionMetrics extends MetricLookup, DashboardSource {
  /** Families past the bound of 10,000, not read. */
  readonly ignored: number;
}

interface Family extends DashboardMetric {
  kind: MetricKind;
  labelNames: string[];
  buckets: number[];
  /** A `# TYPE` line named its kind (a family with only `# HELP` is not kept). */
  typed: boolean;
}

const KINDS: Record<string, MetricKind | undefined> = { counter: 'counter', gauge: 'gauge', histogram: 'histogram' };

/** The label names of a sample line's `{...}`, in order. */
function labelNamesOf(line: string, open: number): string[] {
  const names: string[] = [];
  // Label values are quoted strings with \" \\ \n escapes; names are what precedes each `=`.
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  re.lastIndex = open + 1;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) names.push(m[1]!);
  return names;
}

/**
 * Reads metric definitions (kind, help, label names, a histogram's bucket bounds) from a
 * Prometheus text 0.0.4 exposition, so that `toPrometheusRules` and `grafanaDashboard` can run
 * against a service over HTTP (the CLI does) without its code. Summaries and untyped families
 * are skipped; at most 10,000 families are read. Never throws on malformed text: a line it
 * cannot read is skipped.
 */
export function metricsFromExposition(text: string, service = 'service'): ExpositionMetrics {
  const families = new Map<string, Family>();
  let ignored = 0;
  const family = (name: string): Family | undefined => families.get(name);
  for (const raw of String(text).split('\n')) {
    const line = raw.length > 100_000 ? raw.slice(0, 100_000) : raw;
    if (line.startsWith('# TYPE ') || line.startsWith('# HELP ')) {
      const rest = line.slice(7);
      const space = rest.indexOf(' ');
      const name = space === -1 ? rest : rest.slice(0, space);
      const value = space === -1 ? '' : rest.slice(space + 1);
      if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) continue;
      let f = families.get(name);
      if (f === undefined) {
        if (families.size >= MAX_FAMILIES) {
          ignored++;
          continue;
        }
        families.set(name, (f = { name, kind: 'gauge', help: '', labelNames: [], buckets: [], typed: false }));
      }
      if (line.startsWith('# HELP ')) f.help = value.replace(/\\n/g, '\n').replace(/\\\\/g, '\\').slice(0, 1_000);
      else {
        const kind = KINDS[value.trim()];
        // Summaries and untyped families have no place in the rules or the dashboard.
        if (kind === undefined) families.delete(name);
        else {
          f.kind = kind;
          f.typed = true;
        }
      }
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const open = line.indexOf('{');
    const sample = open === -1 ? line.slice(0, line.indexOf(' ')) : line.slice(0, open);
    const histogram = /_(bucket|sum|count)$/.exec(sample);
    const f = family(sample) ?? (histogram === null ? undefined : family(sample.slice(0, histogram.index)));
    if (f === undefined || open === -1) continue;
    for (const label of labelNamesOf(line, open)) if (label !== 'le' && !f.labelNames.includes(label) && f.labelNames.length < 64) f.labelNames.push(label);
    if (f.kind === 'histogram' && histogram?.[1] === 'bucket') {
      const le = /[{,]le="([^"]*)"/.exec(line)?.[1];
      const bound = le === undefined || le === '+Inf' ? Number.NaN : Number(le);
      if (Number.isFinite(bound) && !f.buckets.includes(bound) && f.buckets.length < MAX_BOUNDS) f.buckets.push(bound);
    }
  }
  for (const [name, f] of families) if (!f.typed) families.delete(name);
  for (const f of families.values()) f.buckets.sort((a, b) => a - b);
  return {
    service,
    ignored,
    getMetric: (name) => {
      const f = families.get(name);
      return f === undefined ? undefined : { kind: f.kind, ...(f.kind === 'histogram' ? { buckets: f.buckets } : {}) };
    },
    getMetrics: () => families.values(),
  };
}
