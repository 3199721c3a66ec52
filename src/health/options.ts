import { z } from 'zod';
import { durationSchema, positiveDurationSchema } from '../core/duration.js';

/** Largest timer delay JavaScript runtimes honour; longer ones fire at once. */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Defaults of `health.register(name, check, options)`, in one place (docs/health.md explains each):
 * - `critical: true`: a check you register matters unless you say it is optional (seed 000's
 *   "Redis connectivity (optional)" is the exception, not the rule), as in Spring where every
 *   indicator's DOWN makes the whole DOWN.
 * - `timeout: 2s`: an answer must come before a load balancer or probe gives up; 2 s is the
 *   design's database example and fits common probe timeouts (raise `timeoutSeconds` above it).
 * - `degradedAfter`: off; seed 000 uses 500 ms for the database, but what is slow depends on
 *   the dependency, so it is set per check.
 * - `groups: []`: a check joins no group until you put it in one, so nothing external lands in
 *   `liveness` by accident (Spring: external dependencies in liveness restart every instance).
 * - `cacheTtl: 10s`: `quick` answers are at most one Kubernetes probe period (10 s) stale.
 */
export const HEALTH_CHECK_DEFAULTS = Object.freeze({
  critical: true,
  timeout: 2_000,
  degradedAfter: undefined,
  groups: Object.freeze([] as string[]),
  cacheTtl: 10_000,
});

/** The groups every registry knows, even with no check in them (an empty group is healthy). */
export const WELL_KNOWN_GROUPS: readonly string[] = Object.freeze(['liveness', 'readiness', 'startup']);

const GROUP_RE = /^[a-zA-Z0-9_.-]+$/;

/** Options of `health.register(name, check, options)`. */
export const healthCheckOptionsSchema = z
  .strictObject({
    /** A failing critical check makes the whole `unhealthy`; a failing non-critical one `degraded`. */
    critical: z.boolean().default(HEALTH_CHECK_DEFAULTS.critical),
    /** Time budget of one run (ms or `'2s'`); when it passes the check is `unhealthy` and its signal aborts. */
    timeout: positiveDurationSchema
      .refine((ms) => ms <= MAX_TIMER_MS, { message: `must be at most ${MAX_TIMER_MS} ms` })
      .default(HEALTH_CHECK_DEFAULTS.timeout),
    /** A passing run slower than this is `degraded` (seed 000: database over 500 ms). Off by default. */
    degradedAfter: positiveDurationSchema.optional(),
    /** Views the check belongs to, e.g. `['readiness']`; `check({ group })` runs only those. */
    groups: z
      .array(z.string().regex(GROUP_RE, 'group names are letters, digits, "_", "-" and "."'))
      .readonly()
      .default(HEALTH_CHECK_DEFAULTS.groups)
      .transform((groups) => Object.freeze([...new Set(groups)])),
    /** How long a result may be served by `check({ quick: true })` (0: never cached). */
    cacheTtl: durationSchema.default(HEALTH_CHECK_DEFAULTS.cacheTtl),
  })
  .superRefine((o, ctx) => {
    // Decided on purpose: a degradedAfter at or past the timeout could never apply, which is
    // always a mistake, so it is refused rather than clamped.
    if (o.degradedAfter !== undefined && o.degradedAfter >= o.timeout) {
      ctx.addIssue({
        code: 'custom',
        path: ['degradedAfter'],
        message: `must be less than timeout (${o.degradedAfter} ms >= ${o.timeout} ms); raise timeout or lower degradedAfter`,
      });
    }
  });

/** Options of `health.register` as callers pass them. */
export type HealthCheckOptions = z.input<typeof healthCheckOptionsSchema>;
/** Options of `health.register` with defaults applied (durations in ms). */
export type ResolvedHealthCheckOptions = z.output<typeof healthCheckOptionsSchema>;

/** Options of `health.check(query)`. */
export const healthQuerySchema = z.strictObject({
  /** Serve results cached within each check's `cacheTtl`; run only the stale ones. */
  quick: z.boolean().default(false),
  /** Run only the checks of this group (`'liveness'`, `'readiness'`, `'startup'` or your own). */
  group: z.string().min(1).optional(),
});

/** Options of `health.check(query)` as callers pass them. */
export type HealthQuery = z.input<typeof healthQuerySchema>;

/** Options of `health.check.one(name, options)`. */
export const oneCheckQuerySchema = z.strictObject({
  /** Serve the result cached within the check's `cacheTtl`, if there is one. */
  quick: z.boolean().default(false),
});

/** Options of `health.check.one(name, options)` as callers pass them. */
export type OneCheckQuery = z.input<typeof oneCheckQuerySchema>;
