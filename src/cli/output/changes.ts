import type { CheckResult } from '../check.js';
import { budgetLabel, statusText, thresholdText } from './table.js';

/**
 * What changed between two checks of the same budgets, one line each, for `--watch`: a budget
 * whose status moved, the source becoming unreachable or reachable again, and the overall
 * status. Empty when nothing changed (values drift every check; only statuses are news).
 */
export function describeChanges(previous: CheckResult, current: CheckResult): string[] {
  const at = current.checkedAt.toISOString();
  const lines: string[] = [];
  if (current.error && previous.error?.message !== current.error.message) lines.push(`${at}  error: ${current.error.message}`);
  if (!current.error && previous.error) lines.push(`${at}  ${current.source.url} answers again`);
  if (!current.error) {
    current.results.forEach((r, i) => {
      const before = previous.results[i];
      if (before !== undefined && before.status === r.status) return;
      const from = before === undefined ? '' : `${statusText(before.status)} -> `;
      const why = r.error ? r.error.message : r.status === 'nodata' ? (r.detail ?? 'no data') : `${r.valueText}, ${thresholdText(r)}`;
      lines.push(`${at}  ${budgetLabel(r)}: ${from}${statusText(r.status)} (${why})`);
    });
  }
  if (previous.status !== current.status) lines.push(`${at}  overall: ${previous.status} -> ${current.status} (exit ${current.exitCode})`);
  return lines;
}
