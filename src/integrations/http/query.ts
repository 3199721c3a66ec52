import type { z } from 'zod';
import { validationErrorOf } from '../../core/options.js';
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
