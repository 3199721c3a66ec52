import { z } from 'zod';
import { isLimitError, isValidationError, ValidationError } from '../../core/errors.js';
import type { PerformanceReportQuery } from '../../reports/options.js';
import { HttpError } from './errors.js';
import { parseQuery } from './query.js';
import { labelsOf } from './query.js';
import { json } from './responses.js';
import type { Route, RouteContext } from './router.js';

/** An instant as a query parameter: digits are ms since the epoch, anything else an ISO 8601 date (the report checks it). */
const instant = z
  .string()
  .min(1)
  .max(40)
  .transform((v) => (/^\d+$/.test(v) ? Number(v) : v));
const number = z.string().regex(/^\d+(\.\d+)?$/, 'must be a non-negative number').transform(Number);

/** Seed 003's query parameters and the report's own. */
const reportQuery = z.object({
  period: z.string().max(20).optional(),
  from: instant.optional(),
  to: instant.optional(),
  start: instant.optional(),
  end: instant.optional(),
  startDate: instant.optional(),
  endDate: instant.optional(),
  organizationId: z.string().min(1).max(256).optional(),
  stableBand: number.optional(),
});

/** The first of the alias parameters given; a 400 naming the second when two are. */
function oneOf<K extends string>(q: Partial<Record<K, string | number>>, names: readonly K[]): { value: string | number | undefined; name: K } {
  const given = names.filter((n) => q[n] !== undefined);
  if (given.length > 1) {
    throw new HttpError(400, 'VALIDATION_FAILED', `give one of ${names.join(', ')}`, { issues: [{ path: given[1]!, message: `conflicts with ${given[0]}` }] });
  }
  return { value: given.length === 1 ? q[given[0]!] : undefined, name: given[0] ?? names[0]! };
}

/** `?metrics=a,b`, `?metrics=a&metrics=b`, or seed 003's `?types=a,b`; undefined when absent. */
function metricsOf(url: URL): string[] | undefined {
  const all = [...url.searchParams.getAll('metrics'), ...url.searchParams.getAll('types')].flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return all.length === 0 ? undefined : all;
}

/** The report's query from a request's parameters, and the parameter each range field came from. */
function queryOf(url: URL): { query: PerformanceReportQuery; names: Record<string, string> } {
  const q = parseQuery(reportQuery, url);
  const from = oneOf(q, ['from', 'start', 'startDate']);
  const to = oneOf(q, ['to', 'end', 'endDate']);
  // `label.<name>=<value>` narrows to series with that label, as on /metrics/aggregate.
  // Shared with /metrics/series: prototype-free, a 400 for a name given twice, `__proto__` or too many.
  const labels = labelsOf(url) ?? {};
  const metrics = metricsOf(url);
  const query = {
    ...(q.period === undefined ? {} : { period: q.period }),
    ...(from.value === undefined ? {} : { from: from.value }),
    ...(to.value === undefined ? {} : { to: to.value }),
    ...(metrics === undefined ? {} : { metrics }),
    ...(Object.keys(labels).length > 0 ? { labels } : {}),
    ...(q.organizationId === undefined ? {} : { organizationId: q.organizationId }),
    ...(q.stableBand === undefined ? {} : { stableBand: q.stableBand }),
  } as PerformanceReportQuery;
  return { query, names: { from: from.name, to: to.name } };
}

async function performance({ monitor, url }: RouteContext): Promise<Response> {
  const { query, names } = queryOf(url);
  try {
    return json(200, await monitor.generatePerformanceReport(query));
  } catch (error) {
    // Too many reports at once for this monitor: refused, the client retries (the size limit stays a 400).
    if (isLimitError(error) && error.limit === 'report.maxConcurrent') {
      throw new HttpError(429, 'LIMIT_EXCEEDED', error.message, { headers: { 'retry-after': '1' } });
    }
    if (!isValidationError(error)) throw error;
    // Issues name the parameter the client sent (`startDate`, `label.x`), not the report's field.
    const issues = error.issues.map((i) => ({ ...i, path: parameterOf(i.path, names) }));
    throw new ValidationError(error.message, issues);
  }
}

function parameterOf(path: string, names: Record<string, string>): string {
  if (path === 'from' || path === 'to') return names[path]!;
  if (path.startsWith('labels.')) return `label.${path.slice(7)}`;
  if (path.startsWith('metrics')) return 'metrics';
  return path;
}

/** Seed 003's `GET /reports/performance` (docs/reports.md). */
export const reportRoutes: readonly Route[] = [{ method: 'GET', path: '/reports/performance', access: 'read', handle: performance }];
