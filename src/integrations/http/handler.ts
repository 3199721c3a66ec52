import type { Monitor } from '../../monitor.js';
import { parseOptions } from '../../core/options.js';
import { alertRoutes } from './alert-routes.js';
import { bearerAuthorizer } from './auth.js';
import { HttpError } from './errors.js';
import { healthRoutes } from './health-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { monitoringHandlerOptionsSchema, type Authorizer, type MonitoringHandlerOptions, type ResolvedMonitoringHandlerOptions } from './options.js';
import { errorResponse, notFound } from './responses.js';
import { Router, type RouteAccess, type RouteMatch } from './router.js';

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
  /**
   * Matches and authorizes `request` without touching its body: a refusal (404 is undefined,
   * 405, 401, 403), or `true` to go on. Lets an adapter read a body only for an admitted request.
   */
  admit(request: Request): Promise<Response | undefined | true>;
  /** Answers `request`; `admitted` skips the checks {@link admit} already made. */
  handle(request: Request, admitted?: boolean): Promise<Response | undefined>;
}

const router = new Router([...healthRoutes, ...metricsRoutes, ...alertRoutes]);

/** Host of an Origin header value, or undefined for `null` and junk. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/**
 * @internal Builds the route table behind {@link createMonitoringHandler} and the framework
 * adapters; `what` names the caller in option errors.
 */
export function createMonitoringRoutes(monitor: Monitor, input: MonitoringHandlerOptions = {}, what = 'monitoring handler options'): MonitoringRoutes {
  const options = parseOptions(monitoringHandlerOptionsSchema, input, what, { values: false });
  const authorize: Authorizer | undefined = typeof options.auth === 'string' ? bearerAuthorizer(options.auth) : options.auth;
  const report = (error: unknown): void => monitor.reportError(error);
  const trustedOrigins = new Set(options.allowedOrigins.map((o) => originHost(o)).filter((h): h is string => h !== undefined));

  /**
   * Browsers send a cross-site POST without asking first when it looks like a form, with the
   * victim's cookies. Such a request carries Origin (and Sec-Fetch-Site); servers, scripts and
   * curl send neither. So a write from another origin is refused unless that origin is allowed.
   */
  function sameOrigin(request: Request): void {
    const site = request.headers.get('sec-fetch-site');
    const origin = request.headers.get('origin');
    const from = origin === null ? undefined : originHost(origin);
    if (from !== undefined && trustedOrigins.has(from)) return;
    const host = request.headers.get('host') ?? new URL(request.url).host;
    if (site === 'cross-site' || site === 'same-site' || (origin !== null && from !== host)) {
      throw new HttpError(403, 'FORBIDDEN', 'cross-origin writes are refused; list the origin in allowedOrigins to permit it');
    }
  }

  async function allowed(access: RouteAccess, request: Request): Promise<void> {
    if (access === 'write') sameOrigin(request);
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

  function matchOf(request: Request): { url: URL; match: RouteMatch } | undefined {
    const url = new URL(request.url);
    const path = relative(url.pathname);
    if (path === undefined) return undefined;
    const match = router.match(request.method === 'HEAD' ? 'GET' : request.method, path);
    return match === undefined ? undefined : { url, match };
  }

  async function answer(request: Request, admitted: boolean): Promise<Response | undefined> {
    try {
      const found = matchOf(request);
      if (found === undefined) return undefined;
      const { url, match } = found;
      if (!admitted) await allowed(typeof match.route.access === 'function' ? match.route.access(url) : match.route.access, request);
      return await match.route.handle({ monitor, request, url, params: match.params, options });
    } catch (error) {
      return errorResponse(error, report);
    }
  }

  return {
    options,
    owns(pathname) {
      const path = relative(pathname);
      return path !== undefined && router.has(path);
    },
    async admit(request) {
      try {
        const found = matchOf(request);
        if (found === undefined) return undefined;
        const { url, match } = found;
        await allowed(typeof match.route.access === 'function' ? match.route.access(url) : match.route.access, request);
        return true;
      } catch (error) {
        return headAware(request, errorResponse(error, report));
      }
    },
    async handle(request, admitted = false) {
      const response = await answer(request, admitted);
      return response === undefined ? undefined : headAware(request, response);
    },
  };
}

/** `response`, without its body when answering HEAD: RFC 9110 forbids content there, errors included. */
export function headAware(request: Request, response: Response): Response {
  return request.method !== 'HEAD' || response.body === null ? response : new Response(null, { status: response.status, headers: response.headers });
}

/**
 * Serves pulsewatch's monitoring API: `GET /health[/:check]`, `GET|POST /metrics`,
 * `GET /metrics/aggregate` and the alert routes, under `basePath`. Returns a Web
 * `(Request) => Promise<Response>`; never rejects. Write routes answer 403 until `auth` is set.
 */
export function createMonitoringHandler(monitor: Monitor, options: MonitoringHandlerOptions = {}): MonitoringHandler {
  const routes = createMonitoringRoutes(monitor, options);
  return async (request) => (await routes.handle(request)) ?? headAware(request, notFound(new URL(request.url).pathname));
}
