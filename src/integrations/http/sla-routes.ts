import { z } from 'zod';
import { durationSchema } from '../../core/duration.js';
import type { Monitor } from '../../monitor.js';
import { MAX_LIMIT } from '../../sla/options.js';
import type { SlaQuery } from '../../sla/options.js';
import type { SlaReport } from '../../sla/types.js';
import { HttpError } from './errors.js';
import { parseQuery } from './query.js';
import { labelsOf } from './query.js';
import { json } from './responses.js';
import type { Route, RouteContext } from './router.js';

/** A duration as a query parameter: `5000` (ms) or `'5s'`. */
const duration = z
  .string()
  .max(20)
  .transform((v) => (/^\d+(\.\d+)?$/.test(v) ? Number(v) : v))
  .pipe(durationSchema)
  .refine((ms) => ms > 0, 'must be greater than 0');
const whole = z.string().regex(/^\d+$/, 'must be a whole number').transform(Number);
const name = z.string().min(1).max(200);

/** Seed 004's query parameters (`conversationId`, `limit`) and the report's own. */
const slaQuery = z.object({
  timeline: name.optional(),
  metric: name.optional(),
  window: duration.optional(),
  under: duration.optional(),
  percent: z.string().regex(/^\d+(\.\d+)?$/, 'must be a number from 0 to 100').transform(Number).pipe(z.number().max(100)).optional(),
  /** Seed 004's conversation filter: entries whose id is it or starts with `<it>:`. */
  conversationId: z.string().min(1).max(256).optional(),
  id: z.string().min(1).max(256).optional(),
  /** Seed 002's tenant: series whose `organizationId` label is this. */
  organizationId: z.string().min(1).max(256).optional(),
  limit: whole.pipe(z.number().int().min(0).max(MAX_LIMIT)).optional(),
  unit: z.enum(['ms', 'seconds']).optional(),
});

/** What the route needs of the monitor: `monitor.slaReport` (docs/sla.md). */
interface SlaCapable {
  slaReport?(query: SlaQuery): Promise<SlaReport>;
}

/** The SLA query a request asks for; a 400 naming the parameter when one cannot be read. */
function queryOf(url: URL): SlaQuery {
  const q = parseQuery(slaQuery, url);
  if (q.conversationId !== undefined && q.id !== undefined && q.conversationId !== q.id) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'give one of conversationId and id', { issues: [{ path: 'id', message: 'conflicts with conversationId' }] });
  }
  // `label.<name>=<value>` narrows to series with that label, as on /metrics/aggregate.
  // Shared with /metrics/series: prototype-free, a 400 for a name given twice, `__proto__` or too many.
  const labels = labelsOf(url) ?? {};
  // A timeline's report counts both statuses itself (slaReport refuses labels.status for it): the 400 names the parameter.
  if (q.metric === undefined && labels['status'] !== undefined) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'label.status: a timeline report counts complete and partial entries itself', {
      issues: [{ path: 'label.status', message: 'a timeline report counts complete and partial entries itself (completeMessages, partialMessages)' }],
    });
  }
  const id = q.conversationId ?? q.id;
  return {
    ...(q.timeline === undefined ? {} : { timeline: q.timeline }),
    ...(q.metric === undefined ? {} : { metric: q.metric }),
    ...(q.window === undefined ? {} : { window: q.window }),
    ...(q.under === undefined && q.percent === undefined ? {} : { objective: { ...(q.under === undefined ? {} : { under: q.under }), ...(q.percent === undefined ? {} : { percent: q.percent }) } }),
    ...(id === undefined ? {} : { id }),
    ...(q.organizationId === undefined ? {} : { organizationId: q.organizationId }),
    ...(q.limit === undefined ? {} : { limit: q.limit }),
    ...(q.unit === undefined ? {} : { unit: q.unit }),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
  };
}

async function analysis({ monitor, url }: RouteContext): Promise<Response> {
  const report = (monitor as Monitor & SlaCapable).slaReport;
  if (typeof report !== 'function') throw new HttpError(404, 'NOT_FOUND', 'this monitor has no SLA analysis');
  const data = await report.call(monitor, queryOf(url));
  // Seed 004's envelope: systemInfo inside data, as the seed shows it, and beside it, as its dashboards read it.
  return json(200, { success: true, data, systemInfo: data.systemInfo });
}

/** Seed 004's performance analysis: `GET /sla`, and `GET /performance-analysis` under the seed's own name. */
export const slaRoutes: readonly Route[] = [
  { method: 'GET', path: '/sla', access: 'read', handle: analysis },
  { method: 'GET', path: '/performance-analysis', access: 'read', handle: analysis },
];
