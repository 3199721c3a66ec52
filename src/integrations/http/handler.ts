import type { Monitor } from '../../monitor.js';
import { parseOptions } from '../../core/options.js';
import { alertRoutes } from './alert-routes.js';
import { bearerAuthorizer } from './auth.js';
import { HttpError } from './errors.js';
import { healthRoutes } from './health-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { monitoringHandlerOptionsSchema, type Authorizer, type MonitoringHandlerOptions, type ResolvedMonitoringHandlerOptions } from './options.js';
import { errorResponse, json } from './responses.js';
import { Router, type RouteAccess } from './router.js';

/** A Web-standard request handler: Next.js route handlers, Hono, Bun, Deno, workers. */
export type MonitoringHandler = (request: Request) => Promise<Response>;

/**
 * The monitoring routes without the final 404: resolves undefined when no route has the
 * request's path, so a framework adapter can hand the request on (Express's `next()`).
 * @internal
 */
export interface MonitoringRoutes {
  readonly options: ResolvedMonitoringHandlerOptions;
  /** True when a route lives at `pathname` (any method): an adapter reads the body only then. */
  owns(pathname: string): boolean;
  handle(request: Request): Promise<Response | undefined>;
}

const router = new Router([...healthRoutes, ...metricsRoutes, ...alertRoutes]);

/** @internal Builds the route table behind {@link createMonitoringHandler} and the framework adapters. */
export function createMonitoringRoutes(monitor: Monitor, input: MonitoringHandlerOptions = {}): MonitoringRoutes {
  const options = parseOptions(monitoringHandlerOptionsSchema, input, 'monitoring handler options', { values: false });
  const authorize: Authorizer | undefined = typeof options.auth === 'string' ? bearerAuthorizer(options.auth) : options.auth;
  const report = (error: unknown): void => monitor.reportError(error);

  async function allowed(access: RouteAccess, request: Request): Promise<void> {
    if (access !== 'read' && access !== 'write' && options.publicRoutes.includes(access)) return;
    // 'health' is all of /health, the liveness group included.
    if (access === 'liveness' && options.publicRoutes.includes('health')) return;
    if (authorize === undefined) {
      if (access === 'write' && !options.allowUnauthenticatedWrites) {
        throw new HttpError(403, 'FORBIDDEN', 'write routes are disabled: set the auth option (or allowUnauthenticatedWrites: true) to enable them');
      }
      return;
    }
    let ok = false;
    try {
      ok = (await authorize(request)) === true;
    } catch (error) {
      // A broken authorizer denies: failing open would hand out write access.
      report(error);
    }
    if (!ok) throw new HttpError(401, 'UNAUTHORIZED', 'missing or invalid credentials', { headers: { 'www-authenticate': 'Bearer realm="pulsewatch"' } });
  }

  const base = options.basePath;
  const relative = (path: string): string | undefined => (base === '' ? path : path === base || path.startsWith(`${base}/`) ? path.slice(base.length) || '/' : undefined);

  return {
    options,
    owns(pathname) {
      const path = relative(pathname);
      return path !== undefined && router.has(path);
    },
    async handle(request) {
      const response = await answer(request);
      return response !== undefined && request.method === 'HEAD' ? withoutBody(response) : response;
    },
  };

  async function answer(request: Request): Promise<Response | undefined> {
      try {
        const url = new URL(request.url);
        const path = relative(url.pathname);
        if (path === undefined) return undefined;
        const match = router.match(request.method === 'HEAD' ? 'GET' : request.method, path);
        if (match === undefined) return undefined;
        const { route, params } = match;
        await allowed(typeof route.access === 'function' ? route.access(url) : route.access, request);
        return await route.handle({ monitor, request, url, params, options });
      } catch (error) {
        return errorResponse(error, report);
      }
  }
}

/** `response` without its body: RFC 9110 forbids content in an answer to HEAD, errors included. */
function withoutBody(response: Response): Response {
  return response.body === null ? response : new Response(null, { status: response.status, headers: response.headers });
}

/**
 * Serves pulsewatch's monitoring API: `GET /health[/:check]`, `GET|POST /metrics`,
 * `GET /metrics/aggregate` and the alert routes, under `basePath`. Returns a Web
 * `(Request) => Promise<Response>`; never rejects. Write routes answer 403 until `auth` is set.
 */
export function createMonitoringHandler(monitor: Monitor, options: MonitoringHandlerOptions = {}): MonitoringHandler {
  const routes = createMonitoringRoutes(monitor, options);
  return async (request) => {
    const response = (await routes.handle(request)) ?? json(404, { error: { code: 'NOT_FOUND', message: `no monitoring route at ${new URL(request.url).pathname.slice(0, 200)}` } });
    return request.method === 'HEAD' ? withoutBody(response) : response;
  };
}
