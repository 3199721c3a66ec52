import { z } from 'zod';
import type { Jobs } from '../../jobs/jobs.js';
import type { Monitor } from '../../monitor.js';
import { readJsonBody } from './body.js';
import { HttpError } from './errors.js';
import { parseBody, parseQuery } from './query.js';
import { json } from './responses.js';
import type { Route, RouteContext } from './router.js';

/** The part of `monitor.jobs` the routes use. */
type JobsApi = Pick<Jobs, 'deadLetters' | 'bottlenecks' | 'baselines' | 'regressions'>;

const listQuery = z.object({
  job: z.string().min(1).max(128).optional(),
  limit: z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(1).max(1_000)).optional(),
});
const retryAllBody = z.object({ job: z.string().min(1).max(128).optional() }).strict().optional();

/** The monitor's job runner, or a 404 for a monitor without one. */
function jobsOf(ctx: RouteContext): JobsApi {
  const jobs = (ctx.monitor as Monitor & { jobs?: JobsApi }).jobs;
  if (jobs === undefined || typeof jobs.deadLetters?.list !== 'function') throw new HttpError(404, 'NOT_FOUND', 'this monitor has no job runner');
  return jobs;
}

/**
 * Seed 000's dead-letter queue over HTTP, plus the jobs analysis: list letters (read); retry one,
 * retry all, delete (write: the same auth rules as the alert routes); bottlenecks, baselines and
 * regressions (read).
 */
export const jobRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/jobs/dead-letters',
    access: 'read',
    async handle(ctx) {
      const q = parseQuery(listQuery, ctx.url);
      const letters = await jobsOf(ctx).deadLetters.list({ ...(q.job === undefined ? {} : { job: q.job }), limit: q.limit ?? 100 });
      return json(200, { deadLetters: letters });
    },
  },
  {
    method: 'POST',
    path: '/jobs/dead-letters/retry',
    access: 'write',
    async handle(ctx) {
      const body = parseBody(retryAllBody, await readJsonBody(ctx.request, ctx.options.maxBodyBytes));
      const handles = await jobsOf(ctx).deadLetters.retryAll(body?.job === undefined ? {} : { job: body.job });
      // 202: the retries are queued; each letter is deleted when its job succeeds.
      return json(202, { retried: handles.map((h) => h.id) });
    },
  },
  {
    method: 'POST',
    path: '/jobs/dead-letters/:id/retry',
    access: 'write',
    async handle(ctx) {
      const handle = await jobsOf(ctx).deadLetters.retry(ctx.params.id!);
      return json(202, { retried: handle.id });
    },
  },
  {
    method: 'DELETE',
    path: '/jobs/dead-letters/:id',
    access: 'write',
    async handle(ctx) {
      if (!(await jobsOf(ctx).deadLetters.delete(ctx.params.id!))) throw new HttpError(404, 'NOT_FOUND', `no job dead letter with id ${JSON.stringify(ctx.params.id!.slice(0, 200))}`);
      return json(200, { deleted: ctx.params.id });
    },
  },
  { method: 'GET', path: '/jobs/bottlenecks', access: 'read', handle: async (ctx) => json(200, { bottlenecks: jobsOf(ctx).bottlenecks() }) },
  {
    method: 'GET',
    path: '/jobs/baselines',
    access: 'read',
    async handle(ctx) {
      const jobs = jobsOf(ctx);
      return json(200, { baselines: await jobs.baselines(), regressions: jobs.regressions() });
    },
  },
];
