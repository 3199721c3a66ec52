// The main demo: an instrumented node:http server on the embedded in-memory default, driven by
// generated traffic for a few seconds; prints a percentile table, the alerts that fired, the
// health answer, a circuit breaker's stats and the Prometheus exposition, the last three read
// over the monitoring HTTP API the server mounts at /api/monitoring, which also serves the
// built-in dashboard while the traffic runs. Run with `npm run demo` (DEMO_TRAFFIC_MS=60000 for
// a minute to look at the dashboard; DEMO_PORT to pick the port).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checks, consoleNotifier, createMonitor } from 'pulsewatch';
import { createNodeMonitoringHandler, httpMetrics } from 'pulsewatch/node';

const TRAFFIC_MS = Number(process.env['DEMO_TRAFFIC_MS'] ?? 4000);
const CONCURRENCY = 16;

const monitor = createMonitor({ service: 'demo', notifiers: [consoleNotifier({ name: 'console' })] });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));

const track = httpMetrics(monitor);
const PORT = Number(process.env['DEMO_PORT'] ?? 0);
// The monitoring API (health, metrics, alerts) and the dashboard page; health is open, the rest
// needs the token. The page's own origin may write (acknowledge an alert), so it is allowed.
const TOKEN = process.env['MONITORING_TOKEN'] ?? 'demo-token-change-me';
let monitoring: ReturnType<typeof createNodeMonitoringHandler> | undefined;
const lookupUser = monitor.withPerformanceTracking(
  async (id: string) => {
    await sleep(logNormalMs(8, 0.5));
    if (id.endsWith('7')) throw new Error(`user ${id} not found`);
    return { id, name: `user-${id}` };
  },
  { name: 'user_lookup', service: 'demo', operation: 'read' },
);

// A dependency that fails now and then, behind a circuit breaker (seed 000: open after 5 failures).
const inventory = monitor.circuitBreaker(
  'inventory',
  async () => {
    await sleep(logNormalMs(5, 0.3));
    if (Math.random() < 0.05) throw new Error('inventory timed out');
    return { inStock: true };
  },
  { failureThreshold: 5, resetTimeout: '60s', timeout: '2s', fallback: () => ({ inStock: false }) },
);

// Alert rules in seed 003's shape; each sends to the console channel when it fires.
await monitor.alerts.createRule({
  name: 'Slow reports',
  metric: 'http_request_duration_seconds',
  labels: { route: '/reports' },
  aggregation: 'p95',
  window: '1m',
  condition: 'greater_than',
  threshold: 0.1,
  severity: 'warning',
});
await monitor.alerts.createRule({ name: 'Report failures', metric: 'job_executions_total', aggregation: 'errorRate', groupBy: ['job'], condition: 'gt', threshold: 5, severity: 'error' });

const server = createServer(async (req, res) => {
  if (req.url?.startsWith('/api/monitoring/') && monitoring !== undefined) return monitoring(req, res);
  track(req, res);
  const url = new URL(req.url ?? '/', 'http://demo');
  try {
    if (url.pathname.startsWith('/users/')) {
      const user = await lookupUser(url.pathname.split('/')[2] ?? '0');
      return send(res, 200, user);
    }
    if (url.pathname === '/orders') {
      const stock = await inventory.fire();
      await sleep(logNormalMs(40, 0.6));
      return send(res, 200, { orders: [], ...stock });
    }
    if (url.pathname === '/reports') {
      const started = Date.now();
      await sleep(logNormalMs(120, 0.4));
      const ok = Math.random() > 0.1;
      monitor.recordJobExecution('generate-report', ok, Date.now() - started);
      return send(res, ok ? 200 : 500, { ok });
    }
    return send(res, 404, { error: 'not found' });
  } catch (error) {
    return send(res, 500, { error: (error as Error).message });
  }
});

