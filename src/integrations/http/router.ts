import { HttpError } from './errors.js';
import type { MonitoringHost } from './host.js';
import type { ResolvedMonitoringHandlerOptions } from './options.js';

/** HTTP methods the monitoring API answers. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call a route: `liveness`, `health` and `metrics` can be left open with `publicRoutes`;
 * `read` needs auth when auth is set; `write` always needs auth (or `allowUnauthenticatedWrites`).
 */
export type RouteAccess = 'liveness' | 'health' | 'metrics' | 'read' | 'write';

/** What a route handler is given. */
export interface RouteContext {
  /** The monitor, through the public members the routes use. */
  monitor: MonitoringHost;
  request: Request;
  url: URL;
  params: Readonly<Record<string, string>>;
  options: ResolvedMonitoringHandlerOptions;
  /** The caller passed `auth` (false on a public route, or when no `auth` is set). */
  authenticated: boolean;
}

/** One route of the table. */
export interface Route {
  method: HttpMethod;
  /** Path under the base path, `:name` segments capture. */
  path: string;
  access: RouteAccess | ((url: URL) => RouteAccess);
  handle(ctx: RouteContext): Promise<Response>;
}

/** A route matched to a request path. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface Compiled {
  route: Route;
  segments: readonly string[];
}

/** Matches request paths against a small route table (a dozen routes: a linear scan is plenty). */
export class Router {
  private readonly routes: Compiled[];

  constructor(routes: readonly Route[]) {
    this.routes = routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }));
  }

  /** True when some route has `path`, under any method. */
  has(path: string): boolean {
    const parts = path.split('/').filter(Boolean);
    return this.routes.some(({ segments }) => segments.length === parts.length && segments.every((s, i) => s.startsWith(':') || s === parts[i]));
  }

  /**
   * The route for `method` and `path` (already stripped of the base path). Undefined when no
   * route has that path; a 405 {@link HttpError} when routes have it under other methods.
   */
  match(method: string, path: string): RouteMatch | undefined {
    const parts = path.split('/').filter(Boolean);
    const allowed: string[] = [];
    for (const { route, segments } of this.routes) {
      const params = matchSegments(segments, parts);
      if (params === undefined) continue;
      if (route.method === method) return { route, params };
      allowed.push(route.method);
    }
    if (allowed.length === 0) return undefined;
    if (allowed.includes('GET')) allowed.push('HEAD');
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use ${allowed.join(', ')}`, { headers: { allow: allowed.join(', ') } });
  }
}

function matchSegments(segments: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    const part = parts[i]!;
    if (segment.startsWith(':')) {
      try {
        params[segment.slice(1)] = decodeURIComponent(part);
      } catch {
        throw new HttpError(400, 'VALIDATION_FAILED', `path segment ${JSON.stringify(part.slice(0, 50))} is not valid percent-encoding`);
      }
    } else if (segment !== part) return undefined;
  }
  return params;
}
