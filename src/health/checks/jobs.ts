import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { HealthCheck, HealthStatus } from '../types.js';

/** What the jobs check reads: `monitor.jobs` (any object with a `health()` of this shape). */
export interface JobsHealthSource {
  health(): { failureRate: number; attempts: number; stuck: number; deadLetters: number };
}

/** Seed 000's job health thresholds. */
export const jobsCheckOptionsSchema = z
  .object({
    /** Failure rate (percent of recent attempts) past which the check is unhealthy (seed 000: 50 %). */
    failureRate: z.number().min(0).max(100).default(50),
    /** Stuck attempts (running past the runner's `stuckAfter`) at which it is degraded (seed 000: 10). */
    stuckJobs: z.number().int().min(1).default(10),
    /** Dead letters at which it is degraded (seed 000: 100). */
    deadLetterQueue: z.number().int().min(1).default(100),
  })
  .strict();

/** Options of {@link jobsCheck}. */
export type JobsCheckOptions = z.input<typeof jobsCheckOptionsSchema>;

/**
 * Seed 000's `/api/health/jobs`: `unhealthy` when more than `failureRate` percent of recent
 * attempts failed (the jobs mostly fail), `degraded` at `stuckJobs` stuck attempts or
 * `deadLetterQueue` dead letters (the runner works but something piles up), otherwise `healthy`.
 *
 * @example monitor.health.register('jobs', checks.jobs(monitor.jobs), { groups: ['readiness'] })
 */
export function jobsCheck(source: JobsHealthSource, options: JobsCheckOptions = {}): HealthCheck {
  if (typeof (source as Partial<JobsHealthSource> | null)?.health !== 'function') {
    throw new ConfigError('checks.jobs: source must have a health() method (pass monitor.jobs)');
  }
  const t = parseOptions(jobsCheckOptionsSchema, options, 'invalid checks.jobs options');
  return () => {
    const h = source.health();
    const problems: string[] = [];
    let status: HealthStatus = 'healthy';
    if (h.attempts > 0 && h.failureRate > t.failureRate) {
      status = 'unhealthy';
      problems.push(`failure rate ${h.failureRate}% > ${t.failureRate}%`);
    }
    if (h.stuck >= t.stuckJobs) problems.push(`${h.stuck} stuck jobs (>= ${t.stuckJobs})`);
    if (h.deadLetters >= t.deadLetterQueue) problems.push(`${h.deadLetters} dead letters (>= ${t.deadLetterQueue})`);
    if (status === 'healthy' && problems.length > 0) status = 'degraded';
    return {
      status,
      message: problems.length === 0 ? `jobs healthy: failure rate ${h.failureRate}%, ${h.stuck} stuck, ${h.deadLetters} dead letters` : problems.join('; '),
      details: { ...h },
    };
  };
}
