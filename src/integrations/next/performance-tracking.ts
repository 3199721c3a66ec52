import { z } from 'zod';
import { isPromiseLike, noop } from '../../core/promise.js';
import { ConfigError } from '../../core/errors.js';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { RequestMetrics, requestMetricsOptionsSchema } from '../request-metrics.js';
import { templateRoute } from '../route-template.js';

/**
 * Options of {@link withPerformanceTracking}: the monitor, the route label, and the options
 * every HTTP integration shares (`statusLabel`, `buckets`, `inFlight`).
 */
export const nextPerformanceTrackingOptionsSchema = requestMetricsOptionsSchema
  .extend({
    /** The monitor that records the requests (required). */
    // Duck-typed rather than `instanceof Monitor`: that fails when the app ends up with two
    // copies of pulsewatch (one bundled into a server chunk, one external).
    monitor: z.custom<Monitor>(
      (v) => typeof v === 'object' && v !== null && typeof (v as Monitor).counter === 'function' && typeof (v as Monitor).histogram === 'function',
      'must be a Monitor (from createMonitor())',
    ),
    /**
     * The `route` label, normally the file's route template, e.g. `'/api/users/[id]'`. Default:
     * the request's path with id-like segments (numbers, UUIDs, long hex) replaced by `:id`.
     */
    route: z.string().min(1, 'must not be empty').optional(),
  })
  .strict();

/** Options accepted by {@link withPerformanceTracking}. */
export type NextPerformanceTrackingOptions = z.input<typeof nextPerformanceTrackingOptionsSchema>;

/**
 * The shape of an App Router route handler, sync or async. `never` parameters let any handler
 * fit, whatever request type (`Request`, `NextRequest`) and context it declares.
 */
export type RouteHandler = (request: never, context: never) => Response | Promise<Response>;

/**
 * Wraps an App Router route handler (`export const GET = withPerformanceTracking(...)`) so each
 * call records `http_requests_total` and `http_request_duration_seconds` by method, route and
 * status, and keeps `http_requests_in_flight`.
 *
 * The status is the returned `Response`'s. A thrown error is recorded as 500 and rethrown
 * unchanged, except Next's own control-flow errors: `redirect()` records its redirect status
 * and `notFound()`, `forbidden()`, `unauthorized()` their 404, 403 and 401, as Next answers
 * them. The duration ends when the handler returns its `Response`, before a streamed body is
 * sent. Recording never throws into the request.
 *
 * The returned function has the handler's own type (request, context and return type), and
 * stays synchronous if the handler is.
 *
 * @param handler The route handler to wrap.
 * @param options The monitor and, usually, the route template as `route`.
 * @throws {ConfigError} At wrap time, if `handler` is not a function or an option is invalid.
 *
 * @example
 * ```ts
 * // app/api/users/[id]/route.ts
 * export const GET = withPerformanceTracking(
 *   async (request: Request, { params }: { params: Promise<{ id: string }> }) => Response.json({ id: (await params).id }),
 *   { monitor, route: '/api/users/[id]' },
 * );
 * ```
 */
export function withPerformanceTracking<H extends RouteHandler>(handler: H, options: NextPerformanceTrackingOptions): H {
  if (typeof handler !== 'function') {
    throw new ConfigError(`withPerformanceTracking: the handler must be a function, got ${handler === null ? 'null' : typeof handler}`);
  }
  const o = parseOptions(nextPerformanceTrackingOptionsSchema, options, 'withPerformanceTracking');
  const metrics = new RequestMetrics(o.monitor, o);
  const fixedRoute = o.route;

  const wrapped = function (this: unknown, ...args: unknown[]): unknown {
    const request = args[0] as Request | undefined;
    const record = begin(metrics, request, fixedRoute);
    let result: unknown;
    try {
      result = (handler as unknown as (...a: unknown[]) => unknown).apply(this, args);
    } catch (error) {
      record(statusOfError(error));
      throw error;
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (response) => {
          record(statusOfResponse(response));
          return response;
        },
        (error: unknown) => {
          record(statusOfError(error));
          throw error;
        },
      );
    }
    record(statusOfResponse(result));
    return result;
  };
  return wrapped as unknown as H;
}

/**
 * Starts tracking one request; returns the function that ends it. Neither ever throws: a
 * monitor in `strict` mode throws on a bad recording, which must not fail the user's request.
 */
function begin(metrics: RequestMetrics, request: Request | undefined, fixedRoute: string | undefined): (status: number) => void {
  let start: number;
  try {
    start = metrics.start();
  } catch {
    return noop;
  }
  return (status) => {
    try {
      const method = typeof request?.method === 'string' ? request.method : 'GET';
      metrics.end(start, method, fixedRoute ?? routeOf(request), status);
    } catch {
      // Swallowed on purpose (see above); a non-strict monitor has already emitted `error`.
    }
  };
}

function routeOf(request: Request | undefined): string {
  const url = request?.url;
  if (typeof url !== 'string') return templateRoute('/');
  try {
    return templateRoute(new URL(url).pathname);
  } catch {
    // Not absolute (a hand-built request in a test): it is a path already.
    return templateRoute(url);
  }
}

function statusOfResponse(response: unknown): number {
  const status = (response as { status?: unknown } | null | undefined)?.status;
  // Next answers 500 when a handler returns something other than a Response.
  return typeof status === 'number' ? status : 500;
}

/**
 * The status Next answers for an error thrown by a route handler. `redirect()`, `notFound()`,
 * `forbidden()` and `unauthorized()` throw errors whose `digest` carries the status
 * (`NEXT_REDIRECT;replace;/to;307;`, `NEXT_HTTP_ERROR_FALLBACK;404`); anything else is a 500.
 */
function statusOfError(error: unknown): number {
  const digest = (error as { digest?: unknown } | null | undefined)?.digest;
  if (typeof digest !== 'string') return 500;
  const parts = digest.split(';');
  if (parts[0] === 'NEXT_REDIRECT') return httpStatus(parts.at(-2)) ?? 500;
  if (parts[0] === 'NEXT_HTTP_ERROR_FALLBACK') return httpStatus(parts[1]) ?? 500;
  return 500;
}

function httpStatus(text: string | undefined): number | undefined {
  const n = Number(text);
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}
