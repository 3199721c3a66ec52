import { z } from 'zod';
import { parseOptions } from '../../core/options.js';
import type { Monitor } from '../../monitor.js';
import { createMonitoringHandler } from '../http/handler.js';
import { monitoringHandlerOptionsSchema } from '../http/options.js';

/** Where {@link createMonitoringRoute} expects its file: `app/api/monitoring/[...path]/route.ts`. */
export const MONITORING_ROUTE_BASE_PATH = '/api/monitoring';

const handlerBasePath = monitoringHandlerOptionsSchema.shape.basePath as unknown as z.ZodType<string, string>;

/**
 * Options of {@link createMonitoringRoute}: the monitoring handler's options, with `basePath`
 * defaulting to {@link MONITORING_ROUTE_BASE_PATH} instead of the root.
 */
export const monitoringRouteOptionsSchema = monitoringHandlerOptionsSchema.extend({
  /**
   * The URL path of the route file's folder, without the catch-all segment (default
   * `'/api/monitoring'`). Set it when the file lives elsewhere, e.g. `'/internal/monitoring'`
   * for `app/internal/monitoring/[...path]/route.ts`.
   */
  // Piped into the handler's own basePath schema so its rules (leading "/", trailing "/"
  // trimmed) live in one place. The cast only narrows that schema's input to what the pipe
  // hands it: a string, never undefined.
  basePath: z.string().default(MONITORING_ROUTE_BASE_PATH).pipe(handlerBasePath),
});

/** Options accepted by {@link createMonitoringRoute}. */
export type MonitoringRouteOptions = z.input<typeof monitoringRouteOptionsSchema>;

/** A route handler of the monitoring API: takes the request, answers it. */
export type MonitoringRouteHandler = (request: Request) => Promise<Response>;

/** The exports of a monitoring route file. */
export interface MonitoringRoute {
  GET: MonitoringRouteHandler;
  POST: MonitoringRouteHandler;
  PUT: MonitoringRouteHandler;
  DELETE: MonitoringRouteHandler;
}

/**
 * The monitoring HTTP API (health, metrics, alert rules and alerts; see docs/http.md) as the
 * exports of a Next.js App Router catch-all route file. All four methods share one handler, so
 * which method answers a path (and 405 for the others) is decided in one place.
 *
 * @param monitor The monitor to expose.
 * @param options The monitoring handler's options (`auth`, `publicRoutes`, ...); `basePath`
 *   defaults to `'/api/monitoring'`, where the file usually sits.
 * @throws {ConfigError} If an option is invalid.
 *
 * @example
 * ```ts
 * // app/api/monitoring/[...path]/route.ts
 * import { createMonitoringRoute } from 'pulsewatch/next';
 * import { monitor } from '@/lib/monitor';
 *
 * export const { GET, POST, PUT, DELETE } = createMonitoringRoute(monitor, { auth: process.env.MONITORING_TOKEN });
 * ```
 */
export function createMonitoringRoute(monitor: Monitor, options: MonitoringRouteOptions = {}): MonitoringRoute {
  // `values: false`: `auth` may hold a token, which must not end up in an error message or a log.
  const o = parseOptions(monitoringRouteOptionsSchema, options, 'createMonitoringRoute', { values: false });
  const handle = createMonitoringHandler(monitor, o);
  // Own functions (not `handle` four times): Next calls them with a second `context` argument
  // the handler has no use for, and each export should show its method in a stack trace.
  return {
    GET: (request) => handle(request),
    POST: (request) => handle(request),
    PUT: (request) => handle(request),
    DELETE: (request) => handle(request),
  };
}
