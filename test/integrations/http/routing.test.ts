/**
 * createMonitoringHandler's routing: the base path, 404 and 405 answers, HEAD, percent-encoded
 * path parameters, option validation and the headers every answer carries.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, createMonitor, createMonitoringHandler, isConfigError, PROMETHEUS_CONTENT_TYPE, type Monitor, type MonitoringHandlerOptions } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const TOKEN = 'pw_routing_7d1e0c9a4b3f2e1d';
const JSON_TYPE = 'application/json; charset=utf-8';

const closing = closeAfterEach();

function newMonitor(): Monitor {
  const monitor = createMonitor({ service: 'test', clock: new ManualClock() });
  closing(monitor);
  monitor.on('error', () => {});
  return monitor;
}

function setup(options: MonitoringHandlerOptions = {}) {
  const monitor = newMonitor();
  const handler = createMonitoringHandler(monitor, { basePath: BASE, ...options });
  const call = (method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}): Promise<Response> =>
    handler(new Request(`http://localhost${path}`, { method, ...init }));
  return { monitor, handler, call };
}

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const errorOf = async (response: Response): Promise<ErrorBody['error']> => ((await response.json()) as ErrorBody).error;

/** The ConfigError `createMonitoringHandler` throws for `options`. */
function configErrorOf(options: unknown): ConfigError {
  let error: unknown;
  try {
    createMonitoringHandler(newMonitor(), options as MonitoringHandlerOptions);
  } catch (e) {
    error = e;
  }
  expect(isConfigError(error), `expected a ConfigError, got ${String(error)}`).toBe(true);
  return error as ConfigError;
}


/** True when `text` is JSON. */
function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
describe('basePath', () => {
  it('serves the routes under basePath and answers 404 NOT_FOUND JSON outside it', async () => {
    const { call } = setup();
    expect((await call('GET', `${BASE}/health`)).status).toBe(200);
    for (const path of ['/health', '/api/health', `${BASE}x/health`, `${BASE}monitoring/health`, '/api/monitoring2/metrics', `${BASE}/nope`, `${BASE}/health/a/b`, BASE, `${BASE}/`]) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('content-type'), path).toBe(JSON_TYPE);
      const error = await errorOf(response);
      expect(error.code, path).toBe('NOT_FOUND');
      expect(error.message, path).toContain('no monitoring route');
    }
  });

  it('normalizes a trailing slash in the basePath option', async () => {
    const monitor = newMonitor();
    for (const basePath of [`${BASE}/`, `${BASE}//`]) {
      const handler = createMonitoringHandler(monitor, { basePath });
      expect((await handler(new Request(`http://localhost${BASE}/health`))).status, basePath).toBe(200);
      // Not served at a doubled slash or without the base.
      expect((await handler(new Request('http://localhost/health'))).status, basePath).toBe(404);
    }
  });

  it("'/' and '' serve the routes at the root", async () => {
    const monitor = newMonitor();
    for (const basePath of ['/', '']) {
      const handler = createMonitoringHandler(monitor, { basePath });
      expect((await handler(new Request('http://localhost/health'))).status, JSON.stringify(basePath)).toBe(200);
      expect((await handler(new Request(`http://localhost${BASE}/health`))).status, JSON.stringify(basePath)).toBe(404);
    }
  });

  it('accepts a trailing slash on a request path', async () => {
    const { call } = setup();
    expect((await call('GET', `${BASE}/health/`)).status).toBe(200);
  });

  it('ignores the query string when routing', async () => {
    const { call } = setup();
    expect((await call('GET', `${BASE}/health?cachebuster=123`)).status).toBe(200);
  });
});

