import type { BudgetResult, BudgetStatus } from '../budget/evaluate.js';
import { formatDuration } from './format.js';
import type { CheckResult } from '../check.js';

const STATUS_TEXT: Readonly<Record<BudgetStatus, string>> = { pass: 'ok', warn: 'WARN', fail: 'FAIL', nodata: 'NO DATA', error: 'ERROR' };

/** `p95 http_request_duration_seconds{route="/x"}`: the budget's name and its label filter. */
export function budgetLabel(r: BudgetResult): string {
  const labels = Object.entries(r.budget.labels).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return labels.length === 0 ? r.budget.name : `${r.budget.name}{${labels.join(',')}}`;
}

/** `< 500 ms` or `> 500/s`. */
export function thresholdText(r: BudgetResult): string {
  return `${r.budget.op === 'below' ? '<' : '>'} ${r.budget.threshold.text}`;
}

/** One budget's status word as the table shows it. */
export function statusText(status: BudgetStatus): string {
  return STATUS_TEXT[status];
}

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ').trimEnd());
}

/** The human report of one check: a header, a table of budgets, notes for missing data and errors, and the verdict. */
export function renderTable(check: CheckResult): string {
  const lines = [`pulsewatch check: ${check.source.kind} ${check.source.url} at ${check.checkedAt.toISOString()}`];
  // The error itself goes to stderr (check command); stdout keeps the report's shape.
  if (check.error) return `${[...lines, '', verdict(check)].join('\n')}\n`;
  const rows = [['STATUS', 'BUDGET', 'VALUE', 'THRESHOLD', 'WINDOW', 'SEVERITY']];
  for (const r of check.results) rows.push([statusText(r.status), budgetLabel(r), r.valueText, thresholdText(r), formatDuration(r.budget.window), r.budget.severity]);
  lines.push('', ...pad(rows));
  const notes = check.results.filter((r) => r.detail !== undefined);
  if (notes.length > 0) lines.push('', ...notes.map((r) => `${statusText(r.status).toLowerCase()}: ${budgetLabel(r)}: ${r.detail}`));
  lines.push('', verdict(check));
  return `${lines.join('\n')}\n`;
}

/** `failing: 1 budget failing, 1 warning (exit 2)`. */
export function verdict(check: CheckResult): string {
  if (check.error) return `unknown: the check could not run (exit ${check.exitCode})`;
  const count = (s: BudgetStatus): number => check.results.filter((r) => r.status === s).length;
  const parts = [`${count('pass')} of ${check.results.length} ok`];
  if (count('fail') > 0) parts.push(`${count('fail')} failing`);
  if (count('warn') > 0) parts.push(`${count('warn')} warning`);
  if (count('nodata') > 0) parts.push(`${count('nodata')} without data`);
  if (count('error') > 0) parts.push(`${count('error')} unreadable`);
  return `${check.status}: ${parts.join(', ')} (exit ${check.exitCode})`;
}
