import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/ports.js';
import { startPrometheus, waitForData, type PrometheusProcess } from './helpers/prometheus.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';
import { startPulsewatchServer, type PulsewatchServer, type RouteTraffic } from './helpers/server.js';

const SEED_001 = fileURLToPath(new URL('./fixtures/seed-001-budgets.yaml', import.meta.url));

/**
 * Traffic added before each scrape, so Prometheus sees counters grow at about this much per
 * second (one scrape a second). Margins are wide: a slow scrape halves a rate (a loaded CI
 * machine scraped /pass at under 500 req/s with 5,050 a scrape, so the throughput budget's
 * routes add 50,500 and 55,000: it passes down to one scrape in 100 s), and bucket
 * interpolation moves percentiles within their bucket (0.8 s reads as ~0.98 s in (0.5, 1]).
 */
const PER_SCRAPE: Readonly<Record<string, RouteTraffic>> = {
  '/pass': { latencies: [[0.08, 100]], requests: { '200': 50_000, '500': 500 } },
  '/warn': { latencies: [[0.2, 97], [1.5, 3]], requests: { '200': 100, '503': 1 } },
  '/fail': { latencies: [[0.8, 100]], requests: { '200': 50_000, '500': 5_000 } },
};

let server: PulsewatchServer;
let prometheus: PrometheusProcess;

beforeAll(async () => {
  server = await startPulsewatchServer({
    traffic: false,
    onScrape: () => {
      for (const [route, traffic] of Object.entries(PER_SCRAPE)) server.record(route, traffic);
    },
  });
  prometheus = await startPrometheus(`${server.url}/metrics`);
  await waitForData(
    prometheus,
    Object.keys(PER_SCRAPE).flatMap((route) => [
      `sum(rate(http_requests_total{route="${route}"}[30s])) > 0`,
      `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{route="${route}"}[30s])))`,
    ]),
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  await server?.close();
});

describe('pulsewatch check --prometheus (a real Prometheus scraping a pulsewatch service)', { timeout: CHILD_TIMEOUT }, () => {
  it('evaluates seed 001 budgets through PromQL: exit 0, 1 and 2', async () => {
    const [pass, warn, fail] = await Promise.all(
      ['/pass', '/warn', '/fail'].map((route) => runCli(['check', '--prometheus', prometheus.url, '--budgets', SEED_001, '--window', '30s', '--label', `route=${route}`, '--json'])),
    );
    const docs = [pass, warn, fail].map((r) => JSON.parse(r!.stdout));
    const statuses = docs.map((d) => Object.fromEntries(d.budgets.map((b: { name: string; status: string }) => [b.name, b.status])));
    expect(statuses).toEqual([
      { 'P95 latency': 'pass', 'P99 latency': 'pass', 'Error rate': 'pass', Throughput: 'pass' },
      { 'P95 latency': 'pass', 'P99 latency': 'warn', 'Error rate': 'pass', Throughput: 'warn' },
      { 'P95 latency': 'fail', 'P99 latency': 'pass', 'Error rate': 'fail', Throughput: 'pass' },
    ]);
    expect([pass!.code, warn!.code, fail!.code]).toEqual([0, 1, 2]);
    expect(docs[0].source).toEqual({ kind: 'prometheus', url: `${prometheus.url}/` });
    const failRate = docs[2].budgets.find((b: { name: string }) => b.name === 'Error rate');
    expect(failRate.value).toBeCloseTo((5_000 / 55_000) * 100, 0);
  });

  it('prints the human table, and reads the URL from PULSEWATCH_PROMETHEUS_URL', async () => {
    const run = await runCli(['check', '--window', '30s', '--label', 'route=/fail', '--fail', 'p95 < 500ms'], { PULSEWATCH_PROMETHEUS_URL: prometheus.url });
    expect(run.code).toBe(2);
    expect(run.stdout).toContain(`pulsewatch check: prometheus ${prometheus.url}/`);
    expect(run.stdout).toMatch(/^FAIL\s+p95 http_request_duration_seconds\{route="\/fail"\}\s+9\d\d(\.\d+)? ms\s+< 500 ms\s+30s\s+fail$/m);
  });

  it('exit 3: a stat PromQL cannot compute, an unreachable Prometheus', async () => {
    const [max, down] = await Promise.all([
      runCli(['check', '--prometheus', prometheus.url, '--fail', 'max < 1s']),
      freePort().then((port) => runCli(['check', '--prometheus', `http://127.0.0.1:${port}`, '--fail', 'p95 < 1s'])),
    ]);
    expect(max.code).toBe(3);
    expect(max.stderr).toContain('--fail[0].stat: max cannot be computed from Prometheus histograms');
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:');
  });
});
