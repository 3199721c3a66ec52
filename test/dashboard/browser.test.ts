/**
 * The built-in dashboard in a real browser (Debian's chromium through playwright-core) against
 * a real node:http server: it asks for the token and shows nothing without it; with it, it
 * fills its charts and tables from the fleet-wide routes, updates when data arrives,
 * acknowledges an alert, shows hostile label values as text, stays on the server's origin,
 * logs no console error, and has no horizontal scroll at 375 px. Screenshots go to
 * test-results/dashboard/ (gitignored).
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BASE, HOSTILE_MESSAGE, HOSTILE_ROUTE, TOKEN, startFixture, type Fixture } from './server.js';

const CHROMIUM = process.env.PULSEWATCH_CHROMIUM ?? '/usr/bin/chromium';
const OUT = 'test-results/dashboard';
const have = existsSync(CHROMIUM);
// Loud on a developer machine without chromium, never silent in CI (scripts/ensure-test-deps.sh installs it).
if (!have && process.env.CI === undefined) console.warn(`test/dashboard/browser.test.ts: SKIPPED, no chromium at ${CHROMIUM} (apt-get install chromium)`);
const WAIT = { timeout: 15_000 };

describe.skipIf(!have && process.env.CI === undefined)('the dashboard in a browser', () => {
  let browser: Browser;
  let fixture: Fixture;
  let page: Page;
  let context: BrowserContext;
  const consoleErrors: string[] = [];
  const foreignRequests: string[] = [];

  /** A page on a fresh context, recording console errors and every request it makes. */
  async function open(width: number, height: number): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
    const ctx = await browser.newContext({ viewport: { width, height } });
    const p = await ctx.newPage();
    const errors: string[] = [];
    p.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    p.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    p.on('request', (r) => {
      if (!r.url().startsWith(`${fixture.origin}/`) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
    });
    return { context: ctx, page: p, errors };
  }

  /** Opens the page, gives it the token; the browser's lines for the 401s before it are dropped from `errors`. */
  async function signIn(p: Page, errors: string[]): Promise<void> {
    // With a trailing slash: the page's links are relative and hold either way.
    await p.goto(`${fixture.origin}${BASE}/dashboard/?refresh=0.5`);
    await p.locator('#token').waitFor({ state: 'visible', ...WAIT });
    // One request is refused (the page asks for the rest only with a token); its line may arrive after the form shows.
    await expect.poll(() => errors.length, WAIT).toBe(1);
    expect(errors[0]).toContain('401');
    errors.length = 0;
    await p.fill('#token', TOKEN);
    await p.click('#login button[type=submit]');
    await p.locator('#routes tbody tr', { hasText: '/api/orders' }).waitFor(WAIT);
  }

  beforeAll(async () => {
    mkdirSync(OUT, { recursive: true });
    // Test output is never committed (until the root .gitignore lists test-results/).
    if (!existsSync('test-results/.gitignore')) writeFileSync('test-results/.gitignore', '*\n');
    fixture = await startFixture();
    await fixture.monitor.alerts.triggerAlert({ name: 'Disk nearly full', message: HOSTILE_MESSAGE, severity: 'critical' });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    ({ context, page } = await open(1280, 900).then((o) => {
      o.page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      return o;
    }));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await fixture?.close();
  });

  it('refuses without the token: the API answers 401 and the page shows only the token form', async () => {
    const refused = await fetch(`${fixture.origin}${BASE}/metrics?format=json`);
    expect(refused.status).toBe(401);
    const response = await page.goto(`${fixture.origin}${BASE}/dashboard?refresh=0.5`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#token').waitFor({ state: 'visible', ...WAIT });
    expect(await page.locator('#content').isHidden()).toBe(true);
    expect(await page.locator('body').innerText()).not.toContain('/api/orders');
    // The only console error so far is the browser's own line for the one refused request.
    await expect.poll(() => consoleErrors.length, WAIT).toBe(1);
    expect(consoleErrors[0]).toContain('401');
    consoleErrors.length = 0;
  }, 30_000);

  it('refuses a wrong token, forgets it, and asks again', async () => {
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type=submit]');
    await page.locator('#login-error', { hasText: 'that token was refused' }).waitFor(WAIT);
    expect(await page.evaluate(() => sessionStorage.getItem('pulsewatch.token'))).toBeNull();
    expect(await page.locator('#content').isHidden()).toBe(true);
    await expect.poll(() => consoleErrors.length, WAIT).toBe(1);
    consoleErrors.length = 0;
  }, 30_000);

  it('with the token, fills the charts and tables from the monitoring routes', async () => {
    await page.fill('#token', TOKEN);
    await page.click('#login button[type=submit]');
    await page.locator('#routes tbody tr', { hasText: '/api/orders' }).waitFor(WAIT);
    await page.locator('#routes tbody tr', { hasText: '/api/users/:id' }).waitFor(WAIT);
    // 10 of /api/orders' 210 requests answered 500: 4.8 %, read fleet-wide per (route, status).
    expect(await page.locator('#routes tbody tr', { hasText: '/api/orders' }).locator('td').nth(2).innerText()).toBe('4.8');
    // The token is kept for the tab, never put in the URL.
    expect(await page.evaluate(() => sessionStorage.getItem('pulsewatch.token'))).toBe(TOKEN);
    expect(page.url()).not.toContain(TOKEN);
    for (const id of ['chart-latency', 'chart-rate', 'chart-errors', 'chart-explorer']) await page.locator(`#${id} canvas`).waitFor(WAIT);
    // History on load (GET /metrics/series): the latency, rate and error-rate charts start 15
    // minutes back, which no polled point can; the error rate's last step holds the 500s.
    for (const id of ['chart-latency', 'chart-rate', 'chart-errors']) expect(Number(await page.locator(`#${id}`).getAttribute('data-first'))).toBeLessThan(Date.now() - 10 * 60_000);
    await expect.poll(async () => Number(await page.locator('#chart-errors').getAttribute('data-filled')), WAIT).toBeGreaterThan(0);
    await page.locator('#chart-latency .u-legend', { hasText: '/api/orders' }).waitFor(WAIT);
    await page.locator('#job-table tbody tr', { hasText: 'content-generation' }).waitFor(WAIT);
    await page.locator('#breaker-table tbody tr', { hasText: 'stripe' }).waitFor(WAIT);
    await page.locator('#checks tbody tr', { hasText: 'database (critical)' }).filter({ hasText: 'readiness' }).waitFor(WAIT);
    // One route's p50, p95 and p99 over time, for the route chosen in the list.
    await page.selectOption('#route', '/api/orders');
    await page.locator('#chart-route .u-legend', { hasText: 'p99' }).waitFor(WAIT);
    await page.locator('#active-alerts tbody tr', { hasText: 'Disk nearly full' }).waitFor(WAIT);
    await page.locator('#slowest tbody tr', { hasText: 'http_request_duration_seconds' }).first().waitFor(WAIT);
    expect(await page.locator('#health-status').innerText()).toBe('healthy');
    expect(await page.locator('#request-summary').innerText()).toMatch(/error rate \d/);
    expect(await page.locator('#series option').count()).toBeGreaterThan(5);
    // The job and SLA sections read their routes where this monitor has them, and say so where not.
    await page.locator('#sla-summary', { hasText: /^message: \d+(\.\d)?% under 5000 ms/ }).waitFor(WAIT);
    await page.locator('#sla-phases tbody tr:has-text("started_to_delivered")').waitFor(WAIT);
    await page.locator('#dead-letters tbody tr', { hasText: 'disk full writing a.csv' }).waitFor(WAIT);
    await page.locator('#dead-letters tbody tr', { hasText: 'disk full writing b.csv' }).waitFor(WAIT);
  }, 30_000);

  it('charts any series chosen in the metric explorer', async () => {
    await page.fill('#series-filter', 'http_requests_total route=/api/orders status=500');
    await page.locator('#series-count', { hasText: /^1 of \d+ series$/ }).waitFor(WAIT);
    expect(await page.locator('#series option').allInnerTexts()).toEqual(['http_requests_total{method="GET",route="/api/orders",status="500"}']);
    // A counter is charted as its fleet-wide rate; a histogram line as its metric's percentiles.
    await page.locator('#chart-explorer .u-legend', { hasText: 'per second (fleet)' }).waitFor(WAIT);
    await page.fill('#series-filter', 'http_request_duration_seconds_count route=/api/users');
    await page.locator('#series-count', { hasText: /^1 of \d+ series$/ }).waitFor(WAIT);
    await page.locator('#chart-explorer .u-legend', { hasText: 'p99' }).waitFor(WAIT);
    // Read from /metrics/series: the chart holds the series' points, not only those polled since.
    await expect.poll(async () => Number(await page.locator('#chart-explorer').getAttribute('data-filled')), WAIT).toBeGreaterThan(0);
    // A metric as a whole (every series, fleet-wide) is listed beside this process's series.
    await page.fill('#series-filter', 'http_requests_total (counter');
    expect(await page.locator('#series option').allInnerTexts()).toEqual(['http_requests_total (counter, all series)']);
    await page.locator('#chart-explorer .u-legend', { hasText: 'per second (fleet)' }).waitFor(WAIT);
    expect(await page.locator('#explorer-error').innerText()).toBe('');
  }, 30_000);

  it('shows hostile label values and messages as text, never as markup', async () => {
    const row = page.locator('#routes tbody tr', { hasText: 'ü🚀' });
    await row.waitFor(WAIT);
    expect(await row.locator('td').first().innerText()).toBe(HOSTILE_ROUTE);
    const alert = page.locator('#active-alerts tbody tr', { hasText: 'Disk nearly full' });
    expect(await alert.locator('td').nth(2).innerText()).toBe(HOSTILE_MESSAGE);
    expect(await page.evaluate(() => [document.getElementById('pwned'), document.getElementById('pwned-alert'), (window as { __pwned?: unknown }).__pwned])).toEqual([null, null, null].map((v, i) => (i === 2 ? undefined : v)));
  });

  it('updates without a reload when new data arrives', async () => {
    const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);
    fixture.requests('/api/checkout', 40, 0.15);
    await page.locator('#routes tbody tr', { hasText: '/api/checkout' }).waitFor(WAIT);
    await page.locator('#chart-rate .u-legend', { hasText: '/api/checkout' }).waitFor(WAIT);
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
  }, 30_000);

  it('acknowledges an alert from the page', async () => {
    const alert = page.locator('#active-alerts tbody tr', { hasText: 'Disk nearly full' });
    await alert.getByRole('button', { name: 'Acknowledge' }).click();
    await page.locator('#active-alerts tbody tr', { hasText: 'acked by dashboard' }).waitFor(WAIT);
    expect(fixture.monitor.alerts.getActiveAlerts().map((a) => a.acknowledgedBy)).toEqual(['dashboard']);
    expect(await page.locator('#alert-error').innerText()).toBe('');
  }, 30_000);

  it('resolves an alert from the page', async () => {
    await fixture.monitor.alerts.triggerAlert({ name: 'Queue backlog', message: 'queue over 1000', severity: 'warning' });
    const alert = page.locator('#active-alerts tbody tr', { hasText: 'Queue backlog' });
    await alert.getByRole('button', { name: 'Resolve' }).click();
    await page.locator('#recent-alerts tbody tr', { hasText: 'Queue backlog' }).filter({ hasText: 'resolved' }).waitFor(WAIT);
    await alert.waitFor({ state: 'detached', ...WAIT });
    expect(fixture.monitor.alerts.getActiveAlerts().map((a) => a.ruleName)).toEqual(['Disk nearly full']);
  }, 30_000);

  it('retries a dead letter and deletes another from the page', async () => {
    await page.locator('#dead-letters tbody tr', { hasText: 'a.csv' }).getByRole('button', { name: 'Retry' }).click();
    // The retry succeeds (the job no longer fails), so the letter goes.
    await page.locator('#dead-letters tbody tr', { hasText: 'a.csv' }).waitFor({ state: 'detached', ...WAIT });
    await page.locator('#dead-letters tbody tr', { hasText: 'b.csv' }).getByRole('button', { name: 'Delete' }).click();
    await page.locator('#dead-letters tbody tr', { hasText: 'no dead letters' }).waitFor(WAIT);
    await fixture.monitor.idle();
    expect(await fixture.monitor.jobs.deadLetters.list()).toEqual([]);
    expect(await page.locator('#dead-letter-error').innerText()).toBe('');
    expect(await page.locator('#dead-letter-actions').isHidden()).toBe(true);
  }, 30_000);

  it('logged no console error and asked nothing outside the server', async () => {
    await page.screenshot({ path: `${OUT}/desktop.png`, fullPage: true });
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('has no horizontal scroll at a phone width (375 px)', async () => {
    const phone = await open(375, 812);
    await signIn(phone.page, phone.errors);
    await phone.page.locator('#routes tbody tr', { hasText: 'ü🚀' }).waitFor(WAIT);
    const widths = await phone.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await phone.page.screenshot({ path: `${OUT}/phone.png`, fullPage: true });
    expect(phone.errors).toEqual([]);
    await phone.context.close();
    await context.close();
  }, 30_000);
});
