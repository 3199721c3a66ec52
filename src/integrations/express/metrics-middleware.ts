import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { NodeRequestTracker } from '../node-requests.js';
import { RequestMetrics, routeLabel, requestMetricsOptionsSchema } from '../request-metrics.js';
import { RouteLabels } from './route-label.js';

const isFunction = (v: unknown): boolean => typeof v === 'function';

/** Options of {@link metricsMiddleware}: those of every HTTP integration, plus route naming and skipping. */
export const metricsMiddlewareOptionsSchema = requestMetricsOptionsSchema
  .extend({
    /**
     * Route label of a request, called when its response finishes; return `undefined` to keep
     * the default (`req.baseUrl + req.route.path`, or `'unmatched'`). Must return a template,
     * never the raw URL, or every distinct URL becomes a series.
     */
    route: z.custom<(req: Request) => string | undefined>(isFunction, 'must be a function (req) => string | undefined').optional(),
    /** Requests for which it returns true are not recorded at all, e.g. `(req) => req.path === '/metrics'`. */
    ignore: z.custom<(req: Request) => boolean>(isFunction, 'must be a function (req) => boolean').optional(),
  })
  .strict();

/** Options accepted by {@link metricsMiddleware}. */
export type MetricsMiddlewareOptions = z.input<typeof metricsMiddlewareOptionsSchema>;

/**
 * Express middleware recording `http_requests_total` and `http_request_duration_seconds` by
 * `method`, `route` and `status`, and the `http_requests_in_flight` gauge. Mount it first
 * (`app.use(metricsMiddleware(monitor))`) so it sees every request.
 *
 * The route label is the template that matched (`/users/:id`, `/api/users/:id` under a router
 * mounted at `/api`), read when the response finishes; requests no route matched are one series,
 * `'unmatched'`. The status is the one sent, or `0` when the connection closed first. Works
 * with Express 4 and 5; nothing from `express` is loaded at runtime.
 *
 * Recording never throws into the app: errors from a `route` or `ignore` function or from a
 * `strict` monitor are swallowed (a throwing `route` falls back to the default label, a
 * throwing `ignore` leaves the request unrecorded). Errors of the app itself pass untouched.
 *
 * @param monitor - The monitor the metrics belong to.
 * @param options - See {@link metricsMiddlewareOptionsSchema}.
 * @throws {ConfigError} naming the option when `options` is invalid, when `monitor` is not one,
 *   or when the monitor already has these metrics with other `buckets`.
 *
 * @example
 * ```ts
 * const app = express();
 * app.use(metricsMiddleware(monitor, { ignore: (req) => req.path === '/metrics' }));
 * app.get('/users/:id', (req, res) => res.json({ id: req.params.id }));
 * ```
 */
export function metricsMiddleware(monitor: Monitor, options: MetricsMiddlewareOptions = {}): RequestHandler {
  if (typeof (monitor as Partial<Monitor> | null | undefined)?.counter !== 'function') {
    throw new ConfigError(`metricsMiddleware: monitor must be a Monitor from createMonitor(), got ${monitor === null ? 'null' : typeof monitor}`);
  }
  const o = parseOptions(metricsMiddlewareOptionsSchema, options, 'metricsMiddleware');
  const metrics = new RequestMetrics(monitor, o);
  const labels = new RouteLabels(metrics);
  const ignore = o.ignore;
  // Read when the response finishes (or its connection closes), after routing has run.
  const label = routeLabel(metrics, o.route, (req: Request) => labels.of(req));
  const tracker = new NodeRequestTracker(metrics, label, monitor);

  return function pulsewatchMetrics(req: Request, res: Response, next: NextFunction): void {
    try {
      if (ignore === undefined || !ignore(req)) tracker.track(req, res, req.method);
    } catch {
      // A throwing `ignore` skips the request rather than failing it.
    }
    // Outside the try: errors from the rest of the app are Express's to handle, not ours to hide.
    next();
  };
}
