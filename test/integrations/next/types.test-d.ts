import { describe, expectTypeOf, it } from 'vitest';
import { createMonitor } from '../../../src/index.js';
import { createMonitoringRoute, withPerformanceTracking, type MonitoringRouteOptions, type NextPerformanceTrackingOptions } from '../../../src/next.js';

const monitor = createMonitor();

/** Stand-in for next/server's NextRequest: a Request with more on it. */
interface NextRequestLike extends Request {
  nextUrl: URL;
}

describe('withPerformanceTracking types', () => {
  it("keeps the handler's own type: request, context and return type", () => {
    const handler = async (request: NextRequestLike, context: { params: Promise<{ id: string }> }) => Response.json({ id: (await context.params).id, path: request.nextUrl.pathname });
    const GET = withPerformanceTracking(handler, { monitor, route: '/api/users/[id]' });
    expectTypeOf(GET).toEqualTypeOf(handler);
    expectTypeOf(GET).parameter(1).toEqualTypeOf<{ params: Promise<{ id: string }> }>();
  });

  it('keeps a synchronous handler synchronous and a context-free handler context-free', () => {
    const GET = withPerformanceTracking(() => new Response('ok'), { monitor });
    expectTypeOf(GET).toEqualTypeOf<() => Response>();
  });

  it('rejects handlers that do not answer with a Response, and bad options', () => {
    // @ts-expect-error a route handler returns a Response
    withPerformanceTracking(async () => 'text', { monitor });
    // @ts-expect-error monitor is required
    withPerformanceTracking(() => new Response(), { route: '/x' });
    // @ts-expect-error statusLabel is 'code' or 'class'
    withPerformanceTracking(() => new Response(), { monitor, statusLabel: 'family' });
    expectTypeOf<NextPerformanceTrackingOptions>().toHaveProperty('buckets');
  });
});

describe('createMonitoringRoute types', () => {
  it('returns the four method exports of a route file', () => {
    const route = createMonitoringRoute(monitor, { auth: 'token' });
    expectTypeOf(route.GET).toEqualTypeOf<(request: Request) => Promise<Response>>();
    expectTypeOf(route).toHaveProperty('DELETE');
    expectTypeOf<MonitoringRouteOptions['basePath']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<MonitoringRouteOptions['auth']>().toEqualTypeOf<string | ((request: Request) => boolean | Promise<boolean>) | undefined>();
  });
});
