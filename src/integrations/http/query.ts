import { z } from 'zod';
import { validationErrorOf } from '../../core/options.js';
import { MAX_MATCHERS } from '../../metrics/time-series-range.js';
import { HttpError } from './errors.js';

/**
 * Parses a URL's query with `schema` (unknown parameters are ignored: clients add cache
 * busters). A failure is a 400 naming every failing parameter. A parameter of the schema
 * given more than once (`organizationId=a&organizationId=b`) is a 400 naming it: each is
 * single-valued, and keeping the last silently could widen a tenant filter.
 */
export function parseQuery<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  const known = keysOf(schema);
  // No prototype: a parameter named `__proto__` or `constructor` is a key like any other.
  const raw = Object.create(null) as Record<string, string>;
  for (const [key, value] of url.searchParams) {
    if (known?.has(key) === true && Object.hasOwn(raw, key)) {
      throw new HttpError(400, 'VALIDATION_FAILED', `invalid query: ${key} is given more than once`, { issues: [{ path: key, message: 'is given more than once' }] });
    }
    raw[key] = value;
  }
  return parseInput(schema, raw, 'query');
}

/** The parameters an object schema names; undefined for another schema (nothing to check). */
function keysOf(schema: z.ZodType): Set<string> | undefined {
  const shape = (schema as { shape?: unknown }).shape;
  return typeof shape === 'object' && shape !== null ? new Set(Object.keys(shape)) : undefined;
}

/** Parses a request body with `schema`; a failure is a 400 naming every failing field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  return parseInput(schema, body, 'body');
}

function parseInput<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  // A ValidationError answers 400 VALIDATION_FAILED with its issues (responses.ts).
  throw validationErrorOf(`invalid ${where}`, result.error.issues, where);
}
/**
 * `label.<name>=<value>` parameters: series must have that label (as on /metrics/aggregate).
 * Undefined when there are none. Throws a 400 naming the parameter for a name given twice (a
 * series has one value per label: the last one must not win silently) and for `__proto__` (no
 * series has it: names starting with `__` are reserved), and one naming `label` past
 * {@link MAX_MATCHERS} of them, counted as they come (a flood is not gathered first).
 */
export function labelsOf(url: URL): Record<string, string> | undefined {
  let labels: Record<string, string> | undefined;
  let n = 0;
  for (const [key, value] of url.searchParams) {
    if (!key.startsWith('label.') || key.length <= 6) continue;
    if (++n > MAX_MATCHERS) throw badParam('label', `at most ${MAX_MATCHERS} label.<name> parameters`, `at most ${MAX_MATCHERS} labels`);
    const name = key.slice(6);
    // No prototype: a name such as `constructor` or `__proto__` is a key like any other.
    labels ??= Object.create(null) as Record<string, string>;
    if (name === '__proto__') throw badParam(key, `${key}: is not a label name (names starting with "__" are reserved)`, 'is not a label name (names starting with "__" are reserved)');
    if (Object.hasOwn(labels, name)) throw badParam(key, `${key} is given twice: a series has one value of ${JSON.stringify(name)}`, 'is given twice');
    labels[name] = value;
  }
  return labels;
}

function badParam(path: string, message: string, issue: string): HttpError {
  return new HttpError(400, 'VALIDATION_FAILED', `invalid query: ${message}`, { issues: [{ path, message: issue }] });
}

/** An instant as a query parameter: epoch ms digits, else an ISO 8601 string (checked by the monitor, which names the field). */
export const instantParam = z
  .string()
  .max(40)
  .transform((v) => (/^\d{1,16}$/.test(v) ? Number(v) : v));
/** A duration as a query parameter: ms digits, else `'30s'`, `'5m'` (checked by the monitor). */
export const durationParam = z
  .string()
  .min(1)
  .max(20)
  .transform((v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : v));
