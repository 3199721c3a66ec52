import { z } from 'zod';
import type { Monitor } from '../../monitor.js';
import { isValidationError, type ValidationIssue } from '../../core/errors.js';
import { parseMetricRecord, type MetricRecord } from '../../metrics/record-metric.js';
import { readJsonBody } from './body.js';
import { HttpError } from './errors.js';
import { METRICS_CONTENT_TYPES, negotiateMetricsFormat } from './negotiate.js';
import { parseQuery } from './query.js';
import { json, text } from './responses.js';
import type { Route } from './router.js';

/** `?name=a&name=b` or `?name=a,b`: undefined when absent. */
function names(url: URL): string[] | undefined {
  const all = url.searchParams.getAll('name').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  return all.length === 0 ? undefined : all;
}

const snapshotQuery = z.object({ jobId: z.string().min(1).max(200).optional() });
const aggregateQuery = z.object({ name: z.string().min(1).max(200), window: z.string().min(1).max(20).optional() });

/**
 * Validates every record before recording any, so a 400 means nothing was taken and a client
 * can fix and resend the whole body. Every issue is counted; the first `limits.maxIssues` are
 * listed (1,000 bad records must not make a megabyte of error body).
 */
function parseRecords(monitor: Monitor, body: unknown, max: number): MetricRecord[] {
  const list = Array.isArray(body) ? body : [body];
  if (body === undefined || body === null || typeof body !== 'object' || list.length === 0) {
    throw new HttpError(400, 'VALIDATION_FAILED', 'body must be a metric record or a non-empty array of them', { issues: [{ path: '', message: 'expected a metric record or an array of them' }] });
  }
  if (list.length > max) {
    throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `at most ${max} records per request, got ${list.length}`);
  }
  const limit = monitor.options.limits.maxIssues;
  const issues: ValidationIssue[] = [];
  let found = 0;
  const units = new Map<string, string | undefined>();
  const records: MetricRecord[] = [];
  list.forEach((input, i) => {
    const prefix = Array.isArray(body) ? `${i}` : '';
    let recordIssues: readonly ValidationIssue[];
    try {
      const record = parseMetricRecord(input);
      records.push(record);
      // Checks what recording would refuse (unit, name taken, metric and time limits), with
      // the names and units earlier records of this batch would define.
      recordIssues = monitor.recordIssues(record, units);
    } catch (error) {
      if (!isValidationError(error)) throw error;
      recordIssues = error.issues;
    }
    for (const issue of recordIssues) {
      found++;
      if (issues.length < limit) issues.push({ path: [prefix, issue.path].filter(Boolean).join('.'), message: issue.message });
    }
  });
  if (found > 0) {
    // The message names the first few; `issues` lists up to the limit and counts the rest.
    const shown = issues.slice(0, 3).map((i) => clip(`${i.path || 'record'}: ${i.message}`, 100));
    const summary = found > shown.length ? `${shown.join('; ')}; and ${found - shown.length} more` : shown.join('; ');
    throw new HttpError(400, 'VALIDATION_FAILED', `invalid metric record: ${summary}`, { issues, truncatedIssues: found - issues.length });
  }
  return records;
}

function clip(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 3)}...` : text;
}

/**
 * Records a batch that passed {@link parseRecords}. Validation and recording run in one
 * synchronous stretch, so nothing can change what was checked in between. Should a record still
 * throw (a bug, a listener), the rest of the batch is recorded all the same and the failure is
 * reported on the monitor's `error` event: an exception must not leave half a batch behind a
 * 500 that invites a resend of what was already taken.
 */
function recordAll(monitor: Monitor, records: readonly MetricRecord[]): void {
  for (const record of records) {
    try {
      monitor.recordParsed(record);
    } catch (error) {
      monitor.reportError(error);
    }
  }
}

/** Seed 000's GET /metrics, seed 003's POST /metrics, and seed 004's windowed summary. */
export const metricsRoutes: readonly Route[] = [
  {
    method: 'GET',
    path: '/metrics',
    access: 'metrics',
    async handle({ monitor, url, request }) {
      const format = negotiateMetricsFormat(url.searchParams.get('format'), request.headers.get('accept'));
      const { jobId } = parseQuery(snapshotQuery, url);
      const only = names(url);
      if (format === 'json') {
        return json(200, await monitor.snapshot({ ...(jobId === undefined ? {} : { jobId }), ...(only === undefined ? {} : { names: only }) }));
      }
      return text(200, monitor.exportPrometheusMetrics({ format, ...(only === undefined ? {} : { names: only }) }), METRICS_CONTENT_TYPES[format]);
    },
  },
  {
    method: 'POST',
    path: '/metrics',
    access: 'write',
    async handle({ monitor, request, options }) {
      const records = parseRecords(monitor, await readJsonBody(request, options.maxBodyBytes), options.maxRecords);
      recordAll(monitor, records);
      return json(202, { accepted: records.length });
    },
  },
  {
    method: 'GET',
    path: '/metrics/aggregate',
    access: 'metrics',
    async handle({ monitor, url }) {
      const { name, window } = parseQuery(aggregateQuery, url);
      // `label.<name>=<value>` narrows to series with that label.
      const labels: Record<string, string> = {};
      for (const [key, value] of url.searchParams) if (key.startsWith('label.') && key.length > 6) labels[key.slice(6)] = value;
      const result = await monitor.getAggregatedMetrics({ name, ...(window === undefined ? {} : { window }), ...(Object.keys(labels).length > 0 ? { labels } : {}) });
      return json(200, result);
    },
  },
];
