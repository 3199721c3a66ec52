/**
 * The dashboard filled by a running example, not a fixture: the main demo (`npm run demo`,
 * examples/demo/server.ts) runs as its own process with real traffic, and a real chromium
 * signs in to its dashboard while the traffic runs: the charts start with the minutes before
 * the page opened (read from the series route), the request tables and charts fill from the
 * demo's routes and keep updating without a reload. Screenshot: test-results/dashboard/demo.png.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = process.env.PULSEWATCH_CHROMIUM ?? '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
const WAIT = { timeout: 20_000 };

/** Starts the demo with `ms` of traffic; resolves with its dashboard URL and token once it prints them. */
function startDemo(ms: number): Promise<{ child: ChildProcess; url: string; token: string; output: () => string }> {
  // The demo's default token, which it prints (one of your own in MONITORING_TOKEN it never prints).
  const { MONITORING_TOKEN: _, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/demo/server.ts'], { env: { ...env, DEMO_TRAFFIC_MS: String(ms) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /dashboard: (\S+) \(token: (\S+)\)/.exec(out);
      if (m !== null) resolve({ child, url: m[1]!, token: m[2]!, output: () => out });
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}) before printing its dashboard URL:\n${out}`)));
  });
}

describe.skipIf(!have && process.env.CI === undefined)('the dashboard of the running demo', () => {
  let browser: Browser;
  let demo: Awaited<ReturnType<typeof startDemo>>;

  beforeAll(async () => {
    mkdirSync('test-results/dashboard', { recursive: true });
    demo = await startDemo(25_000);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    demo?.child.kill('SIGTERM');
  });

  it('fills its request tables and charts from the demo traffic and updates them without a reload', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const foreign: string[] = [];
    const origin = new URL(demo.url).origin;
    page.on('pageerror', (e) => errors.push(e.message));
    // The browser logs every non-2xx answer as a console error: the page asks only what the demo serves.
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(`${origin}/`)) foreign.push(r.url());
    });
    const openedAt = Date.now();
    await page.goto(`${demo.url}?refresh=0.5`);
    // The first read, before the token, is refused: the browser's one console line for that 401.
    await page.locator('#token').waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => errors.length, WAIT).toBe(1);
    expect(errors[0]).toContain('401');
    errors.length = 0;
    await page.fill('#token', demo.token);
    await page.click('#login button[type=submit]');
    for (const route of ['/users/:id', '/orders', '/reports']) await page.locator('#routes tbody tr', { hasText: route }).waitFor(WAIT);
    for (const id of ['chart-latency', 'chart-rate', 'chart-errors']) await page.locator(`#${id} canvas`).waitFor(WAIT);
    await page.locator('#breaker-table tbody tr', { hasText: 'inventory' }).waitFor(WAIT);
    // History on load (GET /metrics/series): the latency chart starts before the page opened,
    // which no polled point can (each is taken after it).
    for (const id of ['chart-latency', 'chart-errors']) expect(Number(await page.locator(`#${id}`).getAttribute('data-first'))).toBeLessThan(openedAt);
    // The demo's traffic keeps coming: the request rate cell of /orders changes between polls.
    const rate = () => page.locator('#routes tbody tr', { hasText: '/orders' }).locator('td').nth(1).innerText();
    const first = await rate();
    await expect.poll(rate, WAIT).not.toBe(first);
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(1);
    await page.screenshot({ path: 'test-results/dashboard/demo.png', fullPage: true });
    expect(errors).toEqual([]);
    expect(foreign).toEqual([]);
  }, 60_000);
});
