import { z } from 'zod';
import type { AggregateQuery } from '../../metrics/aggregate.js';
import type { MetricRecordInput } from '../../metrics/record-metric.js';
import { isLimitError } from '../../core/errors.js';
import { readJsonBody } from './body.js';
import { HttpError } from './errors.js';
import type { MonitoringHost } from './host.js';
import { METRICS_CONTENT_TYPES, negotiateMetricsFormat } from './negotiate.js';
import { parseQuery } from './query.js';
import { json, text } from './responses.js';
import type { Route } from './router.js';
import { durationParam, instantParam, labelsOf } from './query.js';

/** `?name=a&name=b` or `?name=a,b`: undefined when absent. */
function names(url: URL): string[] | undefined {
  const all = url.searchParams.getAll('name').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return all.length === 0 ? undefined : all;
}

const snapshotQuery = z.object({ jobId: z.string().min(1).max(200).optional(), organizationId: z.string().min(1).max(200).optional() });
/** `window` (ms or `'5m'`), or `from`/`to` (epoch ms or ISO 8601): the monitor checks them and names the field. */
const aggregateQuery = z.object({ name: z.string().min(1).max(200), window: durationParam.optional(), from: instantParam.optional(), to: instantParam.optional() });

/**
 * Records a body of one record or a list of them through `monitor.recordMetrics`, which checks
 * every record before recording any: a 400 means nothing was taken and a client can fix and
 * resend the whole body. Every issue is counted; the first `limits.maxIssues` are listed (1,000
 * bad records must not make a megabyte of error body).
 */
function recordBody(monitor: MonitoringHost, body: unknown, max: number): number {
  const list = Array.isArray(body) ? body : [body];
  if (body === undefined || body === null || typeof body !== 'object' || list.length === 0) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'body must be a metric record or a non-empty array of them', { issues: [{ path: '', message: 'expected a metric record or an array of them' }] });
  }
  if (list.length > max) {
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `at most ${max} records per request, got ${list.length}`);
  }
  const result = monitor.recordMetrics(list as MetricRecordInput[]);
  if (result.issues.length === 0) return result.accepted;
  const issues = result.issues.map((i) => ({ path: [Array.isArray(body) ? `${i.index}` : '', i.path].filter(Boolean).join('.'), message: i.message }));
  const found = issues.length + result.truncatedIssues;
  // The message names the first few; `issues` lists up to the limit and counts the rest.
  const shown = issues.slice(0, 3).map((i) => clip(`${i.path || 'record'}: ${i.message}`, 100));
  const summary = found > shown.length ? `${shown.join('; ')}; and ${found - shown.length} more` : shown.join('; ');
  throw new HttpError(400, 'VALIDATION_FAILED', `invalid metric record: ${summary}`, { issues, truncatedIssues: result.truncatedIssues });
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/** Seed 000's GET /metrics, seed 003's POST /metrics, and seed 004's windowed summary (over `window` or `from`/`to`). */
export const metricsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    access: 'metrics',
    async handle({ monitor, url, request }) {
      const format = negotiateMetricsFormat(url.searchParams.get('format'), request.headers.get('accept'));
      // At most 32 (as the snapshot bounds them): labelsOf answers 400 naming `label` past them,
      // before the query is copied whole.
      const labels = labelsOf(url);
      const { jobId, organizationId } = parseQuery(snapshotQuery, url);
      const only = names(url);
      if (format === 'json') {
        try {
          return json(200, await monitor.snapshot({ ...(jobId === undefined ? {} : { jobId }), ...(only === undefined ? {} : { names: only }), ...(labels === undefined ? {} : { labels }), ...(organizationId === undefined ? {} : { organizationId }) }));
        } catch (error) {
          // Too many snapshots with other filters already wait (snapshot.maxQueued): busy, not a bad request.
          if (isLimitError(error) && error.limit === 'snapshot.maxQueued') throw new HttpError(429, 'LIMIT_EXCEEDED', error.message, { headers: { 'retry-after': '1' } });
          throw error;
        }
      }
      // The exposition is every series of this process (a scrape): a tenant filter there would be silently ignored, so it is refused.
      const tenant = organizationId !== undefined ? 'organizationId' : labels !== undefined ? 'label' : undefined;
      if (tenant !== undefined) throw new HttpError(400, 'VALIDATION_FAILED', `${tenant} filters the JSON snapshot only (format=json); the exposition has every series`, { issues: [{ path: tenant, message: 'only with format=json' }] });
      // A cluster primary's scrape merges its workers' metrics.
      return text(200, await monitor.scrape({ format, ...(only === undefined ? {} : { names: only }) }), METRICS_CONTENT_TYPES[format]);
    },
  },
  {
    method: 'POST',
    path: '/metrics',
    access: 'write',
    async handle({ monitor, request, options }) {
      const accepted = recordBody(monitor, await readJsonBody(request, options.maxBodyBytes), options.maxRecords);
      return json(202, { accepted });
    },
  },
  {
    method: 'GET',
    path: '/metrics/aggregate',
    access: 'metrics',
    async handle({ monitor, url }) {
      // `label.<name>=<value>` narrows to series with that label (first: a flood is refused before the query is copied).
      const labels = labelsOf(url);
      const { name, window, from, to } = parseQuery(aggregateQuery, url);
      const result = await monitor.getAggregatedMetrics({
        name,
        ...(window === undefined ? {} : { window: window as AggregateQuery['window'] }),
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        ...(labels === undefined ? {} : { labels }),
      });
      return json(200, result);
    },
  },
];
