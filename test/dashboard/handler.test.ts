/**
 * The dashboard in the monitoring handler: off by default, served without `auth` when on (the
 * page and assets carry no data) while every data route keeps its rules, other methods refused
 * before a body is read, HEAD without a body, under any base path.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, type Monitor } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { DASHBOARD_SCRIPT } from '../../src/dashboard/assets.generated.js';
import { DASHBOARD_CSP } from '../../src/integrations/http/dashboard-routes.js';

const TOKEN = 'pw_dash_handler_9c2e';
const monitors: Monitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.splice(0).map((m) => m.close()));
});

function handler(options: Parameters<typeof createMonitoringHandler>[1]) {
  const monitor = createMonitor({ service: 'test', clock: new ManualClock() });
  monitors.push(monitor);
  const handle = createMonitoringHandler(monitor, options);
  return (path: string, init?: RequestInit) => handle(new Request(`http://localhost${path}`, init));
}

describe('the dashboard in the monitoring handler', () => {
  it('is off by default: its paths answer 404 like any unknown path', async () => {
    const get = handler({});
    expect((await get('/dashboard')).status).toBe(404);
    expect((await get(`/dashboard/assets/${DASHBOARD_SCRIPT.name}`)).status).toBe(404);
  });

  it('with dashboard: true and auth set, serves the page and assets without credentials; data routes still need them', async () => {
    const get = handler({ basePath: '/mon', auth: TOKEN, dashboard: true });
    const page = await get('/mon/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(DASHBOARD_CSP);
    expect((await get(`/mon/dashboard/assets/${DASHBOARD_SCRIPT.name}`)).status).toBe(200);
    expect((await get('/mon/metrics?format=json')).status).toBe(401);
    expect((await get('/mon/alerts/active')).status).toBe(401);
    expect((await get('/mon/alerts/active', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    // Outside the base path, nothing.
    expect((await get('/dashboard')).status).toBe(404);
  });

  it('answers HEAD without a body, other methods with 405, an unknown asset with 404', async () => {
    const get = handler({ dashboard: true });
    const head = await get('/dashboard', { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
    const post = await get('/dashboard', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
    expect((await get('/dashboard/assets/app.000000000000.js')).status).toBe(404);
  });

  it('tells the page which optional sections the monitor can answer', async () => {
    const html = await (await handler({ dashboard: true })('/dashboard')).text();
    expect(html).toMatch(/<html lang="en" data-features="[a-z ]*">/);
  });
});
