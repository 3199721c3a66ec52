import { z } from 'zod';
import { backoffSchema } from '../core/backoff.js';
import { positiveDurationSchema } from '../core/duration.js';

/** Job priorities, seed 000's HIGH/MEDIUM/LOW; upper case is accepted too. */
export const JOB_PRIORITIES = ['high', 'medium', 'low'] as const;
/** One of {@link JOB_PRIORITIES}. */
export type JobPriority = (typeof JOB_PRIORITIES)[number];

/** p-queue runs a higher number first: HIGH before MEDIUM before LOW once queued together. */
export const PRIORITY_RANK: Readonly<Record<JobPriority, number>> = Object.freeze({ high: 2, medium: 1, low: 0 });
/** The priority of each rank of {@link PRIORITY_RANK}. */
export const PRIORITY_OF_RANK: readonly JobPriority[] = Object.freeze(['low', 'medium', 'high'] as const);

const prioritySchema = z.enum(['high', 'medium', 'low', 'HIGH', 'MEDIUM', 'LOW']).transform((v) => v.toLowerCase() as JobPriority);

/** Longest idempotency key kept: a longer one is a payload passed by mistake, not a key. */
export const MAX_KEY_LENGTH = 512;
/** Longest job type name (it is a label value). */
export const MAX_TYPE_LENGTH = 128;

/** What a job's handler is given besides its payload. */
export interface JobContext {
  /** Aborts when the attempt times out or the runner gives up on it at `close()`. */
  readonly signal: AbortSignal;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The job's id (the same across its retries). */
  readonly id: string;
}

/** A job type's handler: a function of the payload; its result settles the enqueue handle. */
export type JobHandler<P = unknown, R = unknown> = (payload: P, context: JobContext) => R | Promise<R>;

/** Options of one job type (`jobs.define(type, handler, options)`). */
export const jobTypeOptionsSchema = z
  .object({
    /** Attempts of this type running at once (seed 000: 3 to 10). */
    concurrency: z.number().int().min(1).max(10_000).default(1),
    /** Default priority of its jobs; `enqueue` may override it per job. */
    priority: prioritySchema.default('medium'),
    /** Retries after the first attempt fails (seed 000: 3, or 0 for scheduled publishing). */
    retries: z.number().int().min(0).max(100).default(3),
    /** Delay between retries: the same keys as `flush.retry` and `notifications.backoff`. */
    backoff: backoffSchema.default(backoffSchema.parse({})),
    /** Budget of one attempt; past it the attempt fails with a TimeoutError and its signal aborts. No timeout when absent. */
    timeout: positiveDurationSchema.optional(),
    /** The idempotency key of a payload: two enqueues with one key within `idempotencyTtl` run once (fleet-wide through the store's leases). */
    idempotencyKey: z.custom<(payload: never) => unknown>((v) => typeof v === 'function', 'must be a function of the payload').optional(),
    /** How long a key keeps a second enqueue from running. */
    idempotencyTtl: positiveDurationSchema.default(3_600_000),
    /** Jobs out of retries go to the store's job dead letters (false: they are dropped after the failure is counted). */
    deadLetter: z.boolean().default(true),
  })
  .strict();

/** Options of a job type as callers write them. */
export type JobTypeOptions = z.input<typeof jobTypeOptionsSchema>;
/** Options of a job type with defaults applied. */
export type ResolvedJobTypeOptions = z.output<typeof jobTypeOptionsSchema>;

/** Options of one enqueue. */
export const enqueueOptionsSchema = z
  .object({
    priority: prioritySchema.optional(),
    /** An explicit idempotency key (instead of the type's `idempotencyKey` function). */
    idempotencyKey: z.string().min(1).max(MAX_KEY_LENGTH).optional(),
  })
  .strict();

/** Options of `jobs.enqueue`. */
export type EnqueueOptions = z.input<typeof enqueueOptionsSchema>;

/** Seed 000's bottleneck thresholds. */
export const bottleneckThresholdsSchema = z
  .object({
    /** Mean run time (ms) above which a type is a medium bottleneck (seed 000: 60 s). */
    slowMedium: positiveDurationSchema.default(60_000),
    /** ... a high one (seed 000: 120 s). */
    slowHigh: positiveDurationSchema.default(120_000),
    /** Failure rate (percent of attempts) above which a type is a medium bottleneck (seed 000: 25 %). */
    failureMedium: z.number().min(0).max(100).default(25),
    /** ... a high one (seed 000: 50 %). */
    failureHigh: z.number().min(0).max(100).default(50),
  })
  .strict();

/** Options of the jobs capability (one per monitor). */
export const jobsOptionsSchema = z
  .object({
    /** How often the dead letters are retried (seed 000: hourly). */
    deadLetterInterval: positiveDurationSchema.default(3_600_000),
    /** Retries of one dead letter at most (seed 000: 5); past them it stays, status `failed`, until purged. */
    deadLetterMaxAttempts: z.number().int().min(0).max(100).default(5),
    /** Dead letters older than this are deleted by the processor (seed 000: 30 days). */
    deadLetterRetention: positiveDurationSchema.default(30 * 86_400_000),
    /**
     * How long `close()` lets running attempts finish before it gives up on them (they go to the
     * dead letters). Half the monitor's default `flush.closeTimeout` (10 s), so the dead-letter
     * writes after it fit in the monitor's close budget.
     */
    closeTimeout: positiveDurationSchema.default(5_000),
    /** Successful runs a baseline is learned from (seed 000: 10). */
    baselineRuns: z.number().int().min(1).max(10_000).default(10),
    /** Percent over the baseline's mean at which the recent mean is a regression (seed 000: 10 %). */
    regressionThreshold: z.number().positive().max(10_000).default(10),
    /** Recent attempts per type that bottlenecks and the health check read. */
    window: z.number().int().min(1).max(100_000).default(100),
    bottlenecks: bottleneckThresholdsSchema.default(bottleneckThresholdsSchema.parse({})),
    /** An attempt running longer than this counts as stuck (health check). */
    stuckAfter: positiveDurationSchema.default(300_000),
    /** Job types defined at most (each has a queue and label values). */
    maxTypes: z.number().int().min(1).max(10_000).default(100),
    /** Keys remembered in memory for in-process dedup (the store's leases hold the rest). */
    maxKeys: z.number().int().min(1).max(10_000_000).default(100_000),
    /** Random source of the backoff's jitter (tests pin it). */
    random: z.custom<() => number>((v) => typeof v === 'function', 'must be a function returning [0, 1)').default(() => Math.random),
  })
  .strict();

/** Options of the jobs capability as callers write them. */
export type JobsOptions = z.input<typeof jobsOptionsSchema>;
/** Options of the jobs capability with defaults applied. */
export type ResolvedJobsOptions = z.output<typeof jobsOptionsSchema>;
