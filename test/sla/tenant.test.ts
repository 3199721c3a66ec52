import { describe, expect, it } from 'vitest';
import { ValidationError, type Monitor } from '../../src/index.js';
import { errorResponse } from '../../src/integrations/http/responses.js';
import { Router } from '../../src/integrations/http/router.js';
import { slaRoutes } from '../../src/integrations/http/sla-routes.js';
import { monitoringHandlerOptionsSchema } from '../../src/integrations/http/options.js';
import { CHAT_PHASES, setup, type Setup } from '../timeline/helpers.js';

/** Latencies of two tenants: org-1 fast (3 under 1 s), org-2 slow (2 over 5 s). */
function tenants(s: Setup): void {
  const h = s.monitor.histogram({ name: 'api_latency_ms', labelNames: ['route', 'organizationId'] });
  for (const v of [100, 300, 900]) h.observe(v, { route: '/a', organizationId: 'org-1' });
  for (const v of [6_000, 7_000]) h.observe(v, { route: '/a', organizationId: 'org-2' });
}

async function get(s: Setup, path: string): Promise<{ status: number; body: any }> {
  const match = new Router(slaRoutes).match('GET', new URL(`http://localhost${path}`).pathname)!;
  const monitor = Object.assign(Object.create(s.monitor) as Monitor, { slaReport: (q: never) => s.sla.report(q) });
  const url = new URL(`http://localhost${path}`);
  let response: Response;
  try {
    response = await match.route.handle({ monitor, request: new Request(url), url, params: match.params, options: monitoringHandlerOptionsSchema.parse({}), authenticated: false });
  } catch (error) {
    response = errorResponse(error, () => {});
  }
  return { status: response.status, body: await response.json() };
}

describe('the tenant filter (organizationId) of the SLA analysis', () => {
  it('narrows a metric\'s analysis to series whose organizationId label is the tenant', async () => {
    const s = setup();
    tenants(s);
    const one = await s.sla.report({ metric: 'api_latency_ms', organizationId: 'org-1' });
    expect(one).toMatchObject({ totalMessages: 3, compliance: { compliant: 3, percent: 100 } });
    const two = await s.sla.report({ metric: 'api_latency_ms', organizationId: 'org-2', labels: { route: '/a' } });
    expect(two).toMatchObject({ totalMessages: 2, compliance: { compliant: 0, percent: 0, met: false } });
    const all = await s.sla.report({ metric: 'api_latency_ms' });
    expect(all.totalMessages).toBe(5);
  });

  it('lists no recent samples of a timeline for a tenant (samples carry no labels), and refuses id with it', async () => {
    const s = setup();
    const t = s.timelines.create('chat', { phases: [...CHAT_PHASES] });
    t.mark('c1:a', 'queued', s.clock.now() - 800);
    t.mark('c1:a', 'delivered', s.clock.now());
    expect((await s.sla.report({ timeline: 'chat' })).recentSamples).toHaveLength(1);
    expect((await s.sla.report({ timeline: 'chat', organizationId: 'org-1' })).recentSamples).toEqual([]);
    // Open entries and retained samples count every tenant's: a tenant's report leaves them out.
    expect((await s.sla.report({ timeline: 'chat' })).systemInfo).toMatchObject({ openEntries: 0, retainedSamples: 1 });
    const info = (await s.sla.report({ timeline: 'chat', organizationId: 'org-1' })).systemInfo;
    expect(Object.keys(info)).not.toContain('openEntries');
    expect(Object.keys(info)).not.toContain('retainedSamples');
    const error = await s.sla.report({ timeline: 'chat', organizationId: 'org-1', id: 'c1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['organizationId']);
  });

  it('refuses an organizationId that conflicts with labels.organizationId', async () => {
    const s = setup();
    const error = await s.sla.report({ metric: 'api_latency_ms', organizationId: 'a', labels: { organizationId: 'b' } }).catch((e: unknown) => e);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['organizationId']);
    // The same tenant twice is no conflict.
    await expect(s.sla.report({ metric: 'api_latency_ms', organizationId: 'a', labels: { organizationId: 'a' } })).resolves.toMatchObject({ totalMessages: 0 });
  });

  it('takes ?organizationId on GET /sla, and answers 400 naming it when it is empty', async () => {
    const s = setup();
    tenants(s);
    const { status, body } = await get(s, '/sla?metric=api_latency_ms&organizationId=org-2');
    expect(status).toBe(200);
    expect(body.data.totalMessages).toBe(2);
    const bad = await get(s, '/sla?metric=api_latency_ms&organizationId=');
    expect(bad.status).toBe(400);
    expect(bad.body.error.issues.map((i: { path: string }) => i.path)).toEqual(['organizationId']);
  });
});
