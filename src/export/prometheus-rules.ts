import { z } from 'zod';
import { ConfigError } from '../core/errors.js';
import { finitePositiveDurationSchema } from '../alerts/schema-parts.js';
import { parseOptions } from '../core/options.js';
import { alertRuleSchema, conditionsOf, type Aggregation, type NormalizedCondition } from '../alerts/rule-schema.js';
import type { MetricKind } from '../storage/contract.js';
import { conditionExpression, promDuration, selectionProblem, type Selection } from './promql.js';
import { rulesYaml, type PrometheusAlertingRule } from './rules-yaml.js';

export type { PrometheusAlertingRule } from './rules-yaml.js';

/** What the export needs to know of a metric: its kind and, for a histogram, its exposed buckets. */
export interface MetricLookup {
  /** The metric under `name` (a monitor's `getMetric`), if this process defines it. */
  getMetric(name: string): { kind: MetricKind; buckets?: readonly number[] } | undefined;
}

const metricLookupSchema = z.custom<MetricLookup>((v) => typeof v === 'object' && v !== null && typeof (v as MetricLookup).getMetric === 'function', 'must have a getMetric(name) method (a monitor has one)');

/** Options of {@link toPrometheusRules}. */
export const prometheusRulesOptionsSchema = z.object({
  /** Name of the rule group (default `pulsewatch`). */
  group: z.string().min(1).max(200).default('pulsewatch'),
  /** The group's evaluation interval (Prometheus' `interval`); absent: the global one. */
  interval: finitePositiveDurationSchema.optional(),
  /** Where the kinds and buckets of the rules' metrics come from: pass the monitor. */
  metrics: metricLookupSchema.optional(),
  /** Kinds of metrics the lookup does not know (defined in another process, for example). */
  kinds: z.record(z.string(), z.enum(['counter', 'gauge', 'histogram'])).default({}),
});

/** Options accepted by {@link toPrometheusRules}. */
export type PrometheusRulesOptions = z.input<typeof prometheusRulesOptionsSchema>;

/** A pulsewatch rule left out of the file, and why. */
export interface SkippedRule {
  id: string;
  name: string;
  reason: string;
}

/** A rule written whose Prometheus form behaves differently from pulsewatch's evaluation, and how. */
export interface ApproximateRule {
  id: string;
  name: string;
  notes: string[];
}

/** What {@link toPrometheusRules} returns. */
export interface PrometheusRules {
  /** The rule file (YAML), ready for `rule_files:` and `promtool check rules`. */
  yaml: string;
  groups: { name: string; interval?: string; rules: PrometheusAlertingRule[] }[];
  /** Rules PromQL cannot express over pulsewatch's exposition (learned baselines, gauge counts...). */
  skipped: SkippedRule[];
  /** Rules written with a difference worth knowing (interpolated percentiles, hysteresis...). */
  approximations: ApproximateRule[];
}

const OPERATOR = { gt: '>', lt: '<', gte: '>=', lte: '<=', eq: '==', ne: '!=' } as const;

/**
 * Writes a Prometheus rule file for pulsewatch alert rules (`monitor.alerts.getRules()`), over
 * the metrics as pulsewatch exposes them to a Prometheus scrape, summed across instances as
 * pulsewatch's own rules are. Rules PromQL cannot express are listed in `skipped`, never
 * approximated silently. Throws a ConfigError when `rules` is not an array or options are invalid.
 *
 * @example
 * ```ts
 * const { yaml, skipped } = toPrometheusRules(monitor.alerts.getRules(), { metrics: monitor });
 * await writeFile('pulsewatch.rules.yml', yaml);
 * ```
 */
