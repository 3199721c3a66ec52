/**
 * The explorer is fleet-wide, in a real browser: two monitors of one service share a real Redis
 * store; a metric only the other instance records shows in the explorer of the page this
 * instance serves (GET /metrics/names), and charts from its stored rollups (GET /metrics/series).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createMonitor, type Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { RedisStorage } from 'pulsewatch/redis';
import { ManualClock } from 'pulsewatch/testing';
import { deleteUnder, inspector, redisAvailable, REDIS_URL } from '../helpers/redis-env.js';

const CHROMIUM = process.env.PULSEWATCH_CHROMIUM ?? '/usr/bin/chromium';
const have = existsSync(CHROMIUM);
if (!have && process.env.CI === undefined) console.warn(`test/dashboard/fleet.test.ts: SKIPPED, no chromium at ${CHROMIUM} (apt-get install chromium)`);
const redis = have ? await redisAvailable('dashboard fleet explorer') : false;
const WAIT = { timeout: 15_000 };
const PREFIX = `pwD:${randomUUID()}:`;

describe.skipIf(!redis)('the metric explorer with two instances on one Redis', () => {
  let browser: Browser;
  let server: Server;
  let origin: string;
  const monitors: Monitor[] = [];
  const stores: RedisStorage[] = [];

  beforeAll(async () => {
    // Real time, on a slot boundary: Redis' retention reads this clock too.
    const clock = new ManualClock(Math.floor(Date.now() / 30_000) * 30_000);
    const store = (): RedisStorage => {
      const s = new RedisStorage({ url: REDIS_URL, keyPrefix: PREFIX, now: () => clock.now() });
      stores.push(s);
      return s;
    };
    const self = createMonitor({ service: 'shop-api', instanceId: 'self', clock, storage: store() });
    const other = createMonitor({ service: 'shop-api', instanceId: 'other', clock, storage: store() });
    monitors.push(self, other);
    self.counter({ name: 'local_only_total', help: 'Recorded here' }).inc();
    const orders = other.counter({ name: 'orders_elsewhere_total', help: 'Orders only the other instance takes', labelNames: ['shop'] });
    orders.inc(30, { shop: 'north' });
    orders.inc(12, { shop: 'south' });
    await clock.advanceAsync(30_000);
    await other.flush();
    await self.flush();

    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const handler = createNodeMonitoringHandler(self, { basePath: '/mon', dashboard: true });
    server.on('request', (req, res) => handler(req, res));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    await Promise.all(monitors.map((m) => m.close()));
    await Promise.all(stores.map((s) => s.close()));
    const client = inspector();
    await deleteUnder(client, PREFIX);
    client.disconnect();
  });

  it('lists the other instance\'s metric and charts its rate from the store', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${origin}/mon/dashboard?refresh=0.5`);
    await page.locator('#content').waitFor({ state: 'visible', ...WAIT });
    await page.fill('#series-filter', 'orders_elsewhere');
    await page.locator('#series-count', { hasText: /^1 of \d+ series$/ }).waitFor(WAIT);
    expect(await page.locator('#series option').allInnerTexts()).toEqual(['orders_elsewhere_total (counter, all series, other instances)']);
    // Charted fleet-wide: 42 increments in the other instance's stored slot, as a rate.
    await page.locator('#chart-explorer .u-legend', { hasText: 'per second (fleet)' }).waitFor(WAIT);
    await expect.poll(async () => Number(await page.locator('#chart-explorer').getAttribute('data-filled')), WAIT).toBeGreaterThan(0);
    // This process's own metric is listed too.
    await page.fill('#series-filter', 'local_only');
    await page.locator('#series option', { hasText: 'local_only_total (counter, all series)' }).waitFor({ state: 'attached', ...WAIT });
    expect(await page.locator('#explorer-error').innerText()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  }, 45_000);
});
