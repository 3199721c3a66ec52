// A real node:http server with createNodeMonitoringHandler and a monitor fed with data, for the
// browser test: requests by route (one with a hostile label), a job, a breaker, health checks
// and a firing alert. The monitor runs on a ManualClock, so nothing rotates out of its windows
// while the browser polls in real time.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMonitor, type Monitor } from 'pulsewatch';
import { createNodeMonitoringHandler } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';

export const BASE = '/mon';
export const TOKEN = 'pw_dashboard_3f9a1c7e5b2d';
/** A route label a hostile client chose: markup, both quotes, an ampersand, non-ASCII. */
export const HOSTILE_ROUTE = `/x/<img src=x id=pwned onerror="window.__pwned=1">'&amp;"<script>window.__pwned=2</script>ü🚀`;
export const HOSTILE_MESSAGE = `<b id="pwned-alert">disk</b> "full" & 'hot' ✓`;

export interface Fixture {
  server: Server;
  origin: string;
  monitor: Monitor;
  /** Records `n` requests on `route` with the given duration (seconds) and status. */
  requests(route: string, n: number, seconds: number, status?: string): void;
  close(): Promise<void>;
}

export async function startFixture(): Promise<Fixture> {
  // 10 s into a slot: a time series read to now includes the slot being recorded into (read at
  // its very start, the grid would end before it and the charts' history would hold no value).
  const monitor = createMonitor({ service: 'shop-api', clock: new ManualClock(Date.parse('2026-12-06T12:00:10Z')) });
  const duration = monitor.histogram({ name: 'http_request_duration_seconds', help: 'request duration', labelNames: ['method', 'route', 'status'], unit: 'seconds' });
  const total = monitor.counter({ name: 'http_requests_total', help: 'requests', labelNames: ['method', 'route', 'status'] });
  const requests = (route: string, n: number, seconds: number, status = '200'): void => {
    for (let i = 0; i < n; i++) {
      const labels = { method: 'GET', route, status };
      duration.observe(seconds * (1 + (i % 10) / 10), labels);
      total.inc(labels);
    }
  };
  requests('/api/orders', 200, 0.08);
  requests('/api/orders', 10, 0.3, '500');
  requests('/api/users/:id', 120, 0.02);
  requests(HOSTILE_ROUTE, 5, 0.5);
  monitor.recordJobExecution('content-generation', true, 25_000);
  monitor.recordJobExecution('content-generation', false, 40_000);
  const stripe = monitor.circuitBreaker('stripe', async () => 'ok');
  await stripe.fire();
  // Seed 004's pipeline (docs/sla.md): 20 messages, 0.8 s to 6.5 s.
  const messages = monitor.timeline('message', { phases: ['queued', 'started', 'delivered'] });
  const now = Date.parse('2026-12-06T12:00:00Z');
  for (let i = 0; i < 20; i++) {
    const at = now - 60_000 + i * 1_000;
    messages.mark(`c1:${i}`, 'queued', at - 800 - i * 300);
    messages.mark(`c1:${i}`, 'started', at - 500);
    messages.mark(`c1:${i}`, 'delivered', at);
  }
  // Two exports that fail with no retries left: two dead letters the page retries and deletes.
  // The handler fails while `failing` is set, so a retry from the page succeeds and the letter goes.
  let failing = true;
  monitor.jobs.define('export-data', async (p: { file: string }) => {
    if (failing) throw new Error(`disk full writing ${p.file}`);
    return p.file;
  }, { retries: 0, concurrency: 1 });
  for (const file of ['a.csv', 'b.csv']) await (await monitor.jobs.enqueue('export-data', { file })).result.catch(() => undefined);
  await monitor.idle();
  failing = false;
  monitor.health.register('database', () => true, { critical: true, groups: ['readiness'] });
  monitor.health.register('cache', () => true);

  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const handler = createNodeMonitoringHandler(monitor, { basePath: BASE, auth: TOKEN, allowedOrigins: [origin], dashboard: true });
  server.on('request', (req, res) => handler(req, res));
  return {
    server,
    origin,
    monitor,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await monitor.close();
    },
  };
}
