import { HttpError } from './errors.js';

/**
 * The built-in dashboard (docs/dashboard.md): `GET {basePath}/dashboard` answers the page's HTML
 * shell and `GET {basePath}/dashboard/assets/<name>` its script and stylesheet, built into
 * src/dashboard/assets.generated.ts by scripts/build-dashboard.mjs. The page and its assets
 * are static and carry no monitoring data, so they are served without `auth` when the
 * `dashboard` option is on; every datum the page shows it reads from the API routes, with the
 * token the user gives it and their read/write rules.
 */

/** The page's path under the base path. */
export const DASHBOARD_PATH = '/dashboard';
const ASSET_PREFIX = `${DASHBOARD_PATH}/assets/`;

/**
 * No inline script or style, no eval, no framing, reads from this origin only. uPlot styles
 * its elements through the CSSOM (`element.style`), which `style-src 'self'` allows.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': DASHBOARD_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** True when `path` (relative to the base path) is the page or one of its assets. */
export function isDashboardPath(path: string): boolean {
  return path === DASHBOARD_PATH || path === `${DASHBOARD_PATH}/` || path.startsWith(ASSET_PREFIX);
}

/** `&`, `<`, `>`, `"` and `'` escaped for an HTML attribute value. */
function attribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Which optional route groups the handler serves: the page asks only for those. */
export interface DashboardFeatures {
  /** `GET /jobs/dead-letters`. */
  jobs: boolean;
  /** `GET /sla`. */
  sla: boolean;
}

/**
 * What the page may ask for: a route the handler serves (`has`) and `monitor` can answer (the
 * same test the job and SLA routes make before their 404), so the page never asks for a 404.
 */
export function dashboardFeatures(monitor: object, has: (path: string) => boolean): DashboardFeatures {
  const m = monitor as { jobs?: { deadLetters?: { list?: unknown } }; slaReport?: unknown; getTimelines?: () => unknown[] };
  // The SLA section reads the only timeline: without one, /sla would answer 400 on every poll.
  const timelines = typeof m.getTimelines === 'function' ? m.getTimelines().length : 0;
  return { jobs: has('/jobs/dead-letters') && typeof m.jobs?.deadLetters?.list === 'function', sla: has('/sla') && typeof m.slaReport === 'function' && timelines > 0 };
}

/**
 * Answers a dashboard path (see {@link isDashboardPath}): the page, an asset (immutable: its
 * name is its content's hash), a 404 for an unknown asset, a 405 for a method other than GET
 * and HEAD.
 */
export async function dashboardResponse(method: string, url: URL, path: string, features: DashboardFeatures): Promise<Response> {
  if (method !== 'GET' && method !== 'HEAD') {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use GET, HEAD`, { headers: { allow: 'GET, HEAD' } });
  }
  // Loaded on first use: the assets (about 60 KB) stay out of the entry's start-up.
  const { DASHBOARD_HTML, DASHBOARD_SCRIPT, DASHBOARD_STYLE } = await import('../../dashboard/assets.generated.js');
  if (path.startsWith(ASSET_PREFIX)) {
    const name = path.slice(ASSET_PREFIX.length);
    const asset = [DASHBOARD_SCRIPT, DASHBOARD_STYLE].find((a) => a.name === name);
    if (asset === undefined) throw new HttpError(404, 'NOT_FOUND', 'no such dashboard asset');
    return new Response(asset.body, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': 'public, max-age=31536000, immutable' } });
  }
  // Relative links: they hold under any mount prefix (an Express router's included, which the
  // handler never sees), from `…/dashboard` and from `…/dashboard/` alike.
  const assets = url.pathname.endsWith('/') ? 'assets/' : 'dashboard/assets/';
  const served = (Object.keys(features) as (keyof DashboardFeatures)[]).filter((k) => features[k]).join(' ');
  const html = DASHBOARD_HTML.replace('{{script}}', attribute(assets + DASHBOARD_SCRIPT.name))
    .replace('{{style}}', attribute(assets + DASHBOARD_STYLE.name))
    .replace('{{features}}', attribute(served));
  // The shell names the current asset hashes: revalidated on every load so an upgrade shows at once.
  return new Response(html, { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' } });
}
