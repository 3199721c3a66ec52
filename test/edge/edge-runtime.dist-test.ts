// The built main entry on Vercel's edge runtime (what Next.js middleware and edge routes run on):
// its VM has only the Web platform's globals and refuses code generation (eval, new Function).
import { EdgeRuntime } from 'edge-runtime';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, type WorkerAnswer } from './bundle.js';

describe('dist/index.js on edge-runtime', () => {
  let runtime: EdgeRuntime;

  beforeAll(async () => {
    runtime = new EdgeRuntime({ initialCode: await bundleWorker('iife', './edge-runtime-entry.js') });
  });

  it('has none of the globals of Node', () => {
    for (const name of ['process', 'require', 'Buffer', 'global', 'window']) {
      expect(runtime.evaluate(`typeof ${name}`), name).toBe('undefined');
    }
  });

  it('serves a monitor created at module scope: records, aggregates and exposes', async () => {
    const first = await runtime.dispatchFetch('http://edge.test/?value=250');
    expect(first.status).toBe(200);
    const one = (await first.json()) as WorkerAnswer;
    expect(one.aggregate).toMatchObject({ name: 'response_time', count: 1, sum: 250, min: 250, max: 250 });
    expect(one.prometheus).toContain('worker_requests_total 1\n');
    expect(one.prometheus).toMatch(/response_time_count\{endpoint="\/edge"\} 1\n/);

    const second = await runtime.dispatchFetch('http://edge.test/?value=750');
    expect(second.status).toBe(200);
    const two = (await second.json()) as WorkerAnswer;
    expect(two.aggregate).toMatchObject({ count: 2, sum: 1000, min: 250, max: 750 });
    expect(two.prometheus).toContain('worker_requests_total 2\n');

    // The monitoring API of the same monitor: health, and the OpenMetrics scrape.
    const auth = { authorization: 'Bearer edge-token' };
    const health = await runtime.dispatchFetch('http://edge.test/api/monitoring/health', { headers: auth });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    const scrape = await runtime.dispatchFetch('http://edge.test/api/monitoring/metrics?format=openmetrics', { headers: auth });
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toMatch(/response_time_count\{endpoint="\/edge"\} 2\n/);
    expect(text.endsWith('# EOF\n')).toBe(true);
    await Promise.all([first.waitUntil(), second.waitUntil()]);
  });
});
