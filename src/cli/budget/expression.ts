import { CliInputError } from '../errors.js';
import { toBudget, type Budget, type BudgetDefaults, type Severity } from './budget.js';

// `p95 < 500ms`, `p95(checkout_duration_seconds) < 2s`, `error_rate < 5%`, `throughput > 500/s`.
const EXPRESSION_RE = /^\s*([a-zA-Z][a-zA-Z0-9_-]*)\s*(?:\(\s*([^)\s]*)\s*\))?\s*([<>])\s*(.+?)\s*$/;

/**
 * Parses a budget given as a flag (`--fail 'p95 < 500ms'`): `<stat>[(<metric>)] <|> <threshold>`.
 * `<` means the value must stay below the threshold, `>` above it. Throws a
 * {@link CliInputError} naming the flag and its position (`--fail[1]`).
 */
export function parseBudgetExpression(text: string, severity: Severity, defaults: BudgetDefaults, field: string): Budget {
  const match = EXPRESSION_RE.exec(text);
  if (!match) {
    throw new CliInputError(field, `expected "<stat>[(<metric>)] < or > <threshold>" such as "p95 < 500ms", got ${JSON.stringify(text.slice(0, 80))}`);
  }
  const [, stat, metric, op, threshold] = match as unknown as [string, string, string | undefined, '<' | '>', string];
  if (metric !== undefined && !/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric)) {
    throw new CliInputError(`${field} metric`, `metric names are letters, digits, underscores and colons, got ${JSON.stringify(metric)}`);
  }
  const limit = op === '<' ? { below: threshold } : { above: threshold };
  try {
    return toBudget({ stat, ...(metric ? { metric } : {}), ...limit, severity }, defaults, field);
  } catch (error) {
    // The file's `below`/`above` is this expression's threshold: name it as written here.
    const key = `${field}.${op === '<' ? 'below' : 'above'}`;
    if (error instanceof CliInputError && error.field === key) throw new CliInputError(`${field} threshold`, error.message.slice(key.length + 2));
    throw error;
  }
}
