// The job routes on their own (the handler registers them once handler.ts lists jobRoutes): each
// route is matched by a Router and run with the context the handler builds, errors mapped as the
// handler maps them.
import { describe, expect, it } from 'vitest';
import { jobRoutes } from '../../src/integrations/http/job-routes.js';
import { monitoringHandlerOptionsSchema } from '../../src/integrations/http/options.js';
import { errorResponse } from '../../src/integrations/http/responses.js';
import { Router } from '../../src/integrations/http/router.js';
import type { Monitor } from '../../src/monitor.js';
import { jobsHarness } from './harness.js';

function routes(monitor: object) {
  const router = new Router(jobRoutes);
  const options = monitoringHandlerOptionsSchema.parse({});
  return async (method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
    const url = new URL(`http://localhost${path}`);
    const match = router.match(method, url.pathname);
    if (match === undefined || !('route' in match)) throw new Error(`no route for ${method} ${path}`);
    const request = new Request(url, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    let response: Response;
    try {
      response = await match.route.handle({ monitor: monitor as Monitor, request, url, params: match.params, options, authenticated: true });
    } catch (error) {
      response = errorResponse(error, () => undefined);
    }
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
}

describe('job routes', () => {
  it('writes need auth like the alert routes; reads are read routes', () => {
    expect(jobRoutes.map((r) => `${r.method} ${r.path} ${String(r.access)}`)).toEqual([
      'GET /jobs/dead-letters read',
      'POST /jobs/dead-letters/retry write',
      'POST /jobs/dead-letters/:id/retry write',
      'DELETE /jobs/dead-letters/:id write',
      'GET /jobs/bottlenecks read',
      'GET /jobs/baselines read',
    ]);
  });

  it('lists, retries one, retries all and deletes dead letters', async () => {
    const h = jobsHarness();
    let failing = true;
    h.jobs.define('export-data', (p: number) => {
      if (failing) throw new Error('down');
      return p;
    }, { retries: 0 });
    const ids: string[] = [];
    for (const p of [1, 2, 3]) ids.push((await h.jobs.enqueue('export-data', p)).id);
    await h.clock.advanceAsync(0);
    const call = routes({ jobs: h.jobs });
    const listed = await call('GET', '/jobs/dead-letters?job=export-data&limit=2');
    expect(listed.status).toBe(200);
    expect((listed.body.deadLetters as { data: number }[]).map((l) => l.data)).toEqual([1, 2]);
    expect((await call('GET', '/jobs/dead-letters?limit=0')).status).toBe(400);
    expect(await call('DELETE', `/jobs/dead-letters/${ids[2]}`)).toEqual({ status: 200, body: { deleted: ids[2] } });
    expect((await call('DELETE', `/jobs/dead-letters/${ids[2]}`)).status).toBe(404);
    failing = false;
    expect(await call('POST', `/jobs/dead-letters/${ids[0]}/retry`)).toEqual({ status: 202, body: { retried: ids[0] } });
    expect((await call('POST', '/jobs/dead-letters/nope/retry')).status).toBe(404);
    await h.clock.advanceAsync(0);
    expect(await call('POST', '/jobs/dead-letters/retry', { job: 'export-data' })).toEqual({ status: 202, body: { retried: [ids[1]] } });
    await h.clock.advanceAsync(0);
    expect((await call('GET', '/jobs/dead-letters')).body).toEqual({ deadLetters: [] });
    expect((await call('GET', '/jobs/bottlenecks')).body).toEqual({ bottlenecks: [{ jobType: 'export-data', reason: 'failures', severity: 'high', value: 60 }] });
    expect((await call('GET', '/jobs/baselines')).body).toEqual({ baselines: [], regressions: [] });
  });

  it('answers 404 on a monitor without a job runner', async () => {
    expect((await routes({})('GET', '/jobs/dead-letters')).status).toBe(404);
  });
});
