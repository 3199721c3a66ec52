import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMonitor, type Monitor } from '../../../src/index.js';
import { createNodeMonitoringHandler } from '../../../src/node.js';
import { ManualClock } from '../../../src/testing.js';

/** The request traffic of one route label: latencies (seconds) and requests by status. */
export interface RouteTraffic {
  latencies: readonly [seconds: number, times: number][];
  requests: Readonly<Record<string, number>>;
}

/**
 * Three routes whose traffic, over 5 minutes, sits on each side of seed 001's budgets
 * (p95 < 500ms fails, p99 < 1s warns, error rate < 5% fails, throughput > 500/s warns):
 * - `/pass`: p95 = p99 = 80 ms, 1 % errors, 606 req/s: every budget holds (exit 0);
 * - `/warn`: p95 200 ms, p99 1.5 s, 1 % errors, 101 req/s: two warn budgets broken (exit 1);
 * - `/fail`: p95 800 ms, 9.1 % errors, 660 req/s: two fail budgets broken (exit 2).
 */
export const TRAFFIC: Readonly<Record<'/pass' | '/warn' | '/fail', RouteTraffic>> = {
  '/pass': { latencies: [[0.08, 1000]], requests: { '200': 180_000, '500': 1_800 } },
  '/warn': { latencies: [[0.2, 970], [1.5, 30]], requests: { '200': 30_000, '503': 300 } },
  '/fail': { latencies: [[0.8, 1000]], requests: { '200': 180_000, '500': 18_000 } },
};

/** A real node:http server serving a monitor's monitoring handler on a free loopback port. */
export interface PulsewatchServer {
  readonly monitor: Monitor;
  /** The handler's base URL, `http://127.0.0.1:PORT/api/monitoring`. */
  readonly url: string;
  /** Records `traffic` on `route` once more (each call adds to the counters Prometheus scrapes). */
  record(route: string, traffic: RouteTraffic, scale?: number): void;
  close(): Promise<void>;
}

/**
 * Starts a pulsewatch monitoring endpoint (createMonitor + createNodeMonitoringHandler on
 * node:http port 0) on a ManualClock that never moves: recorded data stays inside every window.
 * `onScrape` runs before each `GET /metrics` (Prometheus' scrapes), so a test can make counters
 * grow between scrapes without timers.
 */
export async function startPulsewatchServer(options: { auth?: string; traffic?: boolean; onScrape?: () => void } = {}): Promise<PulsewatchServer> {
  const clock = new ManualClock(Date.UTC(2026, 11, 6, 12));
  const monitor = createMonitor({ service: 'api', clock });
  const duration = monitor.histogram({ name: 'http_request_duration_seconds', help: 'request duration', labelNames: ['route'], unit: 'seconds' });
  const requests = monitor.counter({ name: 'http_requests_total', help: 'requests', labelNames: ['route', 'status'] });
  const record = (route: string, traffic: RouteTraffic, scale = 1): void => {
    for (const [seconds, times] of traffic.latencies) for (let i = 0; i < times * scale; i++) duration.observe(seconds, { route });
    for (const [status, n] of Object.entries(traffic.requests)) requests.inc({ route, status }, n * scale);
  };
  if (options.traffic !== false) for (const [route, traffic] of Object.entries(TRAFFIC)) record(route, traffic);
  const handler = createNodeMonitoringHandler(monitor, { basePath: '/api/monitoring', ...(options.auth ? { auth: options.auth } : {}) });
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (options.onScrape && req.method === 'GET' && req.url?.startsWith('/api/monitoring/metrics') && !req.url.includes('aggregate')) options.onScrape();
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    monitor,
    url: `http://127.0.0.1:${port}/api/monitoring`,
    record,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await monitor.close();
    },
  };
}
