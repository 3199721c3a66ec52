// The built main entry on Cloudflare's runtime: workerd itself, run through miniflare. The
// worker creates its monitor at module scope, where workerd refuses timers, random values and
// other I/O objects, so this fails at start-up if createMonitor() (or importing pulsewatch)
// uses one; the failure quotes workerd's own message.
import type { Readable } from 'node:stream';
import { Miniflare } from 'miniflare';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleWorker, type WorkerAnswer } from './bundle.js';

describe('dist/index.js on workerd (miniflare)', () => {
  let mf: Miniflare | undefined;
  let runtimeOutput = '';

  /** Starts workerd with the worker; a start-up failure is thrown with what workerd printed. */
  async function start(): Promise<Miniflare> {
    const script = await bundleWorker('esm', './worker.js');
    mf = new Miniflare({
      // No nodejs_compat flag: the main entry must run on the plain Workers platform.
      modules: true,
      script,
      compatibilityDate: '2025-09-01',
      handleRuntimeStdio(stdout: Readable, stderr: Readable) {
        stdout.on('data', (chunk: Buffer) => (runtimeOutput += chunk.toString()));
        stderr.on('data', (chunk: Buffer) => (runtimeOutput += chunk.toString()));
      },
    });
    try {
      await mf.ready;
    } catch (error) {
      throw new Error(`workerd did not start the worker:\n${runtimeOutput.trim()}`, { cause: error });
    }
    return mf;
  }

  afterAll(async () => {
    // dispose() waits on the start-up, which rejects again when workerd refused the worker: the
    // test has reported that already.
    await mf?.dispose().catch(() => undefined);
  });

  it('serves a monitor created at module scope: records, aggregates and exposes', async () => {
    const worker = await start();
    const first = await worker.dispatchFetch('http://worker.test/?value=250');
    expect(first.status).toBe(200);
    const one = (await first.json()) as WorkerAnswer;
    expect(one.aggregate).toMatchObject({ name: 'response_time', count: 1, sum: 250, min: 250, max: 250 });
    expect(one.prometheus).toContain('worker_requests_total 1\n');
    expect(one.prometheus).toMatch(/response_time_count\{endpoint="\/edge"\} 1\n/);

    // The same isolate serves the next request: the module-scope monitor keeps what it recorded.
    const second = await worker.dispatchFetch('http://worker.test/?value=750');
    expect(second.status).toBe(200);
    const two = (await second.json()) as WorkerAnswer;
    expect(two.aggregate).toMatchObject({ count: 2, sum: 1000, min: 250, max: 750 });
    expect(two.prometheus).toContain('worker_requests_total 2\n');

    // The monitoring API of the same monitor: health, and the OpenMetrics scrape.
    const auth = { authorization: 'Bearer edge-token' };
    const health = await worker.dispatchFetch('http://worker.test/api/monitoring/health', { headers: auth });
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
    const scrape = await worker.dispatchFetch('http://worker.test/api/monitoring/metrics?format=openmetrics', { headers: auth });
    expect(scrape.status).toBe(200);
    const text = await scrape.text();
    expect(text).toMatch(/response_time_count\{endpoint="\/edge"\} 2\n/);
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(two.prometheus).toMatch(/response_time_count\{endpoint="\/edge"\} 2\n/);
  });
});
