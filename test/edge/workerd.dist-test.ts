// The built main entry on Cloudflare's runtime: workerd itself, run through miniflare. The
// worker creates its monitor at module scope, where workerd refuses timers and random values,
// so this fails at start-up if createMonitor() (or importing pulsewatch) uses either.
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker, type WorkerAnswer } from './bundle.js';

describe('dist/index.js on workerd (miniflare)', () => {
  let mf: Miniflare;

  beforeAll(async () => {
    const script = await bundleWorker('esm', './worker.js');
    // No nodejs_compat flag: the main entry must run on the plain Workers platform.
    mf = new Miniflare({ modules: true, script, compatibilityDate: '2025-09-01' });
    await mf.ready;
  });

  afterAll(async () => {
    await mf?.dispose();
  });

  it('serves a monitor created at module scope: records, aggregates and exposes', async () => {
    const first = await mf.dispatchFetch('http://worker.test/?value=250');
    expect(first.status).toBe(200);
    const one = (await first.json()) as WorkerAnswer;
    expect(one.aggregate).toMatchObject({ name: 'response_time', count: 1, sum: 250, min: 250, max: 250 });
    expect(one.prometheus).toContain('worker_requests_total 1\n');
    expect(one.prometheus).toMatch(/response_time_count\{endpoint="\/edge"\} 1\n/);

    // The same isolate serves the next request: the module-scope monitor keeps what it recorded.
    const second = await mf.dispatchFetch('http://worker.test/?value=750');
    expect(second.status).toBe(200);
    const two = (await second.json()) as WorkerAnswer;
    expect(two.aggregate).toMatchObject({ count: 2, sum: 1000, min: 250, max: 750 });
    expect(two.prometheus).toContain('worker_requests_total 2\n');
    expect(two.prometheus).toMatch(/response_time_count\{endpoint="\/edge"\} 2\n/);
  });
});
