// Seed 001's API in Express, with its k6 scenario's routes: health, readiness, profile listings,
// profile details and taxonomy. Request metrics come from pulsewatch's Express middleware
// (http_requests_total, http_request_duration_seconds by method, route and status, seed 001's
// names); the monitoring API (read by `pulsewatch check`) is mounted at /api/monitoring.
import express, { type NextFunction, type Request, type Response } from 'express';
import { cacheMetrics, healthHttpStatus, type Monitor } from 'pulsewatch';
import { metricsMiddleware, monitoringRouter } from 'pulsewatch/express';
import { readThrough, TTL, type Cache } from './cache.js';
import type { ProfileStore } from './data.js';

/** What the app is built from. */
export interface ApiOptions {
  store: ProfileStore;
  cache: Cache;
  /** Bearer token of /api/monitoring. */
  token: string;
  /** With --slow-db, the time of the uncached count each listing runs, ms; 0 otherwise. */
  slowMs: number;
}

/**
 * One profile request in FAIL_EVERY (the 1st, the 31st, the 61st, ...) runs a failing query: about
 * 1.5 % of the traffic errs, from the load's first seconds to its end, so any run has some.
 */
export const FAIL_EVERY = 30;

/** Builds the Express app. */
export function createApi(monitor: Monitor, options: ApiOptions): express.Express {
  const { store, cache } = options;
  const profiles = cacheMetrics(monitor, 'profiles');
  const taxonomy = cacheMetrics(monitor, 'taxonomy');
  let profileRequests = 0;
  const maybeFail = async (): Promise<void> => {
    if (profileRequests++ % FAIL_EVERY === 0) await store.broken();
  };

  const app = express();
  app.use(metricsMiddleware(monitor, { ignore: (req) => req.originalUrl.startsWith('/api/monitoring') }));
  app.use('/api/monitoring', monitoringRouter(monitor, { auth: options.token }));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const report = await monitor.health.check({ group: 'readiness' });
    res.status(healthHttpStatus(report.status)).json(report);
  });
  app.get('/api/profiles', async (req, res) => {
    await maybeFail();
    const offset = clampInt(req.query['offset'], 0, 0, 480);
    const limit = clampInt(req.query['limit'], 20, 1, 100);
    // Seed 001's key shape (masks:list:{offset}:{limit}).
    const rows = await readThrough(cache, profiles, `profiles:list:${offset}:${limit}`, TTL.profile, () => store.list(offset, limit));
    // --slow-db: every listing also counts all profiles, uncached, in a slow query: the
    // regression (a dropped index, say) that seed 001's p95 budget is there to catch.
    const total = options.slowMs > 0 ? await store.slowCount(options.slowMs) : undefined;
    res.json({ offset, limit, total, profiles: rows });
  });
  app.get('/api/profiles/:id', async (req, res) => {
    await maybeFail();
    const id = clampInt(req.params['id'], 0, 0, Number.MAX_SAFE_INTEGER);
    const found = await readThrough(cache, profiles, `profile:${id}`, TTL.profile, async () => (await store.get(id)) ?? null);
    if (found === null) res.status(404).json({ error: 'profile not found' });
    else res.json(found);
  });
  app.get('/api/taxonomy', async (_req, res) => {
    res.json({ terms: await readThrough(cache, taxonomy, 'taxonomy:list', TTL.taxonomy, () => store.taxonomy()) });
  });

  // Express 5 passes a rejected handler here: a 500, which the middleware records as status 500.
  app.use((error: Error, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: error.message });
  });
  return app;
}

function clampInt(raw: unknown, fallback: number, min: number, max: number): number {
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : fallback;
  return Math.min(max, Math.max(min, n));
}
