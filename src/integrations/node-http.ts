import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Monitor } from '../monitor.js';
import { parseOptions } from '../core/options.js';

/** Options of {@link httpMetrics}. */
export const httpMetricsOptionsSchema = z.object({
  /**
   * Route label of a request. Default: the path with numeric, UUID and long hex segments
   * replaced by `:id`, so `/users/123` and `/users/456` are one series.
   */
  route: z.custom<(req: IncomingMessage) => string>((v) => typeof v === 'function').optional(),
  /** Histogram bucket bounds in seconds (default: Prometheus' client defaults). */
  buckets: z.array(z.number()).optional(),
});

/** Options accepted by {@link httpMetrics}. */
export type HttpMetricsOptions = z.input<typeof httpMetricsOptionsSchema>;

/** Records one request when its response finishes. */
export type HttpMetricsHook = (req: IncomingMessage, res: ServerResponse) => void;

const ID_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,})$/i;

/** The default route label: the URL path with id-like segments replaced by `:id`. */
export function templateRoute(url: string | undefined): string {
  const path = (url ?? '/').split('?')[0]!.split('#')[0]!;
  return path
    .split('/')
    .map((segment) => (ID_SEGMENT.test(segment) ? ':id' : segment))
    .join('/') || '/';
}

/**
 * Returns a hook for a node:http server: call it first in the request listener and it records
 * `http_requests_total` and `http_request_duration_seconds` by method, route and status when
 * the response finishes (or the connection closes first, as status `0`).
 */
export function httpMetrics(monitor: Monitor, options: HttpMetricsOptions = {}): HttpMetricsHook {
  const o = parseOptions(httpMetricsOptionsSchema, options, 'httpMetrics');
  const route = o.route ?? ((req: IncomingMessage) => templateRoute(req.url));
  const requests = monitor.counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
  });
  const duration = monitor.histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route and status',
    labelNames: ['method', 'route', 'status'],
    unit: 'seconds',
    ...(o.buckets ? { buckets: o.buckets } : {}),
  });
  return (req, res) => {
    const start = monitor.clock.monotonic();
    let done = false;
    const record = (): void => {
      if (done) return;
      done = true;
      const labels = { method: req.method ?? 'GET', route: route(req), status: res.writableFinished ? String(res.statusCode) : '0' };
      requests.inc(labels);
      duration.observe((monitor.clock.monotonic() - start) / 1000, labels);
    };
    res.once('finish', record);
    res.once('close', record);
  };
}
