/**
 * GET /health and GET /health/:check of createMonitoringHandler: status codes per health status,
 * quick (cached) answers, groups, and query validation.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type MonitoringHandlerOptions } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';

const closing = closeAfterEach();

function setup(options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'test', clock });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, { basePath: BASE, ...options });
  const get = (path: string): Promise<Response> => handler(new Request(`http://localhost${BASE}${path}`));
  return { clock, monitor, get };
}

interface CheckReport {
  status: string;
  critical: boolean;
  cached: boolean;
  message?: string;
}

interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  timestamp: string;
  uptime: number;
  checks: Record<string, CheckReport>;
  overall: { healthy: number; degraded: number; unhealthy: number; total: number };
  group?: string;
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

describe('GET /health', () => {
  it('answers 200 with the report when every check passes', async () => {
    const { monitor, clock, get } = setup();
    monitor.health.register('database', () => true);
    monitor.health.register('cache', async () => ({ status: 'healthy' as const, message: 'PONG' }));
    clock.advance(5_000);
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = (await response.json()) as HealthReport;
    expect(body).toMatchObject({
      status: 'healthy',
      timestamp: '2026-01-01T00:00:05.000Z',
      uptime: 5_000,
      overall: { healthy: 2, degraded: 0, unhealthy: 0, total: 2 },
    });
    expect(body.checks.database).toMatchObject({ status: 'healthy', critical: true, cached: false });
    expect(body.checks.cache).toMatchObject({ status: 'healthy', message: 'PONG' });
    expect(body.group).toBeUndefined();
  });

  it('answers 200 degraded when only a non-critical check fails', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => true);
    monitor.health.register('redis', () => false, { critical: false });
    const response = await get('/health');
    expect(response.status).toBe(200);
    const body = (await response.json()) as HealthReport;
    expect(body.status).toBe('degraded');
    expect(body.checks.redis).toMatchObject({ status: 'unhealthy', critical: false });
    expect(body.overall).toEqual({ healthy: 1, degraded: 0, unhealthy: 1, total: 2 });
  });

  it('answers 503 unhealthy when a critical check fails, with the report as the body', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => {
      throw new Error('connection refused');
    });
    monitor.health.register('redis', () => true, { critical: false });
    const response = await get('/health');
    expect(response.status).toBe(503);
    const body = (await response.json()) as HealthReport;
    expect(body.status).toBe('unhealthy');
    expect(body.checks.database).toMatchObject({ status: 'unhealthy', critical: true });
  });

  it('answers 200 healthy with no checks registered', async () => {
    const { get } = setup();
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(((await response.json()) as HealthReport).overall.total).toBe(0);
  });

  it('uses the healthStatusCodes option for each status', async () => {
    const { monitor, get } = setup({ healthStatusCodes: { healthy: 203, degraded: 429, unhealthy: 500 } });
    let db = true;
    let redis = true;
    monitor.health.register('database', () => db);
    monitor.health.register('redis', () => redis, { critical: false });
    expect((await get('/health')).status).toBe(203);
    redis = false;
    expect((await get('/health')).status).toBe(429);
    db = false;
    expect((await get('/health')).status).toBe(500);
  });

  // 204, 205 and 304 cannot carry a body: `new Response(report, { status: 204 })` throws. The
  // option must either be refused up front or be answered without a body, never with a 500.
  it('refuses a null-body status in healthStatusCodes (204, 205, 304) at creation, so no answer can fail with 500', () => {
    for (const code of [204, 205, 304]) {
      const monitor = createMonitor({ service: 'test', clock: new ManualClock() });
      closing(monitor);
      expect(() => createMonitoringHandler(monitor, { healthStatusCodes: { healthy: code } }), String(code)).toThrow(
        'monitoring handler options: healthStatusCodes.healthy: must be a status that allows a body (not 204, 205 or 304)',
      );
    }
  });

  it('keeps the default of the codes not given in healthStatusCodes', async () => {
    const { monitor, get } = setup({ healthStatusCodes: { degraded: 429 } });
    let db = true;
    monitor.health.register('database', () => db);
    expect((await get('/health')).status).toBe(200);
    db = false;
    expect((await get('/health')).status).toBe(503);
  });

  it('?quick=true serves results cached within cacheTtl without running the checks again', async () => {
    const { monitor, clock, get } = setup();
    let runs = 0;
    monitor.health.register(
      'database',
      () => {
        runs++;
        return true;
      },
      { cacheTtl: '10s' },
    );
    await get('/health');
    expect(runs).toBe(1);
    clock.advance(5_000);
    const quick = (await (await get('/health?quick=true')).json()) as HealthReport;
    expect(runs).toBe(1);
    expect(quick.checks.database).toMatchObject({ cached: true, status: 'healthy' });
    for (const flag of ['quick=1', 'quick', 'quick=']) {
      await get(`/health?${flag}`);
      expect(runs, flag).toBe(1);
    }
    // Without quick, or with quick=false, the checks run.
    const full = (await (await get('/health')).json()) as HealthReport;
    expect(runs).toBe(2);
    expect(full.checks.database!.cached).toBe(false);
    await get('/health?quick=false');
    await get('/health?quick=0');
    expect(runs).toBe(4);
    // Past cacheTtl, quick runs the check again.
    clock.advance(10_000);
    await get('/health?quick=true');
    expect(runs).toBe(5);
  });

  it('?group=readiness runs only that group, and says so', async () => {
    const { monitor, get } = setup();
    const ran: string[] = [];
    monitor.health.register('eventLoop', () => (ran.push('eventLoop'), true), { groups: ['liveness'] });
    monitor.health.register('database', () => (ran.push('database'), false), { groups: ['readiness'] });
    const ready = await get('/health?group=readiness');
    expect(ran).toEqual(['database']);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as HealthReport;
    expect(body.group).toBe('readiness');
    expect(Object.keys(body.checks)).toEqual(['database']);

    const live = await get('/health?group=liveness');
    expect(live.status).toBe(200);
    expect(((await live.json()) as HealthReport).checks).toHaveProperty('eventLoop');
  });

  it('answers an empty well-known group as healthy', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => false, { groups: ['readiness'] });
    const response = await get('/health?group=startup');
    expect(response.status).toBe(200);
    expect(((await response.json()) as HealthReport).overall.total).toBe(0);
  });

  it('answers 404 NOT_FOUND for a group no check was ever put in', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => true, { groups: ['readiness'] });
    const response = await get('/health?group=readyness');
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('readyness');
  });

  it('answers 400 VALIDATION_FAILED with issues for a bad quick or group', async () => {
    const { monitor, get } = setup();
    let runs = 0;
    monitor.health.register('database', () => void runs++);
    const response = await get('/health?quick=maybe');
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.issues).toEqual([{ path: 'quick', message: expect.any(String) }]);
    expect(error.message).toContain('quick');
    expect(runs).toBe(0);

    const empty = await get('/health?group=');
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as ErrorBody).error.issues?.map((i) => i.path)).toEqual(['group']);
  });

  it('ignores unknown query parameters', async () => {
    const { get } = setup();
    expect((await get('/health?_=12345')).status).toBe(200);
  });
});

describe('GET /health/:check', () => {
  it('answers 200 with one healthy check and 503 with an unhealthy one', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => true);
    monitor.health.register('redis', () => ({ status: 'unhealthy' as const, message: 'down' }), { critical: false });
    const ok = await get('/health/database');
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ name: 'database', status: 'healthy', critical: true });
    const down = await get('/health/redis');
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ name: 'redis', status: 'unhealthy', message: 'down' });
  });

  it('answers a degraded check with the degraded code', async () => {
    const { monitor, get } = setup({ healthStatusCodes: { degraded: 429 } });
    monitor.health.register('queue', () => ({ status: 'degraded' as const }));
    expect((await get('/health/queue')).status).toBe(429);
  });

  it('answers 404 NOT_FOUND for an unknown check', async () => {
    const { monitor, get } = setup();
    monitor.health.register('database', () => true);
    const response = await get('/health/postgres');
    expect(response.status).toBe(404);
    const { error } = (await response.json()) as ErrorBody;
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain('postgres');
  });

  it('?quick=true serves the cached result of one check', async () => {
    const { monitor, get } = setup();
    let runs = 0;
    monitor.health.register('database', () => {
      runs++;
      return true;
    });
    await get('/health/database');
    const quick = await get('/health/database?quick=true');
    expect(runs).toBe(1);
    expect(((await quick.json()) as CheckReport).cached).toBe(true);
    expect((await get('/health/database?quick=maybe')).status).toBe(400);
    expect(runs).toBe(1);
  });
});

describe('healthDetails', () => {
  const TOKEN = 'health-details-token-0123456789';
  function withFailingCheck(options: MonitoringHandlerOptions) {
    const { monitor, get } = setup(options);
    monitor.health.register('database', () => {
      throw new Error('connect ECONNREFUSED db.internal:5432');
    }, { critical: false });
    monitor.health.register('cache', () => ({ status: 'healthy', message: 'ok', details: { host: 'cache.internal' } }));
    const getWith = (path: string, headers: Record<string, string>) => createMonitoringHandler(monitor, { basePath: BASE, ...options })(new Request(`http://localhost${BASE}${path}`, { headers }));
    return { get, getWith };
  }

  it("shows messages and details to everyone by default (seed 000's answer)", async () => {
    const { get } = withFailingCheck({});
    const body = (await (await get('/health')).json()) as HealthReport;
    expect(body.checks['database']?.message).toMatch(/ECONNREFUSED db\.internal/);
  });

  it("'authenticated' leaves messages and details out for public callers, and keeps statuses", async () => {
    const { get, getWith } = withFailingCheck({ auth: TOKEN, publicRoutes: ['health'], healthDetails: 'authenticated' });
    const open = await get('/health');
    expect(open.status).toBe(200);
    const body = (await open.json()) as HealthReport & { checks: Record<string, CheckReport & { details?: unknown }> };
    expect(body.status).toBe('degraded');
    expect(body.checks['database']).toMatchObject({ status: 'unhealthy', critical: false });
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|db\.internal|cache\.internal/);
    const one = await get('/health/database');
    expect(JSON.stringify(await one.json())).not.toContain('ECONNREFUSED');
    // The same answer with the token carries them.
    const authed = (await (await getWith('/health', { authorization: `Bearer ${TOKEN}` })).json()) as HealthReport & { checks: Record<string, { details?: unknown }> };
    expect(authed.checks['database']?.message).toMatch(/ECONNREFUSED/);
    expect(authed.checks['cache']?.details).toEqual({ host: 'cache.internal' });
  });

  it("'authenticated' without any auth option shows them to nobody", async () => {
    const { get } = withFailingCheck({ healthDetails: 'authenticated' });
    expect(JSON.stringify(await (await get('/health')).json())).not.toContain('ECONNREFUSED');
  });
});
