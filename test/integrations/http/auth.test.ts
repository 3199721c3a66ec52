/**
 * Who may call what on createMonitoringHandler: open reads and refused writes without `auth`,
 * bearer tokens, custom authorizers, publicRoutes, and error answers that leak nothing.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type AlertRuleInput, type MonitoringHandlerOptions, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const BASE = '/api/monitoring';
const TOKEN = 'pw_auth_9b8a7c6d5e4f3a2b1c0d';

const closing = closeAfterEach();

function setup(options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'test', clock });
  closing(monitor);
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.health.register('database', () => true, { groups: ['readiness'] });
  monitor.health.register('eventLoop', () => true, { groups: ['liveness'] });
  const handler = createMonitoringHandler(monitor, { basePath: BASE, ...options });
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown): Promise<Response> =>
    handler(
      new Request(`http://localhost${BASE}${path}`, {
        method,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
  return { clock, monitor, errors, handler, call };
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

interface ErrorBody {
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

const RECORD = { metricType: 'response_time', value: 250, unit: 'ms' };
const RULE = { name: 'High Response Time', metricType: 'response_time', condition: 'greater_than', threshold: 1000 } satisfies AlertRuleInput;

/** Every GET route, with a path that answers 200 when allowed. */
const READS = ['/health', '/health?group=liveness', '/health?group=readiness', '/health/database', '/metrics', '/metrics?format=prometheus', '/metrics/aggregate?name=response_time', '/alerts/rules', '/alerts/active', '/alerts/pending', '/alerts/history'];

/** Every write route, as [method, path, body]. Paths with an id need one that exists to answer 2xx. */
function writes(ruleId = 'nope', alertId = 'nope'): [string, string, unknown][] {
  return [
    ['POST', '/metrics', RECORD],
    ['POST', '/alerts/rules', RULE],
    ['PUT', `/alerts/rules/${ruleId}`, { threshold: 2000 }],
    ['DELETE', `/alerts/rules/${ruleId}`, undefined],
    ['POST', `/alerts/${alertId}/acknowledge`, { by: 'alice' }],
    ['POST', `/alerts/${alertId}/resolve`, undefined],
  ];
}

describe('without the auth option', () => {
  it('leaves every read route open', async () => {
    const { call } = setup();
    for (const path of READS) expect((await call('GET', path)).status, path).toBe(200);
  });

  it('refuses every write route with 403 FORBIDDEN and changes nothing', async () => {
    const { call, monitor } = setup();
    const rule = await monitor.alerts.createRule(RULE);
    for (const [method, path, body] of writes(rule.id)) {
      const response = await call(method, path, {}, body);
      expect(response.status, `${method} ${path}`).toBe(403);
      const { error } = (await response.json()) as ErrorBody;
      expect(error.code).toBe('FORBIDDEN');
      expect(error.message).toContain('auth');
    }
    // Even with a token the handler was not configured for.
    expect((await call('POST', '/metrics', bearer(TOKEN), RECORD)).status).toBe(403);
    expect(monitor.getMetric('response_time')).toBeUndefined();
    expect(monitor.alerts.getRules()).toHaveLength(1);
    expect(monitor.alerts.getRule(rule.id)?.threshold).toBe(1000);
  });

  it('lets writes through with allowUnauthenticatedWrites: true', async () => {
    const { call, monitor } = setup({ allowUnauthenticatedWrites: true });
    expect((await call('POST', '/metrics', {}, RECORD)).status).toBe(202);
    const created = await call('POST', '/alerts/rules', {}, RULE);
    expect(created.status).toBe(201);
    const { rule } = (await created.json()) as { rule: { id: string } };
    expect((await call('PUT', `/alerts/rules/${rule.id}`, {}, { threshold: 5 })).status).toBe(200);
    expect((await call('DELETE', `/alerts/rules/${rule.id}`)).status).toBe(200);
    expect(monitor.getMetric('response_time')).toBeDefined();
  });
});

