import type { Request } from 'express';
import { UNMATCHED_ROUTE, type RequestMetrics, type RouteSeries } from '../request-metrics.js';

/** Mount points remembered per route; past this (a mount path with parameters) labels are rebuilt per request. */
const MAX_BASES_PER_ROUTE = 100;

/** Characters that make a path pattern match a varying number of segments (Express 4 and 5 syntax). */
const VARIABLE_LENGTH = /[*?+(){}[\]\\!]/;

const SLASH = 47; // '/'
const QUERY = 63; // '?'
const HASH = 35; // '#'

interface RouteEntry {
  /** The route's own path as a label: the string, or a stable form of a RegExp or array path. */
  readonly path: string;
  /** The series of `path` itself, for the route outside any mounted router. */
  readonly series: RouteSeries;
  /** Path segments the route matches, or -1 when that varies (RegExp, array, wildcard, optional part). */
  readonly segments: number;
  /** A root app's own route: never under a mount path, its label is `path` (see {@link isRootAppRoute}). */
  readonly rootApp: boolean;
  /** Series of the full label by mount prefix, for routes of mounted routers. */
  readonly byBase: Map<string, RouteSeries>;
}

/**
 * Route template labels of Express requests, as the {@link RouteSeries} of `metrics`:
 * `req.baseUrl + req.route.path`, or {@link UNMATCHED_ROUTE} when no route matched. Series are
 * cached per route object (weakly, so routers built at runtime can be collected) and per mount
 * point, so a request for a known route concatenates no string and looks up no label.
 * @internal
 */
export class RouteLabels {
  private readonly routes = new WeakMap<object, RouteEntry>();
  private readonly unmatched: RouteSeries;

  constructor(private readonly metrics: RequestMetrics) {
    this.unmatched = metrics.routeOf(UNMATCHED_ROUTE);
  }

  /** The route series of `req` as it stands now; read once the response has finished. */
  of(req: Request): RouteSeries {
    const route: unknown = req.route;
    if (route === null || typeof route !== 'object') return this.unmatched;
    let entry = this.routes.get(route);
    if (entry === undefined) {
      const path: unknown = (route as { path?: unknown }).path;
      const label = pathLabel(path);
      const segments = typeof path === 'string' && !VARIABLE_LENGTH.test(path) ? countSegments(path) : -1;
      entry = { path: label, series: this.metrics.routeOf(label), segments, rootApp: isRootAppRoute(req, route), byBase: new Map() };
      this.routes.set(route, entry);
    }
    if (entry.rootApp) return entry.series;
    let base = typeof req.baseUrl === 'string' ? req.baseUrl : '';
    // When a route's handler passes an error (or the request) on and it leaves its router,
    // Express restores req.baseUrl and req.url to the outer router's but leaves req.route
    // set: the response is then sent with the mount path missing from baseUrl and still at
    // the front of req.url. Put it back from req.url, which holds as many extra segments.
    if (entry.segments >= 0 && typeof req.url === 'string') {
      const extra = countSegments(req.url) - entry.segments;
      if (extra > 0) base += leadingSegments(req.url, extra);
    }
    if (base === '') return entry.series;
    let series = entry.byBase.get(base);
    if (series === undefined) {
      series = this.metrics.routeOf(base + entry.path);
      if (entry.byBase.size < MAX_BASES_PER_ROUTE) entry.byBase.set(base, series);
    }
    return series;
  }
}

/**
 * Whether `route` is one of the root app's own routes (`app.get(...)`, in the app that is the
 * server's request listener, as `app.listen()` makes it): such a request's `req.baseUrl` is
 * always '' and its label never misses a mount path, so it reads neither `req.baseUrl` nor
 * `req.url`, which under load cost a cache miss each (see docs/architecture.md). Any doubt (a
 * mounted or wrapped app, a router's route, an unknown Express) answers false, and both stay.
 */
function isRootAppRoute(req: Request, route: object): boolean {
  try {
    type App = ((...args: never[]) => unknown) & { parent?: unknown; _router?: { stack?: unknown }; router?: { stack?: unknown } };
    const app = (req as { app?: unknown }).app as App | undefined;
    if (typeof app !== 'function' || app.parent !== undefined) return false;
    const server = (req.socket as { server?: { listeners?: (event: string) => unknown[] } } | undefined)?.server;
    if (typeof server?.listeners !== 'function' || !server.listeners('request').includes(app)) return false;
    // Express 4 keeps its router in _router (its `router` getter throws); Express 5 in `router`.
    const stack = (app._router ?? app.router)?.stack;
    return Array.isArray(stack) && stack.some((layer: unknown) => (layer as { route?: unknown } | null)?.route === route);
  } catch {
    return false;
  }
}

/**
 * A route path as a label. Express accepts strings, RegExps and arrays of both; the last two
 * become their source text (`/^\/files\/.*$/`, `/a,/b`) so each route stays one series.
 */
export function pathLabel(path: unknown): string {
  if (typeof path === 'string') return path;
  if (Array.isArray(path)) return path.map(pathLabel).join(',');
  if (path instanceof RegExp) return String(path);
  return UNMATCHED_ROUTE;
}

/** Non-empty `/`-separated segments of a path, up to its query or hash: `/users/1/` has 2. Allocates nothing. */
function countSegments(url: string): number {
  let n = 0;
  let inSegment = false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === QUERY || c === HASH) break;
    if (c === SLASH) inSegment = false;
    else if (!inSegment) {
      inSegment = true;
      n++;
    }
  }
  return n;
}

/** The first `count` segments of `url` with their slashes: `/api` for (`/api/users/1`, 1). */
function leadingSegments(url: string, count: number): string {
  let seen = 0;
  let inSegment = false;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === SLASH || c === QUERY || c === HASH) {
      if (inSegment && seen === count) return url.slice(0, i);
      inSegment = false;
    } else if (!inSegment) {
      inSegment = true;
      seen++;
    }
  }
  return url;
}
