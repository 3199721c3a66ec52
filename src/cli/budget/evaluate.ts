import { CliInputError, EXIT_CODES, type CliError } from '../errors.js';
import type { Budget } from './budget.js';
import { msPerUnit, statKind } from './stats.js';
import { printable } from '../sources/http.js';
import { formatMs, formatNumber } from './threshold.js';

/** A budget's outcome: held (`pass`), broken (`warn`/`fail` by its severity), no data, or unreadable. */
export type BudgetStatus = 'pass' | 'warn' | 'fail' | 'nodata' | 'error';

/** What a source read for a budget, in the metric's own unit. */
export type Reading =
  | { kind: 'value'; value: number; /** The unit the source reports (`seconds`), if any. */ unit?: string | undefined }
  | { kind: 'nodata'; reason: string }
  | { kind: 'error'; error: CliError };

/** One budget's line in a check. */
export interface BudgetResult {
  budget: Budget;
  status: BudgetStatus;
  /** In the threshold's terms (ms, percent, per second, count); undefined without data. */
  value: number | undefined;
  /** As shown: `480 ms`, `1.2 %`, `no data`. */
  valueText: string;
  /** The unit of `value` and of the threshold: ms for time, or null for a latency stat on a metric with no time unit. */
  unit: ValueUnit;
  /** Why there is no value (`no data`, `error`). */
  detail?: string | undefined;
  error?: CliError | undefined;
}

/** Units a budget's value and threshold are in. */
export type ValueUnit = 'ms' | 'percent' | 'per_second' | 'count' | null;

/**
 * Milliseconds per unit of a latency budget's metric: from the unit the source reports, else the
 * metric's name (`_seconds`, `_ms`), else the budget's `unit` (docs/cli.md); undefined when none
 * says it measures time. A budget `unit` that contradicts what the source or the name says is a
 * {@link CliInputError} naming it: read in the budget's unit, 0.8 s would pass `p95 < 500ms`.
 */
export function msPerValue(budget: Budget, sourceUnit: string | undefined): number | undefined | CliInputError {
  // A unit the source reports decides, a time unit or not; without one, the name's suffix.
  const said = sourceUnit !== undefined || msPerUnit(budget.metric, undefined) !== undefined;
  const known = msPerUnit(budget.metric, sourceUnit);
  if (budget.unit === undefined) return known;
  const own = msPerUnit(budget.metric, budget.unit);
  if (!said) return own;
  if (own === known) return known;
  // The source's unit is its text: quoted short and printable (a hostile endpoint's could be megabytes).
  const by = sourceUnit !== undefined ? `the source reports ${budget.metric} in ${printable(JSON.stringify(sourceUnit.slice(0, 40)))}` : `${budget.metric}'s name says ${known === 1000 ? 'seconds' : 'milliseconds'}`;
  return new CliInputError(`${budget.field}.unit`, `${JSON.stringify(budget.unit)} contradicts its unit: ${by}; unit is for a metric whose name and source do not say`);
}

/** The unit of a budget's value and threshold, given the unit the source reported (if any). */
export function unitOf(budget: Budget, sourceUnit?: string): ValueUnit {
  switch (statKind(budget.stat)) {
    case 'latency': {
      const ms = msPerValue(budget, sourceUnit);
      return budget.threshold.duration || typeof ms === 'number' ? 'ms' : null;
    }
    case 'percent':
      return 'percent';
    case 'rate':
      return 'per_second';
    case 'count':
      return 'count';
  }
}

/** The check as a whole, from its worst budget. */
export type OverallStatus = 'ok' | 'warning' | 'failing' | 'unknown';

/** How a budget without data counts toward the exit code (`--no-data`, default `warn`). */
export type NoDataPolicy = 'pass' | 'warn' | 'fail';

/**
 * Converts a reading into the threshold's terms and compares. A latency read from a metric in
 * seconds becomes ms; a duration threshold on a metric that measures no time is an input error
 * (its field named), not a guess.
 */
