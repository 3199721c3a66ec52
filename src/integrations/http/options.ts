import { z } from 'zod';

/** A custom authorizer: resolves true to let the request through. */
export type Authorizer = (request: Request) => boolean | Promise<boolean>;

/** Route groups that can be left open when `auth` is set. */
export const PUBLIC_ROUTE_GROUPS = ['liveness', 'health', 'metrics'] as const;

/** A route group that {@link MonitoringHandlerOptions.publicRoutes} can leave open. */
export type PublicRouteGroup = (typeof PUBLIC_ROUTE_GROUPS)[number];

// 204, 205 and 304 cannot carry the report: `new Response(body, { status: 204 })` throws.
const statusCode = z
  .number()
  .int()
  .min(200)
  .max(599)
  .refine((code) => code !== 204 && code !== 205 && code !== 304, 'must be a status that allows a body (not 204, 205 or 304)');

/** Options of `createMonitoringHandler` (and of every integration that mounts it). */
export const monitoringHandlerOptionsSchema = z
  .object({
    /** Path the routes live under, e.g. `'/api/monitoring'` (default `''`: the root). */
    basePath: z
      .string()
      .default('')
      .refine((p) => p === '' || (p.startsWith('/') && !p.includes('?') && !p.includes('#')), 'must be empty or start with "/"')
      .transform((p) => p.replace(/\/+$/, '')),
    /**
     * A bearer token (compared in constant time) or a function deciding per request. Without it
     * read routes are open and write routes are refused (see `allowUnauthenticatedWrites`).
     */
    auth: z
      .union([z.string().regex(/^\S+$/, 'must be a non-empty token without whitespace'), z.custom<Authorizer>((v) => typeof v === 'function', 'must be a string token or a function')])
      .optional(),
    /** Route groups answered without auth even when `auth` is set, e.g. `['liveness']`. */
    publicRoutes: z.array(z.enum(PUBLIC_ROUTE_GROUPS)).default([]),
    /**
     * Origins (e.g. `'https://admin.example.com'`, scheme, host and port) whose pages may call
     * write routes from a browser, your own pages' origin included: the request's `Host` is not
     * trusted (DNS rebinding). A write carrying any other Origin (another scheme or port too,
     * or `null`), or `Sec-Fetch-Site: cross-site`/`same-site` without one, answers 403. Writes
     * from servers and scripts carry no Origin and are not affected.
     */
    allowedOrigins: z
      .array(
        z.string().refine((value) => {
          try {
            const url = new URL(value);
            // An origin only: a path, query or credentials would suggest a narrower rule than the one applied.
            return (url.protocol === 'http:' || url.protocol === 'https:') && url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
          } catch {
            return false;
          }
        }, 'must be an http(s) origin such as "https://admin.example.com" (no path)'),
      )
      .default([]),
    /**
     * Serves the built-in dashboard at `{basePath}/dashboard` (default false). The page and its
     * assets are static and carry no data, so they are served without `auth`; the page reads the
     * API routes with the token it asks for, under their usual rules (docs/dashboard.md).
     */
    dashboard: z.boolean().default(false),
    /** Lets write routes through without `auth` (default false: they answer 403). */
    allowUnauthenticatedWrites: z.boolean().default(false),
    /** Largest request body accepted, in bytes (default 100 KiB); larger ones get 413. */
    maxBodyBytes: z.number().int().positive().default(100 * 1024),
    /** Most metric records one `POST /metrics` may carry (default 1,000). */
    maxRecords: z.number().int().positive().default(1_000),
    /**
     * Who sees each check's `message` and `details` in health answers: `'always'` (default,
     * seed 000's answer) or `'authenticated'`, which leaves them out for callers that did not
     * pass `auth` (public routes, or no `auth` set). A failing check's message is its error text.
     */
    healthDetails: z.enum(['always', 'authenticated']).default('always'),
    /** HTTP status per health status (default 200, 200, 503: seed 000). */
    healthStatusCodes: z
      .object({ healthy: statusCode.default(200), degraded: statusCode.default(200), unhealthy: statusCode.default(503) })
      .strict()
      .default({ healthy: 200, degraded: 200, unhealthy: 503 }),
  })
  .strict();

/** Options accepted by `createMonitoringHandler`. */
export type MonitoringHandlerOptions = z.input<typeof monitoringHandlerOptionsSchema>;

/** {@link MonitoringHandlerOptions} with defaults applied. */
export type ResolvedMonitoringHandlerOptions = z.output<typeof monitoringHandlerOptionsSchema>;
