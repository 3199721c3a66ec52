import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { isValidLabelName } from '../core/labels.js';
import { parseOptions } from '../core/options.js';
import { SELF_METRIC_PREFIX } from '../metrics/built-in-names.js';
import type { MetricKind } from '../storage/contract.js';

/** What the dashboard needs of one metric (a pulsewatch counter, gauge or histogram has it all). */
export interface DashboardMetric {
  name: string;
  kind: MetricKind;
  help: string;
  labelNames: readonly string[];
  unit?: string | undefined;
}

/** Where the dashboard's metrics come from: a monitor. */
export interface DashboardSource {
  service: string;
  /** Every metric the monitor defines. */
  getMetrics(): Iterable<DashboardMetric>;
}

/** Options of {@link grafanaDashboard}. */
export const grafanaDashboardOptionsSchema = z.object({
  /** Dashboard title (default: the monitor's service name and "pulsewatch"). */
  title: z.string().min(1).max(200).optional(),
  /** Dashboard uid (default: derived from the service name), at most 40 characters as Grafana wants. */
  uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/, 'must be 1-40 letters, digits, _ or -').optional(),
  /** Only these metrics (default: every metric except pulsewatch's own `pulsewatch_*` ones). */
  metrics: z.array(z.string().min(1)).optional(),
  /** Include pulsewatch's own metrics (drops, flushes...) when `metrics` is absent. Default false. */
  internal: z.boolean().default(false),
  /** Labels each metric's lines are split by (default: its first label, if any). */
  groupBy: z.record(z.string(), z.array(z.string())).default({}),
  /** Percentiles drawn for each histogram. */
  quantiles: z.array(z.number().gt(0).lt(1)).min(1).max(6).default([0.5, 0.95, 0.99]),
  /** Default time range shown, Grafana's syntax. */
  from: z.string().min(1).max(40).default('now-1h'),
  /** Auto-refresh interval, Grafana's syntax. */
  refresh: z.string().min(1).max(20).default('30s'),
});

/** Options accepted by {@link grafanaDashboard}. */
export type GrafanaDashboardOptions = z.input<typeof grafanaDashboardOptionsSchema>;

/** One query of a panel. */
export interface GrafanaTarget {
  refId: string;
  expr: string;
  legendFormat: string;
  datasource: { type: 'prometheus'; uid: string };
}

/** One time series panel. */
export interface GrafanaPanel {
  id: number;
  type: 'timeseries';
  title: string;
  description: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource: { type: 'prometheus'; uid: string };
  fieldConfig: { defaults: { unit: string }; overrides: [] };
  options: { legend: { displayMode: 'list'; placement: 'bottom'; showLegend: true }; tooltip: { mode: 'multi'; sort: 'desc' } };
  targets: GrafanaTarget[];
}

