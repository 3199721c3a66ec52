import { z } from 'zod';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { CliInputError } from '../errors.js';
import { budgetInputSchema, labelsSchema, MAX_BUDGETS, parseWindow, toBudget, type Budget, type BudgetDefaults } from './budget.js';

/** Budget files larger than this are refused before parsing (a budget file is a few lines). */
export const MAX_BUDGET_FILE_BYTES = 1024 * 1024;

/** A budget file: defaults for its budgets and the budgets themselves. */
export const budgetFileSchema = z.strictObject({
  /** Window of every budget that names none (`5m` by default, or `--window`). */
  window: z.union([z.number(), z.string().max(20)]).optional(),
  /** Labels every budget filters on, merged under each budget's own. */
  labels: labelsSchema.optional(),
  budgets: z.array(budgetInputSchema).min(1, 'a budget file needs at least one budget').max(MAX_BUDGETS, `at most ${MAX_BUDGETS} budgets`),
});

/** A budget file as written. */
export type BudgetFile = z.input<typeof budgetFileSchema>;

/** `budgets[2].below`: a zod path as a person reads it. */
export function fieldOf(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out === '' ? String(part) : `.${String(part)}`;
  return out;
}

/**
 * Parses a budget file's text: JSON when `name` ends in `.json`, YAML otherwise (YAML also reads
 * JSON). Every failure is a {@link CliInputError} naming the file and the field: a syntax error
 * with its line, an unknown key, a threshold that is not a number of the stat's kind.
 * `defaults.window` applies to budgets when neither they nor the file name a window; the file's
 * `window` beats it only when `windowFromFlag` is false (an explicit `--window` wins).
 */
export function parseBudgetFile(text: string, name: string, defaults: BudgetDefaults, windowFromFlag = false): Budget[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_BUDGET_FILE_BYTES) throw new CliInputError(name, `larger than ${MAX_BUDGET_FILE_BYTES} bytes`);
  let raw: unknown;
  try {
    raw = /\.json$/i.test(name) ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: true });
  } catch (error) {
    const detail = error instanceof YAMLParseError ? `${error.message.split('\n')[0]}` : error instanceof Error ? error.message : String(error);
    throw new CliInputError(name, `does not parse as ${/\.json$/i.test(name) ? 'JSON' : 'YAML'}: ${detail}`, { cause: error });
  }
  const parsed = budgetFileSchema.safeParse(raw);
  if (!parsed.success) {
    // A misspelt key also makes the key it meant missing: the misspelling is the one to name.
    const issue = parsed.error.issues.find((i) => i.code === 'unrecognized_keys') ?? parsed.error.issues[0]!;
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const path = keys.length > 0 ? [...issue.path, keys[0]!] : issue.path;
    const message = keys.length > 0 ? `unknown key${keys.length > 1 ? ` (also ${keys.slice(1).join(', ')})` : ''}` : issue.message;
    throw new CliInputError(`${name}: ${fieldOf(path) || 'the file'}`, message);
  }
  const file = parsed.data;
  const window = file.window !== undefined && !windowFromFlag ? parseWindow(file.window, `${name}: window`) : defaults.window;
  const fileDefaults: BudgetDefaults = { ...defaults, window, labels: { ...defaults.labels, ...(file.labels ?? {}) } };
  return file.budgets.map((b, i) => {
    try {
      return toBudget(b, fileDefaults, `budgets[${i}]`);
    } catch (error) {
      if (error instanceof CliInputError) throw new CliInputError(`${name}: ${error.field}`, error.message.slice(error.field.length + 2));
      throw error;
    }
  });
}
