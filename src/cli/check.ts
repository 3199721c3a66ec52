import type { Budget } from './budget/budget.js';
import { evaluateBudget, overallOf, type BudgetResult, type NoDataPolicy, type OverallStatus } from './budget/evaluate.js';
import { EXIT_CODES, isCliError, type CliError, type CliErrorCode } from './errors.js';
import type { Source } from './sources/source.js';

/** One check of every budget against one source. */
export interface CheckResult {
  /** The worst budget's status; `unknown` when the source could not be read or a budget could not. */
  status: OverallStatus;
  exitCode: number;
  checkedAt: Date;
  source: { kind: Source['kind']; url: string };
  results: BudgetResult[];
  /** Set when the check as a whole failed (unreachable, refused token, wrong base path). */
  error?: { code: CliErrorCode | 'ERR_PULSEWATCH_CLI_INTERNAL'; message: string } | undefined;
}

/** Budgets read at once: enough to be quick, few enough to be polite to the source. */
const CONCURRENCY = 4;

/**
 * Reads and evaluates every budget. A source that cannot be used at all makes the whole check
 * `unknown` (exit 3) with its error; a budget that cannot be read makes only its line `error`
 * (and the exit code 3 too: a gate that could not look must not pass).
 */
export async function runCheck(source: Source, budgets: readonly Budget[], options: { noData: NoDataPolicy; now?: () => Date; signal?: AbortSignal }): Promise<CheckResult> {
  const checkedAt = (options.now ?? (() => new Date()))();
  const base = { checkedAt, source: { kind: source.kind, url: source.url } };
  const results: BudgetResult[] = new Array(budgets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < budgets.length) {
      const i = next++;
      const budget = budgets[i]!;
      results[i] = evaluateBudget(budget, await source.read(budget, options.signal));
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, budgets.length) }, worker));
  } catch (error) {
    const known = isCliError(error) ? (error as CliError) : undefined;
    return {
      ...base,
      status: 'unknown',
      exitCode: EXIT_CODES.unknown,
      results: [],
      error: { code: known?.code ?? 'ERR_PULSEWATCH_CLI_INTERNAL', message: known?.message ?? `unexpected failure: ${error instanceof Error ? error.message : String(error)}` },
    };
  }
  return { ...base, ...overallOf(results, options.noData), results };
}
