import { describe, expect, it } from 'vitest';
import { loadEdgeBundle } from '../../helpers/edge-bundle.js';

type NextEntry = typeof import('../../../src/next.js');
type MainEntry = typeof import('../../../src/index.js');

/**
 * pulsewatch/next bundled for a platform without Node built-ins, as Next bundles a route with
 * `export const runtime = 'edge'`, and loaded.
 */
async function loadNextBundle(): Promise<{ code: string; next: NextEntry & Pick<MainEntry, 'createMonitor'> }> {
  const { code, module } = await loadEdgeBundle<NextEntry & Pick<MainEntry, 'createMonitor'>>("export * from './src/next.ts'; export { createMonitor } from './src/index.ts';");
  return { code, next: module };
}

describe('pulsewatch/next is edge-safe', () => {
  it('bundles without Node built-ins, and its route handlers run there', async () => {
    const { code, next } = await loadNextBundle();
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
