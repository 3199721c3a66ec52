import type { z } from 'zod';
import { validationErrorOf } from '../../core/options.js';

/**
 * Parses a URL's query with `schema` (unknown parameters are ignored: clients add cache
 * busters). A failure is a 400 naming every failing parameter.
 */
export function parseQuery<S extends z.ZodType>(schema: S, url: URL): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [key, value] of url.searchParams) raw[key] = value;
  return parseInput(schema, raw, 'query');
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