describe('a bearer token', () => {
  it('refuses a token that could never match a header (empty or with whitespace), without showing it', () => {
    const monitor = createMonitor({ service: 'auth-test' });
    const refusal = (auth: string): PulsewatchError => {
      try {
        createMonitoringHandler(monitor, { auth });
      } catch (error) {
        return error as PulsewatchError;
      }
      throw new Error(`auth ${JSON.stringify(auth)} was accepted`);
    };
    for (const auth of ['', 'my secret token']) {
      const error = refusal(auth);
      expect(error.message).toMatch(/^monitoring handler options: auth: /);
      expect(error.code).toBe('ERR_PULSEWATCH_CONFIG');
    }
    expect(refusal('my secret token').message).not.toContain('secret');
    return monitor.close();
  });

  it('answers 401 UNAUTHORIZED with WWW-Authenticate when the header is missing, on reads and writes', async () => {
    const { call, monitor } = setup({ auth: TOKEN });
    for (const path of READS) {
      const response = await call('GET', path);
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate'), path).toBe('Bearer realm="pulsewatch"');
      expect(((await response.json()) as ErrorBody).error.code).toBe('UNAUTHORIZED');
    }
    for (const [method, path, body] of writes()) {
      const response = await call(method, path, {}, body);
      expect(response.status, `${method} ${path}`).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="pulsewatch"');
    }
    expect(monitor.getMetric('response_time')).toBeUndefined();
    expect(monitor.alerts.getRules()).toEqual([]);
  });

  it('answers 401 for a wrong token, one of another length, a prefix, and other schemes', async () => {
    const { call, monitor } = setup({ auth: TOKEN });
    const wrong = [
      bearer(TOKEN.replace(/.$/, (c) => (c === 'x' ? 'y' : 'x'))),
      bearer(`${TOKEN}x`),
      bearer(TOKEN.slice(0, -1)),
      bearer('x'),
      { authorization: 'Bearer' },
      { authorization: 'Bearer ' },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
      { authorization: `Token ${TOKEN}` },
      { authorization: `Bearer ${TOKEN} extra` },
      { authorization: `Bearer${TOKEN}` },
      { 'x-api-key': TOKEN },
    ];
    for (const headers of wrong) {
      expect((await call('GET', '/alerts/rules', headers)).status, JSON.stringify(headers)).toBe(401);
      expect((await call('POST', '/metrics', headers, RECORD)).status, JSON.stringify(headers)).toBe(401);
    }
    expect(monitor.getMetric('response_time')).toBeUndefined();
  });

  it('lets the right token through, on reads and writes', async () => {
    const { call, monitor } = setup({ auth: TOKEN });
    for (const path of READS) expect((await call('GET', path, bearer(TOKEN))).status, path).toBe(200);
    expect((await call('POST', '/metrics', bearer(TOKEN), RECORD)).status).toBe(202);
    expect((await call('POST', '/alerts/rules', bearer(TOKEN), RULE)).status).toBe(201);
    expect(monitor.alerts.getRules()).toHaveLength(1);
  });

  it('accepts the scheme in any case and surrounding blanks', async () => {
    const { call } = setup({ auth: TOKEN });
    for (const authorization of [`bearer ${TOKEN}`, `BEARER ${TOKEN}`, `Bearer  ${TOKEN}`, `Bearer\t${TOKEN}`, `Bearer ${TOKEN} `]) {
      expect((await call('GET', '/alerts/rules', { authorization })).status, JSON.stringify(authorization)).toBe(200);
    }
  });

  it('needs the token on write routes even with allowUnauthenticatedWrites', async () => {
    const { call } = setup({ auth: TOKEN, allowUnauthenticatedWrites: true });
    expect((await call('POST', '/metrics', {}, RECORD)).status).toBe(401);
    expect((await call('POST', '/metrics', bearer(TOKEN), RECORD)).status).toBe(202);
  });

  it('checks auth before reading the body: an unauthenticated oversized or malformed body is a 401', async () => {
    const { call, handler } = setup({ auth: TOKEN, maxBodyBytes: 100 });
    expect((await call('POST', '/metrics', {}, Array.from({ length: 50 }, () => RECORD))).status).toBe(401);
    const malformed = await handler(new Request(`http://localhost${BASE}/metrics`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{' }));
    expect(malformed.status).toBe(401);
  });
});

describe('publicRoutes', () => {
  it("['liveness'] opens GET /health?group=liveness only", async () => {
    const { call } = setup({ auth: TOKEN, publicRoutes: ['liveness'] });
    const live = await call('GET', '/health?group=liveness');
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ group: 'liveness', checks: { eventLoop: { status: 'healthy' } } });
    expect((await call('HEAD', '/health?group=liveness')).status).toBe(200);
    for (const path of ['/health', '/health?group=readiness', '/health/eventLoop', '/metrics', '/alerts/rules']) {
      expect((await call('GET', path)).status, path).toBe(401);
    }
  });

  // Otherwise `?group=liveness&group=readiness` is authorized as liveness (URLSearchParams.get
  // reads the first value) and answered as readiness (the query parser keeps the last).
  it("['liveness'] does not open another group through a repeated group parameter", async () => {
    const { call, monitor } = setup({ auth: TOKEN, publicRoutes: ['liveness'] });
    let readinessRuns = 0;
    monitor.health.register('secretDb', () => (readinessRuns++, { status: 'healthy' as const, details: { host: 'db.internal' } }), { groups: ['readiness'] });
    for (const query of ['group=liveness&group=readiness', 'group=liveness&group=startup', 'group=liveness&group=liveness&group=readiness']) {
      const response = await call('GET', `/health?${query}`);
      const text = await response.text();
      expect(text, query).not.toContain('secretDb');
      expect(response.status, query).toBe(401);
    }
    expect(readinessRuns).toBe(0);
  });

  // docs/http.md: `'health'` is "all of /health", the liveness group included.
  it("['health'] opens all of /health, the liveness group included", async () => {
    const { call } = setup({ auth: TOKEN, publicRoutes: ['health'] });
    for (const path of ['/health', '/health?group=readiness', '/health/database', '/health?quick=true']) {
      expect((await call('GET', path)).status, path).toBe(200);
    }
    expect((await call('GET', '/health?group=liveness')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(401);
    expect((await call('GET', '/alerts/active')).status).toBe(401);
  });

  it("['metrics'] opens GET /metrics and /metrics/aggregate but not POST /metrics", async () => {
    const { call, monitor } = setup({ auth: TOKEN, publicRoutes: ['metrics'] });
    expect((await call('GET', '/metrics')).status).toBe(200);
    expect((await call('GET', '/metrics?format=openmetrics')).status).toBe(200);
    expect((await call('GET', '/metrics/aggregate?name=response_time')).status).toBe(200);
    expect((await call('POST', '/metrics', {}, RECORD)).status).toBe(401);
    expect(monitor.getMetric('response_time')).toBeUndefined();
    for (const path of ['/health', '/health?group=liveness', '/alerts/rules', '/alerts/history']) {
      expect((await call('GET', path)).status, path).toBe(401);
    }
  });

  it('leaves public routes public with a wrong token too', async () => {
    const { call } = setup({ auth: TOKEN, publicRoutes: ['metrics'] });
    expect((await call('GET', '/metrics', bearer('wrong'))).status).toBe(200);
  });
});

describe('a custom authorizer', () => {
  it('decides per request (sync), reading a header', async () => {
    const seen: string[] = [];
    const { call } = setup({
      auth: (request) => {
        seen.push(new URL(request.url).pathname);
        return request.headers.get('x-api-key') === 'k-123';
      },
    });
    expect((await call('GET', '/alerts/rules', { 'x-api-key': 'k-123' })).status).toBe(200);
    expect((await call('GET', '/alerts/rules', { 'x-api-key': 'k-124' })).status).toBe(401);
    expect((await call('GET', '/alerts/rules')).status).toBe(401);
    expect((await call('POST', '/metrics', { 'x-api-key': 'k-123' }, RECORD)).status).toBe(202);
    expect(seen).toEqual([`${BASE}/alerts/rules`, `${BASE}/alerts/rules`, `${BASE}/alerts/rules`, `${BASE}/metrics`]);
  });

  it('decides per request (async), and only true lets a request through', async () => {
    const answers: unknown[] = [true, 'yes', 1, {}, false, undefined];
    let i = 0;
    const { call } = setup({ auth: async () => answers[i++] as boolean });
    const statuses = [];
    for (let n = 0; n < answers.length; n++) statuses.push((await call('GET', '/alerts/active')).status);
    expect(statuses).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('can read a role header to allow reads but not writes', async () => {
    const { call } = setup({ auth: async (request) => request.method === 'GET' || request.headers.get('x-role') === 'admin' });
    expect((await call('GET', '/alerts/rules')).status).toBe(200);
    expect((await call('POST', '/alerts/rules', {}, RULE)).status).toBe(401);
    expect((await call('POST', '/alerts/rules', { 'x-role': 'admin' }, RULE)).status).toBe(201);
  });

  it('denies with 401 when it throws or rejects, and reports the error on the monitor', async () => {
    for (const auth of [
      () => {
        throw new Error(`authorizer exploded near ${TOKEN}`);
      },
      async () => {
        throw new Error(`authorizer exploded near ${TOKEN}`);
      },
    ]) {
      const { call, errors, monitor } = setup({ auth });
      const response = await call('POST', '/metrics', bearer(TOKEN), RECORD);
      expect(response.status).toBe(401);
      const text = await response.text();
      expect(text).not.toContain('exploded');
      expect(text).not.toContain(TOKEN);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.code).toBe('ERR_PULSEWATCH_INTERNAL');
      expect(errors[0]!.message).toContain('authorizer exploded');
      expect(monitor.getMetric('response_time')).toBeUndefined();
    }
  });
});

describe('error answers leak nothing', () => {
  it('never carry the token or a stack trace', async () => {
    const { call, handler } = setup({ auth: TOKEN, maxBodyBytes: 200 });
    const auth = bearer(TOKEN);
    const answers = await Promise.all([
      call('GET', '/alerts/rules'),
      call('GET', '/alerts/rules', bearer(`${TOKEN}-wrong`)),
      call('GET', '/alerts/rules', { authorization: `Basic ${TOKEN}` }),
      call('GET', '/alerts/rules/nope', auth),
      call('DELETE', '/metrics', auth),
      call('GET', '/metrics?format=xml', auth),
      call('GET', '/metrics', { ...auth, accept: 'application/xml' }),
      call('POST', '/metrics', auth, { ...RECORD, value: -1 }),
      call('POST', '/metrics', auth, Array.from({ length: 10 }, () => RECORD)),
      call('POST', '/alerts/rules', auth, { name: 'x', condition: 'bigger' }),
      call('POST', '/alerts/nope/acknowledge', auth, { by: 'alice' }),
      call('GET', '/health?quick=maybe', auth),
      call('GET', '/health/nope', auth),
      handler(new Request(`http://localhost${BASE}/metrics`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: `{"token":"${TOKEN}"` })),
      handler(new Request(`http://localhost${BASE}/metrics`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: TOKEN })),
    ]);
    const statuses = [];
    for (const response of answers) {
      statuses.push(response.status);
      const text = await response.text();
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/\bat [\w.<>]+ \(|\bat (file|node):|\.ts:\d+/);
      expect((JSON.parse(text) as ErrorBody).error.code).toMatch(/^[A-Z_]+$/);
    }
    expect(statuses).toEqual([401, 401, 401, 404, 405, 400, 406, 400, 413, 400, 404, 400, 404, 400, 415]);
  });
});
