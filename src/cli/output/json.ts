import type { BudgetResult, ValueUnit } from '../budget/evaluate.js';
import type { CheckResult } from '../check.js';

/** One budget in `--json` output. */
export interface BudgetJson {
  name: string;
  metric: string;
  stat: string;
  labels: Record<string, string>;
  /** Window in ms. */
  window: number;
  severity: 'fail' | 'warn';
  /** `below`: passes while `value < threshold`; `above`: while `value > threshold`. */
  op: 'below' | 'above';
  threshold: number;
  /** The unit of `value` and `threshold`: `ms`, `percent`, `per_second`, `count`, or null (the metric's own). */
  unit: ValueUnit;
  /** null without data or on error. */
  value: number | null;
  status: BudgetResult['status'];
  /** Why there is no value. */
  detail?: string;
  error?: { code: string; message: string };
}

/** The `--json` document of one check (one line per check in `--watch`). */
export interface CheckJson {
  status: CheckResult['status'];
  exitCode: number;
  checkedAt: string;
  source: CheckResult['source'];
  budgets: BudgetJson[];
  error?: { code: string; message: string };
}

/** The check as its `--json` document; non-finite values (a `+Inf` quantile) become null. */
export function toJson(check: CheckResult): CheckJson {
  return {
    status: check.status,
    exitCode: check.exitCode,
    checkedAt: check.checkedAt.toISOString(),
    source: check.source,
    budgets: check.results.map((r) => ({
      name: r.budget.name,
      metric: r.budget.metric,
      stat: r.budget.stat,
      labels: { ...r.budget.labels },
      window: r.budget.window,
      severity: r.budget.severity,
      op: r.budget.op,
      threshold: r.budget.threshold.value,
      unit: r.unit,
      value: r.value !== undefined && Number.isFinite(r.value) ? r.value : null,
      status: r.status,
      ...(r.detail !== undefined && r.error === undefined ? { detail: r.detail } : {}),
      ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    })),
    ...(check.error ? { error: check.error } : {}),
  };
}
