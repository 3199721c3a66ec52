/** One Prometheus alerting rule, as the rule file holds it. */
export interface PrometheusAlertingRule {
  alert: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

/** A YAML double-quoted scalar: JSON's string escapes are valid YAML ones, so any text is safe. */
function quoted(value: string): string {
  return JSON.stringify(value);
}

function map(indent: string, entries: Record<string, string>): string {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return ' {}\n';
  return `\n${keys.map((k) => `${indent}${quoted(k)}: ${quoted(entries[k]!)}\n`).join('')}`;
}

/** Renders rule groups as a Prometheus rule file (the `groups:` document `rule_files:` loads). */
export function rulesYaml(groups: readonly { name: string; interval?: string; rules: readonly PrometheusAlertingRule[] }[]): string {
  let out = '# Written by pulsewatch toPrometheusRules(); see docs/prometheus.md.\ngroups:\n';
  for (const g of groups) {
    out += `  - name: ${quoted(g.name)}\n`;
    if (g.interval !== undefined) out += `    interval: ${g.interval}\n`;
    if (g.rules.length === 0) {
      out += '    rules: []\n';
      continue;
    }
    out += '    rules:\n';
    for (const r of g.rules) {
      out += `      - alert: ${quoted(r.alert)}\n        expr: ${quoted(r.expr)}\n`;
      if (r.for !== undefined) out += `        for: ${r.for}\n`;
      if (r.keep_firing_for !== undefined) out += `        keep_firing_for: ${r.keep_firing_for}\n`;
      out += `        labels:${map('          ', r.labels)}`;
      out += `        annotations:${map('          ', r.annotations)}`;
    }
  }
  return out;
}