await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
monitoring = createNodeMonitoringHandler(monitor, { basePath: '/api/monitoring', auth: TOKEN, publicRoutes: ['health'], dashboard: true, allowedOrigins: [base] });
console.log(`demo server on ${base}; sending traffic for ${TRAFFIC_MS} ms with ${CONCURRENCY} clients...`);
// A token of your own (MONITORING_TOKEN) is never printed: only the demo's default is.
console.log(`dashboard: ${base}/api/monitoring/dashboard (token: ${process.env['MONITORING_TOKEN'] === undefined ? TOKEN : 'MONITORING_TOKEN'})`);

const paths = ['/users/', '/users/', '/users/', '/orders', '/orders', '/reports'];
const until = Date.now() + TRAFFIC_MS;
let sent = 0;
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    while (Date.now() < until) {
      const path = paths[Math.floor(Math.random() * paths.length)]!;
      const url = path === '/users/' ? `${base}/users/${Math.floor(Math.random() * 1000)}` : `${base}${path}`;
      const started = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      // The seeds' API: a free-form record with a unit and tags.
      monitor.recordMetric({ metricType: 'client_latency', value: performance.now() - started, unit: 'ms', tags: { path: path.replace(/\/$/, '') } });
      sent++;
    }
  }),
);

console.log(`\n${sent} requests sent. Latency by route over the last minute (ms):\n`);
const rows = [];
for (const route of ['/users/:id', '/orders', '/reports']) {
  for (const status of ['200', '500']) {
    const a = await monitor.getAggregatedMetrics({ name: 'http_request_duration_seconds', labels: { route, status }, window: '1m' });
    if (a.count === 0) continue;
    const ms = (v: number) => (v * 1000).toFixed(1);
    rows.push({ route, status, count: a.count, 'req/s': a.rate.toFixed(1), p50: ms(a.p50), p90: ms(a.p90), p95: ms(a.p95), p99: ms(a.p99), max: ms(a.max) });
  }
}
console.table(rows);

const client = await monitor.getAggregatedMetrics({ name: 'client_latency', window: '1m' });
console.log(`client-side latency (recordMetric, ms): p50 ${client.p50.toFixed(1)}, p95 ${client.p95.toFixed(1)}, p99 ${client.p99.toFixed(1)}`);

const snapshot = await monitor.snapshot();
console.log('snapshot().system:', snapshot.system);
console.log('snapshot().jobs:', snapshot.jobs);

console.log('\n--- alerts (one evaluation; the console channel printed what fired) ---');
await monitor.alerts.evaluate();
await monitor.notifications.idle();
const api = (path: string) => fetch(`${base}/api/monitoring${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
const { alerts } = (await (await api('/alerts/active')).json()) as { alerts: { labels: Record<string, string>; severity: string; message: string }[] };
for (const alert of alerts) console.log(`firing: ${alert.labels['alertname']} [${alert.severity}] ${alert.message}`);

monitor.health.register('orders', checks.http(`${base}/orders`, { expectStatus: 200, timeout: '1s' }), { groups: ['readiness'], degradedAfter: '500ms' });
monitor.health.register('breakers', checks.breakers(monitor), { critical: false });
// GET /api/monitoring/health: open to probes, 503 when unhealthy.
const healthResponse = await fetch(`${base}/api/monitoring/health`);
const health = (await healthResponse.json()) as { status: string; checks: Record<string, { status: string; responseTime: number }> };
console.log(`\nGET /api/monitoring/health -> ${healthResponse.status}; health: ${health.status}`, Object.fromEntries(Object.entries(health.checks).map(([name, c]) => [name, `${c.status} in ${c.responseTime} ms`])));
const [breaker] = monitor.breakers();
console.log(`breaker "${breaker?.name}": ${breaker?.state}, ${breaker?.successes} ok, ${breaker?.failures} failed, ${breaker?.fallbacks} answered by the fallback`);

console.log('\n--- GET /api/monitoring/metrics?format=prometheus (text 0.0.4) ---\n');
console.log(await (await api('/metrics?format=prometheus')).text());

await monitor.close();
await new Promise((resolve) => server.close(resolve));
console.log('demo finished: monitor closed, every rollup written to the in-memory store.');

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Latencies are log-normal in real services: a median and a long right tail.
function logNormalMs(median: number, sigma: number): number {
  const u = 1 - Math.random();
  const v = Math.random();
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(sigma * normal);
}
