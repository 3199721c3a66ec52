import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE, type ExpositionFormat } from '../metrics/exposition/format.js';
import type { AttachedWorkers } from './attached-workers.js';

/** A node:http listener; with `next` (Express, Connect) a request it does not serve is handed on. */
export type ClusterMetricsHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** Options of {@link clusterMetricsHandler}. */
export interface ClusterMetricsHandlerOptions {
  /** The path served (default `/metrics`). */
  path?: string;
}

/**
 * `GET /metrics` for the primary of a cluster: one scrape of every worker, merged (see
 * {@link AttachedWorkers.exportPrometheusMetrics}). OpenMetrics when `?format=openmetrics` or
 * when the Accept header asks for it (as Prometheus does), else the text format 0.0.4;
 * `?name=a,b` keeps only those metrics. Other paths get 404 (or `next()`), other methods 405.
 */
export function clusterMetricsHandler(workers: Pick<AttachedWorkers, 'exportPrometheusMetrics'>, options: ClusterMetricsHandlerOptions = {}): ClusterMetricsHandler {
  const path = options.path ?? '/metrics';
  return (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== path) {
      if (next !== undefined) next();
      else answer(res, 404, 'not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      answer(res, 405, 'method not allowed\n');
      return;
    }
    const asked = url.searchParams.get('format');
    if (asked !== null && asked !== 'prometheus' && asked !== 'openmetrics') {
      answer(res, 400, 'format must be "prometheus" or "openmetrics"\n');
      return;
    }
    const format: ExpositionFormat = asked ?? (/application\/openmetrics-text/i.test(req.headers.accept ?? '') ? 'openmetrics' : 'prometheus');
    const names = url.searchParams.getAll('name').flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    workers.exportPrometheusMetrics({ format, ...(names.length === 0 ? {} : { names }) }).then(
      (text) => answer(res, 200, req.method === 'HEAD' ? '' : text, format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : PROMETHEUS_CONTENT_TYPE),
      () => answer(res, 500, 'the metrics could not be exported\n'),
    );
  };
}

function answer(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.end(body);
}