describe('405 Method Not Allowed', () => {
  it('answers 405 with an Allow header listing the methods the path has', async () => {
    const { call } = setup();
    const cases: [string, string, string][] = [
      ['DELETE', `${BASE}/metrics`, 'GET, POST, HEAD'],
      ['PUT', `${BASE}/health`, 'GET, HEAD'],
      ['POST', `${BASE}/health/db`, 'GET, HEAD'],
      ['PATCH', `${BASE}/alerts/rules/r1`, 'GET, PUT, DELETE, HEAD'],
      ['GET', `${BASE}/alerts/a1/acknowledge`, 'POST'],
      ['DELETE', `${BASE}/alerts/rules`, 'GET, POST, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(method, path);
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get('allow'), `${method} ${path}`).toBe(allow);
      expect(response.headers.get('content-type')).toBe(JSON_TYPE);
      const error = await errorOf(response);
      expect(error.code).toBe('METHOD_NOT_ALLOWED');
      expect(error.message).toContain(method);
    }
  });

  it('answers 405 before auth, so Allow is visible without credentials', async () => {
    const { call } = setup({ auth: TOKEN });
    const response = await call('DELETE', `${BASE}/metrics`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST, HEAD');
  });
});

describe('HEAD', () => {
  it('answers HEAD on a GET route with the GET status and headers and no body', async () => {
    const { monitor, call } = setup();
    monitor.health.register('db', () => true);
    const get = await call('GET', `${BASE}/health`);
    const head = await call('HEAD', `${BASE}/health`);
    expect(head.status).toBe(get.status);
    expect(head.headers.get('content-type')).toBe(JSON_TYPE);
    expect(head.headers.get('cache-control')).toBe('no-store');
    expect(head.body).toBeNull();
    expect(await head.text()).toBe('');
    expect((await get.text()).length).toBeGreaterThan(0);
  });

  it('keeps the status of the GET answer (503 for an unhealthy report) and the exposition content type', async () => {
    const { monitor, call } = setup();
    monitor.health.register('db', () => false);
    const head = await call('HEAD', `${BASE}/health`);
    expect(head.status).toBe(503);
    expect(await head.text()).toBe('');
    const metrics = await call('HEAD', `${BASE}/metrics?format=prometheus`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await metrics.text()).toBe('');
  });

  it('runs the health checks for HEAD /health like GET does', async () => {
    const { monitor, call } = setup();
    let runs = 0;
    monitor.health.register('db', () => {
      runs++;
      return true;
    });
    await call('HEAD', `${BASE}/health`);
    expect(runs).toBe(1);
  });

  // RFC 9110 section 9.3.2: a server MUST NOT send content in the response to HEAD, errors included.
  it('sends no body with an error answer to HEAD either (404, 401)', async () => {
    const { call } = setup();
    const unknownCheck = await call('HEAD', `${BASE}/health/nope`);
    expect(unknownCheck.status).toBe(404);
    expect(await unknownCheck.text()).toBe('');
    const noRoute = await call('HEAD', `${BASE}/nope`);
    expect(noRoute.status).toBe(404);
    expect(await noRoute.text()).toBe('');
    const { call: authed } = setup({ auth: TOKEN });
    const unauthorized = await authed('HEAD', `${BASE}/health`);
    expect(unauthorized.status).toBe(401);
    expect(await unauthorized.text()).toBe('');
  });
});

describe('path parameters', () => {
  it('decodes percent-encoded path parameters', async () => {
    const { monitor, call } = setup();
    const rule = await monitor.alerts.createRule({ id: 'team/cpu high', name: 'CPU', metric: 'cpu', condition: 'greater_than', threshold: 90 });
    const response = await call('GET', `${BASE}/alerts/rules/${encodeURIComponent(rule.id)}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { rule: { id: string } }).rule.id).toBe('team/cpu high');
    // The raw, still-encoded form is not the id.
    expect((await call('GET', `${BASE}/alerts/rules/team%252Fcpu%2520high`)).status).toBe(404);
  });

  it('decodes a health check name with spaces and unicode', async () => {
    const { monitor, call } = setup();
    monitor.health.register('db primary ü', () => true);
    const response = await call('GET', `${BASE}/health/${encodeURIComponent('db primary ü')}`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { name: string }).name).toBe('db primary ü');
  });

  it('answers 400 VALIDATION_FAILED for a path segment that is not valid percent-encoding', async () => {
    const { call } = setup();
    const response = await call('GET', `${BASE}/alerts/rules/%E0%A4%A`);
    expect(response.status).toBe(400);
    expect((await errorOf(response)).code).toBe('VALIDATION_FAILED');
  });
});

describe('options', () => {
  it('throws a ConfigError naming basePath for a path that does not start with "/"', () => {
    for (const basePath of ['x', 'api/monitoring', '/api?x=1', '/api#frag']) {
      const error = configErrorOf({ basePath });
      expect(error.code).toBe('ERR_PULSEWATCH_CONFIG');
      expect(error.message, basePath).toMatch(/^monitoring handler options: basePath: /);
    }
  });

  it('throws a ConfigError naming an unknown option', () => {
    expect(configErrorOf({ bathPath: '/x' }).message).toBe('monitoring handler options: bathPath: unknown option');
  });

  it('refuses bad values of every option', () => {
    const bad: [unknown, string][] = [
      [{ auth: '' }, 'auth'],
      [{ auth: 42 }, 'auth'],
      [{ publicRoutes: ['alerts'] }, 'publicRoutes.0'],
      [{ allowUnauthenticatedWrites: 'yes' }, 'allowUnauthenticatedWrites'],
      [{ maxBodyBytes: 0 }, 'maxBodyBytes'],
      [{ maxBodyBytes: 1.5 }, 'maxBodyBytes'],
      [{ maxRecords: -1 }, 'maxRecords'],
      [{ healthStatusCodes: { unhealthy: 99 } }, 'healthStatusCodes.unhealthy'],
      [{ healthStatusCodes: { sick: 500 } }, 'healthStatusCodes.sick'],
    ];
    for (const [options, path] of bad) {
      expect(configErrorOf(options).message, JSON.stringify(options)).toMatch(new RegExp(`^monitoring handler options: ${path.replace('.', '\\.')}: `));
    }
  });

  it('never puts the token of a bad options object in the error', () => {
    const cases: unknown[] = [
      { auth: TOKEN, basePath: 'x' },
      { auth: TOKEN, unknownKey: TOKEN },
      { auth: [TOKEN] },
      { auth: { token: TOKEN } },
      { auth: TOKEN, maxBodyBytes: TOKEN },
      { basePath: `no-slash-${TOKEN}` },
    ];
    for (const options of cases) {
      const error = configErrorOf(options);
      expect(error.message, JSON.stringify(options)).not.toContain(TOKEN);
      expect(error.stack ?? '', JSON.stringify(options)).not.toContain(TOKEN);
      expect(inspect(error, { depth: 10 }), JSON.stringify(options)).not.toContain(TOKEN);
    }
  });

  it('accepts a valid full options object and does not modify it', () => {
    const options = {
      basePath: `${BASE}/`,
      auth: TOKEN,
      publicRoutes: ['liveness', 'metrics'] as ('liveness' | 'metrics')[],
      allowUnauthenticatedWrites: false,
      maxBodyBytes: 1024,
      maxRecords: 10,
      healthStatusCodes: { degraded: 429 },
    };
    const copy = structuredClone(options);
    expect(() => createMonitoringHandler(newMonitor(), options)).not.toThrow();
    expect(options).toEqual(copy);
  });
});

describe('headers of every answer', () => {
  it('sends cache-control: no-store and nosniff on every answer, and the JSON content type on JSON ones', async () => {
    const { monitor, call } = setup({ allowUnauthenticatedWrites: true });
    monitor.health.register('db', () => false);
    const record = JSON.stringify({ metricType: 'response_time', value: 1, unit: 'ms' });
    const rule = JSON.stringify({ name: 'r', metricType: 'response_time', condition: 'greater_than', threshold: 1 });
    const json = { 'content-type': 'application/json' };
    const answers: [string, Promise<Response>, string][] = [
      ['health 503', call('GET', `${BASE}/health`), JSON_TYPE],
      ['one check', call('GET', `${BASE}/health/db`), JSON_TYPE],
      ['metrics json', call('GET', `${BASE}/metrics`), JSON_TYPE],
      ['metrics prometheus', call('GET', `${BASE}/metrics?format=prometheus`), PROMETHEUS_CONTENT_TYPE],
      ['metrics openmetrics', call('GET', `${BASE}/metrics?format=openmetrics`), 'application/openmetrics-text; version=1.0.0; charset=utf-8'],
      ['aggregate', call('GET', `${BASE}/metrics/aggregate?name=response_time`), JSON_TYPE],
      ['post metrics 202', call('POST', `${BASE}/metrics`, { headers: json, body: record }), JSON_TYPE],
      ['post rule 201', call('POST', `${BASE}/alerts/rules`, { headers: json, body: rule }), JSON_TYPE],
      ['rules', call('GET', `${BASE}/alerts/rules`), JSON_TYPE],
      ['active', call('GET', `${BASE}/alerts/active`), JSON_TYPE],
      ['pending', call('GET', `${BASE}/alerts/pending`), JSON_TYPE],
      ['history', call('GET', `${BASE}/alerts/history`), JSON_TYPE],
      ['404 route', call('GET', `${BASE}/nope`), JSON_TYPE],
      ['404 rule', call('GET', `${BASE}/alerts/rules/nope`), JSON_TYPE],
      ['405', call('DELETE', `${BASE}/health`), JSON_TYPE],
      ['406', call('GET', `${BASE}/metrics`, { headers: { accept: 'application/xml' } }), JSON_TYPE],
      ['400', call('GET', `${BASE}/metrics?format=xml`), JSON_TYPE],
      ['415', call('POST', `${BASE}/metrics`, { headers: { 'content-type': 'text/plain' }, body: record }), JSON_TYPE],
    ];
    for (const [name, pending, type] of answers) {
      const response = await pending;
      expect(response.headers.get('cache-control'), name).toBe('no-store');
      expect(response.headers.get('x-content-type-options'), name).toBe('nosniff');
      expect(response.headers.get('content-type'), name).toBe(type);
      const text = await response.text();
      // A JSON answer parses; an exposition starts with its first family's metadata.
      expect(type === JSON_TYPE ? parsesAsJson(text) : /^# (HELP|TYPE) /.test(text), `${name}: ${text.slice(0, 80)}`).toBe(true);
    }
  });

  it('sends no-store on 401 and 403 answers too', async () => {
    const open = setup();
    const forbidden = await open.call('POST', `${BASE}/alerts/rules`, { headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('cache-control')).toBe('no-store');
    const closed = setup({ auth: TOKEN });
    const unauthorized = await closed.call('GET', `${BASE}/alerts/rules`);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('cache-control')).toBe('no-store');
    expect(unauthorized.headers.get('content-type')).toBe(JSON_TYPE);
  });
});
