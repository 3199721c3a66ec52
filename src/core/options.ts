import type { z } from 'zod';
import { ConfigError, ValidationError } from './errors.js';

/** How {@link parseOptions} words its error. */
export interface ParseOptionsSettings {
  /**
   * Show the value received for the failing option (default true). Off for options that hold
   * URLs, tokens or passwords: the error then names the option only.
   */
  values?: boolean;
}

const MAX_SHOWN = 80;

/**
 * Parses `input` with `schema` into a new frozen object (the caller's object is never written
 * to). On failure throws a {@link ConfigError} `"<what>: <option path>: <problem>, got <value>"`
 * for the first issue; an unknown key is named like any other bad option. `undefined` input
 * means no options (all defaults).
 */
export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string, settings: ParseOptionsSettings = {}): Readonly<z.output<S>> {
  let result: ReturnType<S['safeParse']>;
  let issue: z.core.$ZodIssue;
  try {
    result = schema.safeParse(input === undefined ? {} : input) as ReturnType<S['safeParse']>;
    if (result.success) return Object.freeze(result.data) as Readonly<z.output<S>>;
    // zod words its issues lazily, reading the input again: inside the try as well.
    issue = result.error.issues[0]!;
  } catch (cause) {
    // An options object that throws when read (a revoked proxy, a throwing getter): zod lets it through.
    throw new ConfigError(`${what}: options: reading them threw`, { cause });
  }
  const unknown = issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined;
  const keys = unknown === undefined ? issue.path : [...issue.path, unknown];
  const path = keys.map(String).join('.');
  const message = unknown === undefined ? issue.message : 'unknown option';
  const received = path === '' || settings.values === false ? undefined : valueAt(input, keys);
  // Some schemas (durations) already say what they got.
  const shown = received === undefined || message.endsWith(`got ${show(received)}`) ? '' : `, got ${show(received)}`;
  throw new ConfigError(`${what}: ${path || 'options'}: ${message}${shown}`, { cause: result.error });
}

/**
 * A {@link ValidationError} `"<what>: <path>: <problem>; ..."` naming every failing field of a
 * zod result; `whole` names an issue about the input as a whole.
 */
export function validationErrorOf(what: string, issues: readonly { path: readonly PropertyKey[]; message: string }[], whole = 'input'): ValidationError {
  const list = issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new ValidationError(`${what}: ${list.map((i) => `${i.path || whole}: ${i.message}`).join('; ')}`, list);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  try {
    for (const key of path) {
      if (value === null || typeof value !== 'object') return undefined;
      value = (value as Record<PropertyKey, unknown>)[key];
    }
  } catch {
    return undefined;
  }
  return value;
}

function show(value: unknown): string {
  if (typeof value === 'function') return 'a function';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value;
  }
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
}
