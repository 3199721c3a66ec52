/**
 * What GET /metrics serves, checked with Prometheus' own promtool (Debian `prometheus`, installed
 * by scripts/ensure-test-deps.sh), as test/metrics/exposition/promtool.test.ts does for
 * `exportPrometheusMetrics`:
 * - text 0.0.4: `promtool check metrics` on stdin (exit 0 and no output: parsed, nothing to lint;
 *   exit 3: lint problems only; exit 1: a parse error);
 * - OpenMetrics 1.0: promtool 2.42's `check metrics` has no OpenMetrics parser, so the answer is
 *   parsed by `promtool tsdb create-blocks-from openmetrics` (Prometheus' scrape parser), which
 *   needs a timestamp on each sample: one is appended, nothing else is changed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';
import { ensurePromtool, promtool, type PromtoolRun } from '../../helpers/promtool.js';

const TOKEN = 'pw_promtool_0f9e8d7c6b5a';
const PROMETHEUS_3_ACCEPT =
  'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1';

let work: string;

beforeAll(() => {
  ensurePromtool();
  work = mkdtempSync(join(tmpdir(), 'pulsewatch-http-promtool-'));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const closing = closeAfterEach();

/**
 * A monitor fed through the API itself (POST /metrics) plus the usual metric kinds, health
 * checks (which define health metrics) and label values that need escaping.
 */
async function served(options: { jobs?: boolean } = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ service: 'test', clock });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, { basePath: '/api/monitoring', auth: TOKEN, publicRoutes: ['metrics'] });
  const records = [
    { metricType: 'response_time', value: 250, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' }, timestamp: new Date(clock.now()).toISOString() },
    { metricType: 'response_time', value: 1_250, unit: 'ms', tags: { endpoint: '/api/"quoted"\\path', method: 'POST' } },
    { metricType: 'response_time', value: 40, unit: 'ms', tags: { endpoint: 'multi\nline', method: 'GET' } },
    { metricType: 'payload_size', value: 2_048, unit: 'bytes' },
  ];
  const post = await handler(
    new Request('http://localhost/api/monitoring/metrics', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(records) }),
  );
  expect(post.status).toBe(202);
  monitor.counter({ name: 'orders_total', help: 'Orders "placed", by status\nsee C:\\docs', labelNames: ['status'] }).inc({ status: 'paid' }, 3);
  monitor.gauge({ name: 'queue_depth', help: 'Jobs waiting' }).set(7);
  monitor.histogram({ name: 'http_request_duration_seconds', help: 'Latency', labelNames: ['route'], unit: 'seconds' }).observe(0.25, { route: '/users/:id' });
  monitor.health.register('database', () => true);
  monitor.health.register('redis', () => false, { critical: false });
  await handler(new Request('http://localhost/api/monitoring/health', { headers: { authorization: `Bearer ${TOKEN}` } }));
  if (options.jobs) monitor.recordJobExecution('content-generation', true, 25_000);
  // A closed slot and a current one, as on a live service.
  clock.advance(30_000);
  monitor.recordMetric({ metricType: 'response_time', value: 300, unit: 'ms', tags: { endpoint: '/api/projects', method: 'GET' } });
  const get = async (query: string, headers: Record<string, string> = {}): Promise<{ type: string | null; text: string }> => {
    const response = await handler(new Request(`http://localhost/api/monitoring/metrics${query}`, { headers }));
    expect(response.status).toBe(200);
    return { type: response.headers.get('content-type'), text: await response.text() };
  };
  return { monitor, clock, get };
}

describe('promtool check metrics on GET /metrics?format=prometheus', () => {
  it('parses the answer with exit code 0 and no lint output', async () => {
    const { get } = await served();
    const { type, text } = await get('?format=prometheus');
    expect(type).toBe(PROMETHEUS_CONTENT_TYPE);
    // What was posted through the API is in it.
    expect(text).toContain('response_time_count{endpoint="/api/projects",method="GET"} 2\n');
    expect(text).toContain('endpoint="/api/\\"quoted\\"\\\\path"');
    expect(text).toContain('endpoint="multi\\nline"');
    const run = promtool(['check', 'metrics'], text);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('parses the answer to Accept: text/plain, and a ?name= filtered one', async () => {
    const { get } = await served();
    const plain = await get('', { accept: 'text/plain;version=0.0.4' });
    expect(plain.type).toBe(PROMETHEUS_CONTENT_TYPE);
    const filtered = await get('?format=prometheus&name=response_time,orders_total');
    for (const { text } of [plain, filtered]) {
      const run = promtool(['check', 'metrics'], text);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    // --extended counts the series per family: exactly the two asked for.
    const run = promtool(['check', 'metrics', '--extended'], filtered.text);
    expect(run.status, run.stderr).toBe(0);
    const read = run.stdout
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/)[0])
      .filter((name) => name && name !== 'Total')
      .sort();
    expect(read).toEqual(['orders_total', 'response_time']);
  });

  // recordJobExecution's histogram used to be `job_duration_milliseconds`, which promtool linted
  // for its unit; it is `job_duration_seconds` now, and the answer passes without a lint.
  it('parses the answer with job metrics, with no lint problem', async () => {
    const { get } = await served({ jobs: true });
    const { text } = await get('?format=prometheus');
    expect(text).toContain('job_duration_seconds_count{job="content-generation",outcome="success"} 1\n');
    const run = promtool(['check', 'metrics'], text);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});

describe("Prometheus' OpenMetrics parser on GET /metrics as OpenMetrics", () => {
  /** Appends a timestamp to every sample line: the backfill parser needs one on each. */
  function withTimestamps(text: string, seconds: number): string {
    return text
      .split('\n')
      .map((line) => (line === '' || line.startsWith('#') ? line : `${line} ${seconds}`))
      .join('\n');
  }

  function backfill(text: string, name: string): PromtoolRun {
    const file = join(work, `${name}.om.txt`);
    writeFileSync(file, text);
    return promtool(['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', file, join(work, `${name}-blocks`)]);
  }

  it("parses the answer to Prometheus 3's scrape Accept header", async () => {
    const { get, clock } = await served({ jobs: true });
    const { type, text } = await get('', { accept: PROMETHEUS_3_ACCEPT });
    expect(type).toBe(OPENMETRICS_CONTENT_TYPE);
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toContain('# UNIT http_request_duration_seconds seconds\n');
    const run = backfill(withTimestamps(text, Math.floor(clock.now() / 1000)), 'scrape');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('parses ?format=openmetrics with a ?name= filter', async () => {
    const { get, clock } = await served();
    const { text } = await get('?format=openmetrics&name=response_time&name=orders_total');
    expect([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]).sort()).toEqual(['orders', 'response_time']);
    const run = backfill(withTimestamps(text, Math.floor(clock.now() / 1000)), 'filtered');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });

  it('the parser has teeth: an answer cut before # EOF is refused', async () => {
    const { get, clock } = await served();
    const { text } = await get('?format=openmetrics');
    const run = backfill(withTimestamps(text.replace('# EOF\n', ''), Math.floor(clock.now() / 1000)), 'truncated');
    expect(run.status).not.toBe(0);
  });
});
