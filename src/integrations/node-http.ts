import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import type { Monitor } from '../monitor.js';
import { parseOptions } from '../core/options.js';
import { NodeRequestTracker } from './node-requests.js';
import { RequestMetrics, routeLabel, requestMetricsOptionsSchema } from './request-metrics.js';
import { templateRoute } from './route-template.js';

// Lives in route-template.ts so edge-safe integrations (pulsewatch/next) can use it; still
// exported from here for pulsewatch/node.
export { templateRoute };

/** Options of {@link httpMetrics}: those of every HTTP integration, plus how routes are named. */
export const httpMetricsOptionsSchema = requestMetricsOptionsSchema.extend({
  /**
   * Route label of a request; `undefined` falls back to the default. Default: the path with
   * numeric, UUID and long hex segments replaced by `:id`, so `/users/123` and `/users/456`
   * are one series.
   */
  route: z.custom<(req: IncomingMessage) => string | undefined>((v) => typeof v === 'function', 'must be a function').optional(),
});

/** Options accepted by {@link httpMetrics}. */
export type HttpMetricsOptions = z.input<typeof httpMetricsOptionsSchema>;

/** Records one request when its response finishes. */
export type HttpMetricsHook = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Returns a hook for a node:http server: call it first in the request listener and it records
 * `http_requests_total` and `http_request_duration_seconds` by method, route and status when
 * the response finishes (or the connection closes first, as status `0`), and keeps
 * `http_requests_in_flight`. The hook never throws into the server.
 * @throws {ConfigError} naming the option when `options` is invalid.
 */
export function httpMetrics(monitor: Monitor, options: HttpMetricsOptions = {}): HttpMetricsHook {
  const o = parseOptions(httpMetricsOptionsSchema, options, 'httpMetrics');
  const metrics = new RequestMetrics(monitor, o);
  const label = routeLabel(metrics, o.route, (req: IncomingMessage) => metrics.routeOf(templateRoute(req.url)));
  const tracker = new NodeRequestTracker(metrics, label, monitor);
  return (req, res) => {
    try {
      tracker.track(req, res, req.method ?? 'GET');
    } catch {
      // Only a strict monitor throws here; the request is served whatever happens to its metrics.
    }
  };
}
