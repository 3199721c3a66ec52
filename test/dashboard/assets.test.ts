/**
 * The dashboard's assets: the committed module is what the build makes of its sources, the page
 * shell has no inline script or style, assets are served immutable under their hash, the CSP
 * is strict, and a hostile mount path cannot break out of the shell's attributes.
 */
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_HTML, DASHBOARD_SCRIPT, DASHBOARD_STYLE } from '../../src/dashboard/assets.generated.js';
import { DASHBOARD_CSP, dashboardFeatures, dashboardResponse, isDashboardPath } from '../../src/integrations/http/dashboard-routes.js';

const FEATURES = { jobs: true, sla: false };

describe('the generated assets', () => {
  it('are up to date with src/dashboard/page and uPlot (run node scripts/build-dashboard.mjs)', async () => {
    // @ts-expect-error: a plain .mjs script without types
    const { buildDashboard, GENERATED } = (await import('../../scripts/build-dashboard.mjs')) as { buildDashboard(): Promise<{ text: string }>; GENERATED: string };
    const { text } = await buildDashboard();
    expect(await readFile(GENERATED, 'utf8')).toBe(text);
  }, 30_000);

  it('are named by their content hash and stay small (under 40 KB gzipped in all)', () => {
    expect(DASHBOARD_SCRIPT.name).toMatch(/^app\.[0-9a-f]{12}\.js$/);
    expect(DASHBOARD_STYLE.name).toMatch(/^app\.[0-9a-f]{12}\.css$/);
    const total = [DASHBOARD_HTML, DASHBOARD_SCRIPT.body, DASHBOARD_STYLE.body].reduce((n, text) => n + gzipSync(text, { level: 9 }).length, 0);
    expect(total).toBeLessThan(40_000);
  });

  it('have no inline script, inline style, eval or remote URL', () => {
    expect(DASHBOARD_HTML).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(DASHBOARD_HTML).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
    expect(DASHBOARD_HTML).not.toMatch(/https?:\/\//);
    expect(DASHBOARD_SCRIPT.body).not.toMatch(/\beval\(|new Function\(|\.innerHTML\s*=|insertAdjacentHTML|document\.write/);
  });
});

describe('the dashboard routes', () => {
  const url = (path: string): URL => new URL(`http://localhost/mon${path}`);

  it('own the page and its assets, nothing else', () => {
    expect(['/dashboard', '/dashboard/', '/dashboard/assets/x.js'].map(isDashboardPath)).toEqual([true, true, true]);
    expect(['/dashboards', '/metrics', '/dashboard/other'].map(isDashboardPath)).toEqual([false, false, false]);
  });

  it('serve the shell with a strict CSP, revalidated, linking the hashed assets relative to the page', async () => {
    const response = await dashboardResponse('GET', url('/dashboard'), '/dashboard', FEATURES);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    expect(response.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).toContain("connect-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe-(inline|eval)/);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    const html = await response.text();
    expect(html).toContain(`src="dashboard/assets/${DASHBOARD_SCRIPT.name}"`);
    expect(html).toContain(`href="dashboard/assets/${DASHBOARD_STYLE.name}"`);
    // From `…/dashboard/` the same assets are one level down.
    expect(await (await dashboardResponse('GET', url('/dashboard/'), '/dashboard/', FEATURES)).text()).toContain(`src="assets/${DASHBOARD_SCRIPT.name}"`);
    expect(html).toContain('data-features="jobs"');
  });

  it('serve each asset immutable for a year, and 404 for a name it does not have', async () => {
    const script = await dashboardResponse('GET', url(`/dashboard/assets/${DASHBOARD_SCRIPT.name}`), `/dashboard/assets/${DASHBOARD_SCRIPT.name}`, FEATURES);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await script.text()).toBe(DASHBOARD_SCRIPT.body);
    const style = await dashboardResponse('HEAD', url(`/dashboard/assets/${DASHBOARD_STYLE.name}`), `/dashboard/assets/${DASHBOARD_STYLE.name}`, FEATURES);
    expect(style.headers.get('content-type')).toBe('text/css; charset=utf-8');
    await expect(dashboardResponse('GET', url('/dashboard/assets/app.0000.js'), '/dashboard/assets/app.0000.js', FEATURES)).rejects.toMatchObject({ status: 404 });
    await expect(dashboardResponse('GET', url('/dashboard/assets/../../metrics'), '/dashboard/assets/../../metrics', FEATURES)).rejects.toMatchObject({ status: 404 });
  });

  it('tell the page the job and SLA sections only where the handler serves them and the monitor can answer', () => {
    const all = (): boolean => true;
    const capable = { jobs: { deadLetters: { list: () => [] } }, slaReport: () => ({}), getTimelines: () => [{}] };
    expect(dashboardFeatures(capable, all)).toEqual({ jobs: true, sla: true });
    expect(dashboardFeatures({}, all)).toEqual({ jobs: false, sla: false });
    expect(dashboardFeatures(capable, (path) => path === '/sla')).toEqual({ jobs: false, sla: true });
    // Without a timeline /sla would answer 400 on every poll: the section says there is nothing to show.
    expect(dashboardFeatures({ ...capable, getTimelines: () => [] }, all)).toEqual({ jobs: true, sla: false });
  });

  it('refuse other methods with 405 and an Allow header', async () => {
    await expect(dashboardResponse('POST', url('/dashboard'), '/dashboard', FEATURES)).rejects.toMatchObject({ status: 405, headers: { allow: 'GET, HEAD' } });
  });
});
