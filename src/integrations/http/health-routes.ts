import { z } from 'zod';
import type { CheckReport, HealthStatus } from '../../health/types.js';
import { json } from './responses.js';
import { parseQuery } from './query.js';
import type { Route, RouteContext } from './router.js';

const flag = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1' || v === '');
const healthQuery = z.object({ quick: flag.optional(), group: z.string().min(1).max(100).optional() });

function answer(ctx: RouteContext, status: HealthStatus, body: unknown): Response {
  return json(ctx.options.healthStatusCodes[status], body);
}

/** A check's report without what only an authenticated caller may read. */
function bare<R extends CheckReport>(report: R): R {
  const { message: _message, details: _details, ...rest } = report;
  return rest as R;
}

function shown(ctx: RouteContext): boolean {
  return ctx.options.healthDetails === 'always' || ctx.authenticated;
}

/** Seed 000's /health and /health/:check. */
export const healthRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/health',
    // Exactly one group=liveness: with a repeated group the query parser would answer another one.
    access: (url) => {
      const groups = url.searchParams.getAll('group');
      return groups.length === 1 && groups[0] === 'liveness' ? 'liveness' : 'health';
    },
    async handle(ctx) {
      const { quick, group } = parseQuery(healthQuery, ctx.url);
      const report = await ctx.monitor.health.check({ quick: quick ?? false, ...(group === undefined ? {} : { group }) });
      if (!shown(ctx)) report.checks = Object.fromEntries(Object.entries(report.checks).map(([name, check]) => [name, bare(check)]));
      return answer(ctx, report.status, report);
    },
  },
  {
    method: 'GET',
    path: '/health/:check',
    access: 'health',
    async handle(ctx) {
      const { quick } = parseQuery(healthQuery, ctx.url);
      const report = await ctx.monitor.health.check.one(ctx.params.check!, { quick: quick ?? false });
      return answer(ctx, report.status, shown(ctx) ? report : bare(report));
    },
  },
];