export function evaluateBudget(budget: Budget, reading: Reading): BudgetResult {
  if (reading.kind === 'error') return { budget, status: 'error', value: undefined, valueText: 'error', unit: unitOf(budget), detail: reading.error.message, error: reading.error };
  if (reading.kind === 'nodata') return { budget, status: 'nodata', value: undefined, valueText: 'no data', unit: unitOf(budget), detail: reading.reason };
  let value = reading.value;
  if (statKind(budget.stat) === 'latency') {
    const toMs = msPerValue(budget, reading.unit);
    if (toMs instanceof CliInputError) return { budget, status: 'error', value: undefined, valueText: 'error', unit: unitOf(budget), detail: toMs.message, error: toMs };
    if (toMs !== undefined) value *= toMs;
    else if (budget.threshold.duration) {
      const error = new CliInputError(
        `${budget.field}.${budget.op}`,
        `${budget.threshold.text} is a duration but ${budget.metric} has no time unit (name it *_seconds, or set "unit")`,
      );
      return { budget, status: 'error', value: undefined, valueText: 'error', unit: null, detail: error.message, error };
    }
  }
  const broken = Number.isNaN(value) || (budget.op === 'below' ? value >= budget.threshold.value : value <= budget.threshold.value);
  return { budget, status: broken ? budget.severity : 'pass', value, valueText: formatValue(budget, value, reading.unit), unit: unitOf(budget, reading.unit) };
}

/**
 * A value in the threshold's terms as shown in a table: rounded as {@link formatNumber} rounds,
 * with more decimals (up to 6) where that would read as the threshold without being it.
 * Comparisons are strict: a p95 of 499.96 ms passing `< 500ms` must not read "500 ms".
 */
export function formatValue(budget: Budget, value: number, unit?: string): string {
  const threshold = budget.threshold.value;
  switch (statKind(budget.stat)) {
    case 'latency': {
      if (typeof msPerValue(budget, unit) !== 'number') return numberApart(value, threshold);
      // formatMs's units: seconds from 1 s up.
      return Number.isFinite(value) && Math.abs(value) >= 1000 ? `${numberApart(value / 1000, threshold / 1000)} s` : Number.isFinite(value) ? `${numberApart(value, threshold)} ms` : formatMs(value);
    }
    case 'percent':
      return `${numberApart(value, threshold)} %`;
    case 'rate':
      return `${numberApart(value, threshold)}/s`;
    case 'count':
      return Number.isInteger(value) ? String(value) : numberApart(value, threshold);
  }
}

/** `n` as {@link formatNumber} shows it, with more decimals (up to 6) while it would read as `same` without being it. */
function numberApart(n: number, same: number): string {
  if (!Number.isFinite(n)) return formatNumber(n);
  let digits = Math.abs(n) >= 100 ? 1 : 3;
  let rounded = Math.round(n * 10 ** digits) / 10 ** digits;
  while (rounded === same && n !== same && digits < 6) {
    digits++;
    rounded = Math.round(n * 10 ** digits) / 10 ** digits;
  }
  return String(rounded);
}

const RANK: Readonly<Record<OverallStatus, number>> = { ok: 0, warning: 1, failing: 2, unknown: 3 };

/** The overall status of one budget's result under the no-data policy. */
function statusOf(result: BudgetResult, noData: NoDataPolicy): OverallStatus {
  const s = result.status === 'nodata' ? noData : result.status;
  return s === 'pass' ? 'ok' : s === 'warn' ? 'warning' : s === 'fail' ? 'failing' : 'unknown';
}

/**
 * The check's status and exit code: the worst budget's. An unreadable budget is `unknown` (3):
 * a gate that could not look must not pass.
 */
export function overallOf(results: readonly BudgetResult[], noData: NoDataPolicy): { status: OverallStatus; exitCode: number } {
  let status: OverallStatus = 'ok';
  for (const r of results) {
    const s = statusOf(r, noData);
    if (RANK[s] > RANK[status]) status = s;
  }
  return { status, exitCode: EXIT_CODES[status] };
}
