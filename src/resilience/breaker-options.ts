import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';
import { ConfigError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';

/** Consecutive failures that open a breaker when no error percentage is configured (seed 000: 5). */
export const DEFAULT_FAILURE_THRESHOLD = 5;

const isFunction = (v: unknown): boolean => typeof v === 'function';

/**
 * Options of `monitor.circuitBreaker(name, fn, options)`, with every default in one place.
 * Parsed once at creation into a new frozen object: the caller's object is never written to
 * (opossum assigns its defaults into the object it gets), so it may be frozen or shared. The
 * names and defaults of the percentage rule's options are opossum's.
 */
export const breakerOptionsSchema = z
  .strictObject({
    /**
     * Consecutive failures (errors counted by `isFailure`, and timeouts) that open the breaker.
     * Default: 5, unless `errorThresholdPercentage` is given (then off); `false` turns it off.
     */
    failureThreshold: z.union([z.number().int().positive(), z.literal(false)]).optional(),
    /**
     * Opens the breaker when more than this percentage of the calls in the rolling window
     * failed (opossum's rule). Off unless given; opossum's usual value is 50.
     */
    errorThresholdPercentage: z.number().min(0).lt(100).optional(),
    /** Calls the rolling window must hold before the percentage can open the breaker (opossum: 0). */
    volumeThreshold: z.number().int().min(0).optional(),
    /** Length of the rolling window of the percentage rule (opossum: 10 s). */
    rollingCountTimeout: positiveDurationSchema.optional(),
    /** Buckets the rolling window is divided into (opossum: 10). */
    rollingCountBuckets: z.number().int().positive().optional(),
    /** How long the breaker stays open before it lets one trial call through (seed 000: 60 s). */
    resetTimeout: positiveDurationSchema.default(60_000),
    /** Time budget of one call, `false` for none. A late call fails with a `TimeoutError` (opossum: 10 s). */
    timeout: z.union([z.literal(false), positiveDurationSchema]).default(10_000),
    /** Called as `fallback(...args, error)` instead of failing when a call fails, times out or is rejected. */
    fallback: z.custom<(...args: never[]) => unknown>(isFunction, 'fallback must be a function').optional(),
    /** Decides whether an error counts against the breaker; errors it returns false for are rethrown uncounted. */
    isFailure: z.custom<(error: unknown) => boolean>(isFunction, 'isFailure must be a function').optional(),
    /** Whether the health view reports the whole service unhealthy (not only degraded) while this breaker is open. */
    critical: z.boolean().default(false),
  })
  .superRefine((o, ctx) => {
    // Options of the percentage rule without the rule itself would silently do nothing.
    if (o.errorThresholdPercentage === undefined) {
      for (const key of ['volumeThreshold', 'rollingCountTimeout', 'rollingCountBuckets'] as const) {
        if (o[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: 'only applies together with errorThresholdPercentage' });
      }
      if (o.failureThreshold === false) {
        ctx.addIssue({ code: 'custom', path: ['failureThreshold'], message: 'false needs errorThresholdPercentage, or the breaker could never open' });
      }
    }
  })
  .transform((o) => {
    const percentage = o.errorThresholdPercentage;
    return {
      failureThreshold: o.failureThreshold ?? (percentage === undefined ? DEFAULT_FAILURE_THRESHOLD : (false as const)),
      errorThresholdPercentage: percentage,
      volumeThreshold: o.volumeThreshold ?? 0,
      rollingCountTimeout: o.rollingCountTimeout ?? 10_000,
      rollingCountBuckets: o.rollingCountBuckets ?? 10,
      resetTimeout: o.resetTimeout,
      timeout: o.timeout,
      fallback: o.fallback,
      isFailure: o.isFailure,
      critical: o.critical,
    };
  })
  .refine((o) => Math.floor(o.rollingCountTimeout / o.rollingCountBuckets) >= 1, {
    path: ['rollingCountBuckets'],
    message: 'each bucket of the rolling window must last at least 1 ms (rollingCountTimeout / rollingCountBuckets)',
  });

/**
 * What a fallback receives: the call's arguments, then why it did not succeed: the function's
 * error, a `TimeoutError`, or a `BreakerOpenError` when the breaker refused the call.
 */
export type BreakerFallback<A extends unknown[], R> = (...args: [...args: A, error: unknown]) => R | PromiseLike<R>;

/**
 * Options of `monitor.circuitBreaker(name, fn, options)` as callers pass them: the zod input
 * type, with `fallback` typed after `fn` (same arguments plus the error, same result).
 */
export type BreakerOptions<A extends unknown[] = unknown[], R = unknown> = Omit<z.input<typeof breakerOptionsSchema>, 'fallback' | 'isFailure'> & {
  fallback?: BreakerFallback<A, R> | undefined;
  isFailure?: ((error: unknown) => boolean) | undefined;
};

/** Breaker options with defaults applied (`failureThreshold` resolved, durations in ms). */
export type ResolvedBreakerOptions = Readonly<z.output<typeof breakerOptionsSchema>>;

/** Parses `options` for the breaker `name`. Throws a {@link ConfigError} naming the option and the value received. */
export function parseBreakerOptions(name: string, options: unknown): ResolvedBreakerOptions {
  return parseOptions(breakerOptionsSchema, options ?? {}, `circuit breaker "${name}" options`);
}


