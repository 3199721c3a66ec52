// The main demo: an instrumented node:http server on the embedded in-memory default, driven by
// generated traffic for a few seconds; prints a percentile table and the Prometheus exposition.
// Run with `npm run demo`.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createMonitor } from 'pulsewatch';
import { httpMetrics } from 'pulsewatch/node';

const TRAFFIC_MS = Number(process.env['DEMO_TRAFFIC_MS'] ?? 4000);
const CONCURRENCY = 16;

const monitor = createMonitor({ service: 'demo' });
monitor.on('error', (error) => console.error(`[pulsewatch] ${error.code}: ${error.message}`));

const track = httpMetrics(monitor);
const lookupUser = monitor.withPerformanceTracking(
  async (id: string) => {
    await sleep(logNormalMs(8, 0.5));
    if (id.endsWith('7')) throw new Error(`user ${id} not found`);
    return { id, name: `user-${id}` };
  },
  { name: 'user_lookup', service: 'demo', operation: 'read' },
);

const server = createServer(async (req, res) => {
  track(req, res);
  const url = new URL(req.url ?? '/', 'http://demo');
  try {
    if (url.pathname.startsWith('/users/')) {
      const user = await lookupUser(url.pathname.split('/')[2] ?? '0');
      return send(res, 200, user);
    }
    if (url.pathname === '/orders') {
      await sleep(logNormalMs(40, 0.6));
      return send(res, 200, { orders: [] });
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

await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
console.log(`demo server on ${base}; sending traffic for ${TRAFFIC_MS} ms with ${CONCURRENCY} clients...`);

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

const snapshot = monitor.snapshot();
console.log('snapshot().system:', snapshot.system);
console.log('snapshot().jobs:', snapshot.jobs);

console.log('\n--- Prometheus exposition (text 0.0.4) ---\n');
console.log(monitor.exportPrometheusMetrics({ format: 'prometheus' }));

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