/** A Grafana dashboard (JSON model, schemaVersion 39), ready for import or provisioning. */
export interface GrafanaDashboard {
  uid: string;
  title: string;
  tags: string[];
  timezone: 'browser';
  editable: true;
  schemaVersion: 39;
  version: 1;
  refresh: string;
  time: { from: string; to: 'now' };
  templating: { list: unknown[] };
  annotations: { list: [] };
  panels: GrafanaPanel[];
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;
const WIDTH = 12;
const HEIGHT = 8;

/** Grafana's unit for a metric's unit and name. */
function unitOf(metric: DashboardMetric, rate: boolean): string {
  if (rate) return 'reqps';
  const unit = metric.unit ?? (/_seconds(_total)?$/.test(metric.name) ? 'seconds' : /_bytes(_total)?$/.test(metric.name) ? 'bytes' : /_ms$/.test(metric.name) ? 'milliseconds' : '');
  return unit === 'seconds' ? 's' : unit === 'milliseconds' ? 'ms' : unit === 'bytes' ? 'bytes' : unit === 'ratio' ? 'percentunit' : 'short';
}

/**
 * Writes a Grafana dashboard (JSON model) for what `monitor` records, over pulsewatch's
 * Prometheus exposition: percentiles and request rate for each histogram, the rate of each
 * counter, the value of each gauge, split by the metric's first label and summed across
 * instances. A `datasource` variable picks the Prometheus data source. Throws a ConfigError for
 * invalid options or a source that is not a monitor.
 *
 * @example
 * ```ts
 * await writeFile('pulsewatch-dashboard.json', JSON.stringify(grafanaDashboard(monitor), null, 2));
 * ```
 */
export function grafanaDashboard(monitor: DashboardSource, options: GrafanaDashboardOptions = {}): GrafanaDashboard {
  if (typeof monitor !== 'object' || monitor === null || typeof monitor.getMetrics !== 'function') {
    throw new ConfigError('grafanaDashboard: the first argument must be a monitor (an object with getMetrics())');
  }
  const o = parseOptions(grafanaDashboardOptionsSchema, options, 'invalid grafanaDashboard options');
  const all = [...monitor.getMetrics()];
  const chosen = o.metrics === undefined ? all.filter((m) => o.internal || !m.name.startsWith(SELF_METRIC_PREFIX)) : o.metrics.map((name) => all.find((m) => m.name === name));
  const missing = o.metrics?.filter((_, i) => chosen[i] === undefined) ?? [];
  if (missing.length > 0) throw new ConfigError(`grafanaDashboard: no metric ${missing.map((n) => JSON.stringify(n)).join(', ')} in this monitor`);
  const panels: GrafanaPanel[] = [];
  const add = (title: string, description: string, unit: string, targets: Omit<GrafanaTarget, 'refId' | 'datasource'>[]): void => {
    const n = panels.length;
    panels.push({
      id: n + 1,
      type: 'timeseries',
      title,
      description,
      gridPos: { x: (n % 2) * WIDTH, y: Math.floor(n / 2) * HEIGHT, w: WIDTH, h: HEIGHT },
      datasource: DATASOURCE,
      fieldConfig: { defaults: { unit }, overrides: [] },
      options: { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: targets.map((t, i) => ({ ...t, refId: String.fromCharCode(65 + i), datasource: DATASOURCE })),
    });
  };
  for (const metric of chosen as DashboardMetric[]) {
    // A name PromQL cannot select (recordMetric accepts more) has no panel.
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric.name)) continue;
    const group = (o.groupBy[metric.name] ?? metric.labelNames.slice(0, 1)).filter((l) => isValidLabelName(l) && l !== 'le');
    const by = group.length === 0 ? '' : ` by (${group.join(', ')})`;
    const legend = group.length === 0 ? '' : group.map((l) => `{{${l}}}`).join(' ');
    const help = metric.help.slice(0, 500);
    if (metric.kind === 'histogram') {
      add(
        `${metric.name} percentiles`,
        help,
        unitOf(metric, false),
        o.quantiles.map((q) => ({
          expr: `histogram_quantile(${q}, sum by (le${group.map((l) => `, ${l}`).join('')}) (rate(${metric.name}_bucket[$__rate_interval])))`,
          legendFormat: `p${Math.round(q * 1000) / 10}${legend === '' ? '' : ` ${legend}`}`,
        })),
      );
      add(`${metric.name} rate`, `Observations per second: ${help}`, unitOf(metric, true), [{ expr: `sum${by} (rate(${metric.name}_count[$__rate_interval]))`, legendFormat: legend || 'rate' }]);
    } else if (metric.kind === 'counter') {
      add(`${metric.name} rate`, `Per second: ${help}`, unitOf(metric, true), [{ expr: `sum${by} (rate(${metric.name}[$__rate_interval]))`, legendFormat: legend || 'rate' }]);
    } else {
      add(metric.name, help, unitOf(metric, false), [{ expr: `sum${by} (${metric.name})`, legendFormat: legend || metric.name }]);
    }
  }
  const slug = monitor.service.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 30) || 'service';
  return {
    uid: o.uid ?? `pulsewatch-${slug}`.slice(0, 40),
    title: o.title ?? `${monitor.service} (pulsewatch)`,
    tags: ['pulsewatch'],
    timezone: 'browser',
    editable: true,
    schemaVersion: 39,
    version: 1,
    refresh: o.refresh,
    time: { from: o.from, to: 'now' },
    templating: {
      list: [{ name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus', current: {}, hide: 0, refresh: 1, regex: '', options: [] }],
    },
    annotations: { list: [] },
    panels,
  };
}
