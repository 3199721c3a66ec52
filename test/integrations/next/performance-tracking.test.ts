import { describe, expect, it } from 'vitest';
import { ConfigError, createMonitor, isConfigError, type Monitor } from '../../../src/index.js';
import { withPerformanceTracking } from '../../../src/next.js';
import { ManualClock } from '../../../src/testing/manual-clock.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { thrownBy } from '../../helpers/thrown.js';

const closing = closeAfterEach();

function monitorFor(options: Parameters<typeof createMonitor>[0] = {}): Monitor {
  const monitor = createMonitor(options);
  closing(monitor);
  return monitor;
}

function exposition(monitor: Monitor): string {
  return monitor.exportPrometheusMetrics({ names: ['http_requests_total', 'http_request_duration_seconds', 'http_requests_in_flight'] });
}

function requestsTotal(monitor: Monitor, method: string, route: string, status: string): number | undefined {
  const line = exposition(monitor)
    .split('\n')
    .find((l) => l.startsWith(`http_requests_total{method="${method}",route="${route}",status="${status}"} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

function inFlight(monitor: Monitor): number {
  const line = exposition(monitor).split('\n').find((l) => l.startsWith('http_requests_in_flight '));
  return Number(line?.split(' ').at(-1));
}

/** What Next's `redirect('/login')` and `notFound()` throw inside a route handler. */
function nextControlError(digest: string): Error {
  return Object.assign(new Error(digest), { digest });
}

describe('withPerformanceTracking options', () => {
  it('requires a monitor and names the option', () => {
    const error = thrownBy(() => withPerformanceTracking(() => new Response(), {} as never));
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^withPerformanceTracking: monitor: must be a Monitor/);
  });

  it('rejects an unknown option by name, and an empty route', () => {
    const monitor = monitorFor();
    expect(() => withPerformanceTracking(() => new Response(), { monitor, routes: '/x' } as never)).toThrow(/withPerformanceTracking: routes: unknown option/);
    expect(() => withPerformanceTracking(() => new Response(), { monitor, route: '' })).toThrow(/withPerformanceTracking: route: must not be empty/);
    expect(() => withPerformanceTracking(() => new Response(), { monitor, statusLabel: 'family' as never })).toThrow(ConfigError);
  });

  it('rejects a handler that is not a function', () => {
    expect(() => withPerformanceTracking('GET' as never, { monitor: monitorFor() })).toThrow(/the handler must be a function, got string/);
  });

  it('does not write to the options object', () => {
    const options = Object.freeze({ monitor: monitorFor(), route: '/api/x' });
    expect(() => withPerformanceTracking(() => new Response(), options)).not.toThrow();
  });
});

describe('withPerformanceTracking on a route handler', () => {
  it('records method, the given route template and the response status', async () => {
    const monitor = monitorFor();
    const GET = withPerformanceTracking(async (request: Request) => new Response(null, { status: request.url.endsWith('/7') ? 404 : 200 }), {
      monitor,
      route: '/api/users/[id]',
    });
    const DELETE = withPerformanceTracking(async () => new Response(null, { status: 204 }), { monitor, route: '/api/users/[id]' });
    await GET(new Request('http://localhost/api/users/42'));
    await GET(new Request('http://localhost/api/users/43'));
    await GET(new Request('http://localhost/api/users/7'));
    await DELETE();
    expect(requestsTotal(monitor, 'GET', '/api/users/[id]', '200')).toBe(2);
    expect(requestsTotal(monitor, 'GET', '/api/users/[id]', '404')).toBe(1);
    // No request handed in (a handler called directly): still recorded, as GET on the given route.
    expect(requestsTotal(monitor, 'GET', '/api/users/[id]', '204')).toBe(1);
  });

  it('labels by the templated path when no route is given, never the raw URL', async () => {
    const monitor = monitorFor();
    const POST = withPerformanceTracking((_request: Request) => new Response(null, { status: 201 }), { monitor });
    POST(new Request('http://localhost/api/orders/123/items?draft=1', { method: 'POST' }));
    POST(new Request('http://localhost/api/orders/0b5e8f3c-1a2b-4c3d-8e9f-001122334455/items', { method: 'POST' }));
    expect(requestsTotal(monitor, 'POST', '/api/orders/:id/items', '201')).toBe(2);
  });

  it('honours the shared request-metrics options (status classes)', async () => {
    const monitor = monitorFor();
    const GET = withPerformanceTracking(async (_request: Request) => new Response(null, { status: 503 }), { monitor, route: '/api/x', statusLabel: 'class' });
    await GET(new Request('http://localhost/api/x'));
    expect(requestsTotal(monitor, 'GET', '/api/x', '5xx')).toBe(1);
  });

  it('measures the duration until the handler returns its response', async () => {
    const clock = new ManualClock();
    const monitor = monitorFor({ clock });
    const GET = withPerformanceTracking(
      async (_request: Request) => {
        clock.advance(250);
        return new Response('ok');
      },
      { monitor, route: '/slow' },
    );
    await GET(new Request('http://localhost/slow'));
    const text = exposition(monitor);
    expect(text).toContain('http_request_duration_seconds_count{method="GET",route="/slow",status="200"} 1');
    expect(text).toContain('http_request_duration_seconds_sum{method="GET",route="/slow",status="200"} 0.25');
  });

  it('passes request, context and this through, and returns the same response', async () => {
    const monitor = monitorFor();
    const response = Response.json({ ok: true });
    const seen: unknown[] = [];
    const context = { params: Promise.resolve({ id: '42' }) };
    const GET = withPerformanceTracking(
      async function (this: unknown, request: Request, ctx: typeof context) {
        seen.push(this, request, ctx);
        return response;
      },
      { monitor, route: '/api/users/[id]' },
    );
    const request = new Request('http://localhost/api/users/42');
    const self = { marker: true };
    expect(await GET.call(self, request, context)).toBe(response);
    expect(seen).toEqual([self, request, context]);
    expect(seen[2]).toBe(context);
  });

  it('stays synchronous for a synchronous handler', () => {
    const monitor = monitorFor();
    const response = new Response('sync');
    const GET = withPerformanceTracking(() => response, { monitor, route: '/sync' });
    expect(GET()).toBe(response);
    expect(requestsTotal(monitor, 'GET', '/sync', '200')).toBe(1);
  });

  it('records 500 when a handler returns no Response (Next answers 500 then)', async () => {
    const monitor = monitorFor();
    const GET = withPerformanceTracking((async () => undefined) as unknown as () => Promise<Response>, { monitor, route: '/empty' });
    await GET();
    expect(requestsTotal(monitor, 'GET', '/empty', '500')).toBe(1);
  });
});

describe('withPerformanceTracking when the handler throws', () => {
  it('records 500 and rethrows the same error, sync or async', async () => {
    const monitor = monitorFor();
    const reason = new Error('database is down');
    const asyncGet = withPerformanceTracking(async (_request: Request): Promise<Response> => {
      throw reason;
    }, { monitor, route: '/async' });
    const syncGet = withPerformanceTracking((): Response => {
      throw reason;
    }, { monitor, route: '/sync' });
    await expect(asyncGet(new Request('http://localhost/async'))).rejects.toBe(reason);
    expect(thrownBy(() => syncGet())).toBe(reason);
    expect(requestsTotal(monitor, 'GET', '/async', '500')).toBe(1);
    expect(requestsTotal(monitor, 'GET', '/sync', '500')).toBe(1);
  });

  it('rethrows non-Error values unchanged', async () => {
    const monitor = monitorFor();
    const GET = withPerformanceTracking(async (): Promise<Response> => {
      throw 'plain string';
    }, { monitor, route: '/x' });
    await expect(GET()).rejects.toBe('plain string');
  });

  it("records the status Next answers for redirect(), notFound(), forbidden() and unauthorized()", async () => {
    const monitor = monitorFor();
    const errors = [
      nextControlError('NEXT_REDIRECT;replace;/login;307;'),
      nextControlError('NEXT_REDIRECT;push;/a;b;308;'),
      nextControlError('NEXT_HTTP_ERROR_FALLBACK;404'),
      nextControlError('NEXT_HTTP_ERROR_FALLBACK;403'),
      nextControlError('NEXT_HTTP_ERROR_FALLBACK;401'),
      nextControlError('SOMETHING_ELSE;200'),
    ];
    for (const error of errors) {
      const GET = withPerformanceTracking(async (): Promise<Response> => {
        throw error;
      }, { monitor, route: '/control' });
      await expect(GET()).rejects.toBe(error);
    }
    for (const status of ['307', '308', '404', '403', '401', '500']) expect(requestsTotal(monitor, 'GET', '/control', status), status).toBe(1);
  });
});

describe('withPerformanceTracking and requests in flight', () => {
  it('counts a request while it runs and goes back to 0 after success and failure', async () => {
    const monitor = monitorFor();
    let release!: (response: Response) => void;
    const GET = withPerformanceTracking((_request: Request) => new Promise<Response>((resolve) => (release = resolve)), { monitor, route: '/wait' });
    const FAIL = withPerformanceTracking(async (): Promise<Response> => {
      throw new Error('boom');
    }, { monitor, route: '/fail' });

    const pending = GET(new Request('http://localhost/wait'));
    expect(inFlight(monitor)).toBe(1);
    release(new Response('done'));
    await pending;
    expect(inFlight(monitor)).toBe(0);

    await expect(FAIL()).rejects.toThrow('boom');
    expect(() => withPerformanceTracking((): Response => {
      throw new Error('sync boom');
    }, { monitor, route: '/fail' })()).toThrow('sync boom');
    expect(inFlight(monitor)).toBe(0);
  });

  it('keeps no gauge when inFlight is false', async () => {
    const monitor = monitorFor();
    await withPerformanceTracking(async () => new Response(), { monitor, route: '/x', inFlight: false })();
    expect(exposition(monitor)).not.toContain('http_requests_in_flight');
  });
});

describe('withPerformanceTracking never fails the request', () => {
  it('answers even when a strict monitor throws while recording', async () => {
    // One series per metric, strict: the second route's recording throws a CardinalityError.
    const monitor = monitorFor({ strict: true, limits: { maxSeriesPerMetric: 1 } });
    const a = withPerformanceTracking(async () => new Response('a'), { monitor, route: '/a' });
    const b = withPerformanceTracking(async () => new Response('b'), { monitor, route: '/b' });
    expect(await (await a()).text()).toBe('a');
    expect(await (await b()).text()).toBe('b');
    const reason = new Error('handler failure');
    const c = withPerformanceTracking(async (): Promise<Response> => {
      throw reason;
    }, { monitor, route: '/c' });
    await expect(c()).rejects.toBe(reason);
  });
});
