import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

type NextEntry = typeof import('../../../src/next.js');
type MainEntry = typeof import('../../../src/index.js');

/**
 * pulsewatch/next bundled for a platform without Node built-ins, as Next bundles a route with
 * `export const runtime = 'edge'`, and loaded. Fails if anything it reaches imports `node:`.
 */
async function loadEdgeBundle(): Promise<{ code: string; next: NextEntry & Pick<MainEntry, 'createMonitor'> }> {
  const result = await build({
    stdin: { contents: "export * from './src/next.ts'; export { createMonitor } from './src/index.ts';", resolveDir: process.cwd(), loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    write: false,
    mainFields: ['module', 'main'],
    // As tsup.config.ts does for the published build: opossum's `events` becomes eventemitter3.
    alias: { events: 'eventemitter3' },
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, next: (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as NextEntry & Pick<MainEntry, 'createMonitor'> };
}

describe('pulsewatch/next is edge-safe', () => {
  it('bundles without Node built-ins, and its route handlers run there', async () => {
    const { code, next } = await loadEdgeBundle();
    expect(code).not.toMatch(/from\s*["']node:|import\(["']node:|require\(["']node:/);

    const monitor = next.createMonitor();
    const GET = next.withPerformanceTracking(async (_request: Request) => Response.json({ ok: true }), { monitor, route: '/api/edge' });
    expect((await GET(new Request('http://localhost/api/edge'))).status).toBe(200);
    const route = next.createMonitoringRoute(monitor);
    const metrics = await route.GET(new Request('http://localhost/api/monitoring/metrics?format=prometheus'));
    expect(await metrics.text()).toContain('http_requests_total{method="GET",route="/api/edge",status="200"} 1');
    await monitor.close();
  });
});
