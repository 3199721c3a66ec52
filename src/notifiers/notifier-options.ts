import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';

/**
 * Validates a notifier factory's options into a new frozen object (the caller's is never
 * written to). The {@link ConfigError} names the factory and the option, never the value:
 * options hold URLs and secrets.
 */
export function parseNotifierOptions<S extends z.ZodType>(factory: string, schema: S, options: unknown): Readonly<z.output<S>> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError(`invalid ${factory} options: expected an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  return parseOptions(schema, options, `invalid ${factory} options`, { values: false });
}

/** An absolute http(s) URL. The message never repeats the value: a webhook URL is a secret. */
export const httpUrlSchema = z.string().refine((value) => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}, 'must be an absolute http:// or https:// URL');

/** A notifier's name: non-empty; rules name channels by it. */
export const notifierNameSchema = z.string().min(1, 'must be a non-empty string');

/** Extra HTTP headers; every value is treated as a secret. */
export const headersSchema = z
  .record(z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'header names are HTTP tokens'), z.string())
  .default({})
  .transform((headers) => Object.freeze({ ...headers }));

/** A per-notifier send timeout (ms or `'5s'`), greater than zero. */
export const notifierTimeoutSchema = positiveDurationSchema.optional();

/** A function option, e.g. a clock or a logger. */
export function functionSchema<F extends (...args: never[]) => unknown>(description: string): z.ZodCustom<F, F> {
  return z.custom<F>((v) => typeof v === 'function', `must be a function (${description})`);
}
