import { describe, expect, it } from 'vitest';
import type { Monitor } from '../../src/index.js';
import { errorResponse } from '../../src/integrations/http/responses.js';
import { Router } from '../../src/integrations/http/router.js';
import { slaRoutes } from '../../src/integrations/http/sla-routes.js';
import { monitoringHandlerOptionsSchema } from '../../src/integrations/http/options.js';
import { CHAT_PHASES, setup, type Setup } from '../timeline/helpers.js';

/**
 * Serves the SLA routes as the monitoring handler does (match, handle, errors answered by
 * errorResponse) until handler.ts registers them; `monitor.slaReport` is the capability's.
 */
function serve(s: Setup, withSla = true): (path: string) => Promise<{ status: number; body: any }> {
  const router = new Router(slaRoutes);
  // A host without slaReport stands for a monitoring host that does not offer the analysis.
  const monitor = Object.assign(Object.create(s.monitor) as Monitor, { slaReport: withSla ? (q: never) => s.sla.report(q) : undefined });
  const options = monitoringHandlerOptionsSchema.parse({});
  return async (path) => {
    const url = new URL(`http://localhost${path}`);
    let response: Response;
    try {
      const match = router.match('GET', url.pathname)!;
      response = await match.route.handle({ monitor, request: new Request(url), url, params: match.params, options, authenticated: false });
    } catch (error) {
      response = errorResponse(error, () => {});
    }
    return { status: response.status, body: await response.json() };
  };
}

function chat(s: Setup): void {
  const t = s.timelines.create('chat', { phases: [...CHAT_PHASES] });
  for (const [id, ms] of [['c1:a', 800], ['c1:b', 6_000], ['c2:a', 1_500]] as const) {
    const end = s.clock.now();
    t.mark(id, 'queued', end - ms);
    t.mark(id, 'delivered', end);
  }
}

describe('GET /sla', () => {
  it('answers seed 004\'s envelope { success, data, systemInfo }', async () => {
    const s = setup();
    chat(s);
    const { status, body } = await serve(s)('/sla?timeline=chat');
    expect(status).toBe(200);
    expect(body.success).toBe(true);
    expect(body.data).toMatchObject({ name: 'chat', totalMessages: 3, distribution: { under1s: 1, under2s: 1, over5s: 1 } });
    expect(body.systemInfo).toEqual(body.data.systemInfo);
    expect(body.systemInfo).toMatchObject({ enabled: true, scope: 'fleet' });
  });

  it('serves the same analysis at /performance-analysis, on the only timeline when none is named', async () => {
    const s = setup();
    chat(s);
    const { status, body } = await serve(s)('/performance-analysis');
    expect(status).toBe(200);
    expect(body.data.name).toBe('chat');
  });

  it('filters by ?conversationId and cuts the samples at ?limit', async () => {
    const s = setup();
    chat(s);
    const { body } = await serve(s)('/sla?conversationId=c1&limit=1');
    expect(body.data.totalMessages).toBe(2);
    expect(body.data.recentSamples.map((x: { id: string }) => x.id)).toEqual(['c1:b']);
    expect(body.systemInfo.scope).toBe('samples');
  });

  it('takes the window, the objective and label filters from the query', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'api_latency_ms', labelNames: ['route'] });
    for (const v of [100, 300, 900]) h.observe(v, { route: '/a' });
    h.observe(5_000, { route: '/b' });
    const { body } = await serve(s)('/sla?metric=api_latency_ms&window=10m&under=500&percent=60&label.route=/a');
    expect(body.data).toMatchObject({ source: 'metric', window: 600_000, totalMessages: 3, compliance: { under: 500, target: 60, compliant: 2, percent: 66.67, met: true } });
  });

  it.each([
    ['/sla?timeline=chat&limit=abc', 'limit'],
    ['/sla?timeline=chat&limit=-1', 'limit'],
    ['/sla?timeline=chat&limit=100000', 'limit'],
    ['/sla?timeline=chat&window=forever', 'window'],
    ['/sla?timeline=chat&under=0', 'under'],
    ['/sla?timeline=chat&percent=101', 'percent'],
    ['/sla?timeline=chat&conversationId=' + 'x'.repeat(300), 'conversationId'],
    ['/sla?timeline=chat&metric=x', 'metric'],
    ['/sla?timeline=chat&conversationId=a&id=b', 'id'],
    // A repeated single-valued parameter or label is refused, not narrowed to the last (tenant leak).
    ['/sla?timeline=chat&organizationId=a&organizationId=b', 'organizationId'],
    ['/sla?timeline=chat&label.organizationId=a&label.organizationId=b', 'label.organizationId'],
    ['/sla?timeline=chat&label.__proto__=x', 'label.__proto__'],
    // A timeline's report counts both statuses itself: total = complete + partial.
    ['/sla?timeline=chat&label.status=complete', 'label.status'],
    ['/performance-analysis?label.status=partial', 'label.status'],
    [`/sla?timeline=chat&${Array.from({ length: 33 }, (_, i) => `label.l${i}=x`).join('&')}`, 'label'],
  ])('answers %s with a 400 naming %s', async (path, field) => {
    const s = setup();
    chat(s);
    const { status, body } = await serve(s)(path);
    expect(status).toBe(400);
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.issues.map((i: { path: string }) => i.path)).toContain(field);
  });

  it('answers 404 on a monitor without SLA analysis', async () => {
    const s = setup();
    const { status, body } = await serve(s, false)('/sla?timeline=chat');
    expect(status).toBe(404);
    expect(body.error.code).toBe('NOT_FOUND');
  });
});