export function toPrometheusRules(rules: readonly unknown[], options: PrometheusRulesOptions = {}): PrometheusRules {
  if (!Array.isArray(rules)) throw new ConfigError(`toPrometheusRules: rules must be an array (monitor.alerts.getRules()), got ${rules === null ? 'null' : typeof rules}`);
  const o = parseOptions(prometheusRulesOptionsSchema, options, 'invalid toPrometheusRules options');
  const written: PrometheusAlertingRule[] = [];
  const skipped: SkippedRule[] = [];
  const approximations: ApproximateRule[] = [];
  const kindOf = (metric: string, a: Aggregation): { kind?: MetricKind; buckets?: readonly number[] } => {
    const defined = o.metrics?.getMetric(metric);
    const kind = o.kinds[metric] ?? defined?.kind ?? inferKind(metric, a);
    return { ...(kind === undefined ? {} : { kind }), ...(defined?.buckets === undefined ? {} : { buckets: defined.buckets }) };
  };
  for (const raw of rules) {
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
    const parsed = alertRuleSchema.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      skipped.push({ id, name: nameOf(raw), reason: `not a valid rule: ${issue?.path.join('.') || '(rule)'}: ${issue?.message ?? 'invalid'}` });
      continue;
    }
    const rule = parsed.data;
    const ruleId = rule.id ?? id;
    if (!rule.enabled) {
      skipped.push({ id: ruleId, name: rule.name, reason: 'disabled' });
      continue;
    }
    const notes: string[] = [];
    const parts: string[] = [];
    let reason: string | undefined;
    const conditions = conditionsOf(rule);
    for (const c of conditions) {
      const part = conditionPart(c, rule.groupBy, kindOf(c.metric, c.aggregation), notes);
      if (typeof part !== 'string') {
        reason = part.unsupported;
        break;
      }
      parts.push(conditions.length === 1 ? part : `(${part})`);
    }
    if (reason !== undefined) {
      skipped.push({ id: ruleId, name: rule.name, reason });
      continue;
    }
    if (rule.noData !== 'ok') notes.push(`noData: '${rule.noData}' has no Prometheus form: without data the Prometheus rule does not fire`);
    if (rule.cooldown !== undefined || rule.cooldownPeriod !== undefined) notes.push("cooldown belongs in Alertmanager's repeat_interval");
    if (rule.channels.length > 0 || rule.recipients.length > 0) notes.push('channels and recipients belong in Alertmanager routes and receivers');
    written.push({
      alert: rule.name,
      expr: parts.join(rule.match === 'all' ? ' and ' : ' or '),
      ...(rule.duration > 0 ? { for: promDuration(rule.duration) } : {}),
      ...(rule.keepFiringFor > 0 ? { keep_firing_for: promDuration(rule.keepFiringFor) } : {}),
      labels: { severity: rule.severity, type: rule.type, ...rule.alertLabels, ...(ruleId === '' ? {} : { pulsewatch_rule: ruleId }) },
      annotations: Object.fromEntries(
        Object.entries({ summary: rule.name, ...(rule.description === undefined ? {} : { description: rule.description }), ...rule.annotations }).map(([k, v]) => [k, literalTemplate(v)]),
      ),
    });
    if (notes.length > 0) approximations.push({ id: ruleId, name: rule.name, notes });
  }
  const group = { name: o.group, ...(o.interval === undefined ? {} : { interval: promDuration(o.interval) }), rules: written };
  return { yaml: rulesYaml([group]), groups: [group], skipped, approximations };
}

/** One condition as `expr op threshold`, or why it has no PromQL form. */
function conditionPart(c: NormalizedCondition, groupBy: readonly string[], metric: { kind?: MetricKind; buckets?: readonly number[] }, notes: string[]): string | { unsupported: string } {
  if (metric.kind === undefined) return { unsupported: `the kind of metric "${c.metric}" is unknown: pass { metrics: monitor } or { kinds: { "${c.metric}": ... } }` };
  const selection: Selection = { metric: c.metric, kind: metric.kind, buckets: metric.buckets, labels: c.labels, groupBy, window: c.window };
  const problem = selectionProblem(selection);
  if (problem !== undefined) return { unsupported: problem };
  const e = conditionExpression(selection, c.aggregation);
  if ('unsupported' in e) return e;
  if (e.approximate !== undefined) notes.push(`${c.metric}: ${e.approximate}`);
  if (c.recoveryThreshold !== undefined) notes.push(`${c.metric}: recoveryThreshold (hysteresis) has no Prometheus form: the alert resolves at the threshold`);
  return `${e.expr} ${OPERATOR[c.op]} ${c.threshold}`;
}

/** A metric's kind from its name and aggregation when nothing says it: `_total` counters, percentiles of histograms. */
function inferKind(metric: string, a: Aggregation): MetricKind | undefined {
  if (metric.endsWith('_total')) return 'counter';
  const of = typeof a === 'string' ? a : a.type === 'compliance' ? 'p50' : a.type === 'errorRate' ? undefined : a.of;
  return of !== undefined && /^p\d+$/.test(of) ? 'histogram' : undefined;
}

/** Annotation values are Go templates in Prometheus: a literal `{{` must not start an action. */
function literalTemplate(value: string): string {
  return value.replaceAll('{{', '{{ "{{" }}');
}

function nameOf(raw: unknown): string {
  const name = (raw as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name.slice(0, 200) : '';
}
