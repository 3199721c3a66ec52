import type { Monitor } from '../../monitor.js';
import { parseOptions } from '../../core/options.js';
import { alertRoutes } from './alert-routes.js';
import { bearerAuthorizer } from './auth.js';
import { dashboardFeatures, dashboardResponse, isDashboardPath } from './dashboard-routes.js';
import { HttpError } from './errors.js';
import type { MonitoringHost } from './host.js';
import { healthRoutes } from './health-routes.js';
import { jobRoutes } from './job-routes.js';
import { metricsRoutes } from './metrics-routes.js';
import { namesRoutes } from './names-routes.js';
import { monitoringHandlerOptionsSchema, type Authorizer, type MonitoringHandlerOptions, type ResolvedMonitoringHandlerOptions } from './options.js';
import { originCheck } from './origin.js';
import { errorResponse, notFound } from './responses.js';
import { Router, type RouteAccess, type RouteMatch } from './router.js';
import { reportRoutes } from './report-routes.js';
import { seriesRoutes } from './series-routes.js';
import { slaRoutes } from './sla-routes.js';

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
   * 405, 401, 403), or the admission to hand to {@link handle}. Lets an adapter read a body
   * only for an admitted request.
   */
  admit(request: Request): Promise<Response | undefined | Admission>;
  /** Answers `request`; an `admission` from {@link admit} skips the checks it already made. */
  handle(request: Request, admission?: Admission): Promise<Response | undefined>;
}

/** A request {@link MonitoringRoutes.admit} let through. */
export interface Admission {
  /** The caller passed `auth` (false on a public route, or when no `auth` is set). */
  readonly authenticated: boolean;
}

const router = new Router([...healthRoutes, ...metricsRoutes, ...alertRoutes, ...jobRoutes, ...slaRoutes, ...seriesRoutes, ...namesRoutes, ...reportRoutes]);

/**
 * @internal Builds the route table behind {@link createMonitoringHandler} and the framework
 * adapters; `what` names the caller in option errors.
 */
export function createMonitoringRoutes(monitor: MonitoringHost, input: MonitoringHandlerOptions = {}, what = 'monitoring handler options'): MonitoringRoutes {
  const options = parseOptions(monitoringHandlerOptionsSchema, input, what, { values: false });
  const authorize: Authorizer | undefined = typeof options.auth === 'string' ? bearerAuthorizer(options.auth) : options.auth;
  const report = (error: unknown): void => monitor.reportError(error);
  const maxIssues = monitor.options.limits.maxIssues;
  const sameOrigin = originCheck(options.allowedOrigins);

  async function passes(authorizer: Authorizer, request: Request): Promise<boolean> {
    try {
      return (await authorizer(request)) === true;
    } catch (error) {
      // A broken authorizer denies: failing open would hand out write access.
      report(error);
      return false;
    }
  }

  /** Lets `request` through or throws the refusal; says whether the caller passed `auth`. */
  async function allowed(access: RouteAccess, request: Request): Promise<Admission> {
    if (access === 'write') sameOrigin(request);
    const open = { authenticated: false };
    // 'health' is all of /health, the liveness group included.
    const isPublic = (access !== 'read' && access !== 'write' && options.publicRoutes.includes(access)) || (access === 'liveness' && options.publicRoutes.includes('health'));
    if (isPublic) {
      // Open to all, but a caller who does pass `auth` may see what `healthDetails` keeps from others.
      const detailsNeedAuth = options.healthDetails === 'authenticated' && access !== 'metrics';
      return detailsNeedAuth && authorize !== undefined ? { authenticated: await passes(authorize, request) } : open;
    }
    if (authorize === undefined) {
      if (access === 'write' && !options.allowUnauthenticatedWrites) {
        throw new HttpError(403, 'FORBIDDEN', 'write routes are disabled: set the auth option (or allowUnauthenticatedWrites: true) to enable them');
      }
      return open;
    }
    if (!(await passes(authorize, request))) throw new HttpError(401, 'UNAUTHORIZED', 'missing or invalid credentials', { headers: { 'www-authenticate': 'Bearer realm="pulsewatch"' } });
    return { authenticated: true };
  }

  const base = options.basePath;
  const relative = (path: string): string | undefined => (base === '' ? path : path === base || path.startsWith(`${base}/`) ? path.slice(base.length) || '/' : undefined);
  // The dashboard's page and assets (option `dashboard`): static, data-free, served without `auth`.
  const dashboardPath = (pathname: string): string | undefined => {
    const path = options.dashboard ? relative(pathname) : undefined;
    return path !== undefined && isDashboardPath(path) ? path : undefined;
  };

  function matchOf(request: Request): { url: URL; match: RouteMatch } | undefined {
    const url = new URL(request.url);
    const path = relative(url.pathname);
    if (path === undefined) return undefined;
    const match = router.match(request.method === 'HEAD' ? 'GET' : request.method, path);
    return match === undefined ? undefined : { url, match };
  }

  async function answer(request: Request, admission: Admission | undefined): Promise<Response | undefined> {
    try {
      const page = dashboardPath(new URL(request.url).pathname);
      if (page !== undefined) return await dashboardResponse(request.method, new URL(request.url), page, dashboardFeatures(monitor, (path) => router.has(path)));
      const found = matchOf(request);
      if (found === undefined) return undefined;
      const { url, match } = found;
      const { authenticated } = admission ?? (await allowed(accessOf(match, url), request));
      return await match.route.handle({ monitor, request, url, params: match.params, options, authenticated });
    } catch (error) {
      return errorResponse(error, report, maxIssues);
    }
  }

  return {
    options,
    owns(pathname) {
      const path = relative(pathname);
      return path !== undefined && (router.has(path) || dashboardPath(pathname) !== undefined);
    },
    async admit(request) {
      // A dashboard GET needs no credentials; any other method gets its 405 before a body is read.
      if (dashboardPath(new URL(request.url).pathname) !== undefined) return request.method === 'GET' || request.method === 'HEAD' ? { authenticated: false } : this.handle(request);
      try {
        const found = matchOf(request);
        if (found === undefined) return undefined;
        const { url, match } = found;
        return await allowed(accessOf(match, url), request);
      } catch (error) {
        return headAware(request, errorResponse(error, report, maxIssues));
      }
    },
    async handle(request, admission) {
      const response = await answer(request, admission);
      return response === undefined ? undefined : headAware(request, response);
    },
  };
}

/** Who may call the matched route (a route may decide by the query, as /health does for liveness). */
function accessOf(match: RouteMatch, url: URL): RouteAccess {
  return typeof match.route.access === 'function' ? match.route.access(url) : match.route.access;
}

/** `response`, without its body when answering HEAD: RFC 9110 forbids content there, errors included. */
function headAware(request: Request, response: Response): Response {
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
