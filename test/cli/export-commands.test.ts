/**
 * `pulsewatch rules` and `pulsewatch dashboard` as child processes against a real monitoring
 * handler behind auth: the rule file passes the real promtool, the dashboard has a panel per
 * metric, and failures exit 3 without printing the token.
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor } from '../../src/index.js';
import { createNodeMonitoringHandler } from '../../src/node.js';
import { ManualClock } from '../../src/testing.js';
import { ensurePromtool, promtool } from '../helpers/promtool.js';
import { CHILD_TIMEOUT, runCli } from './helpers/run-cli.js';

const TOKEN = 'pw_cli_export_5f4e3d2c1b';
let monitor: Monitor;
let server: Server;
let url: string;

beforeAll(async () => {
  ensurePromtool();
  monitor = createMonitor({ service: 'api', clock: new ManualClock() });
  const h = monitor.histogram({ name: 'http_request_duration_seconds', help: 'Request duration', labelNames: ['route'], buckets: [0.1, 0.5, 1, 5] });
  h.observe(0.2, { route: '/a' });
  monitor.counter({ name: 'orders_total', help: 'Orders', labelNames: ['status'] }).inc(1, { status: 'paid' });
  await monitor.alerts.createRule({ id: 'p95', name: 'HighP95', metric: 'http_request_duration_seconds', aggregation: 'p95', condition: 'gt', threshold: 1, groupBy: ['route'], duration: '2m' });
  await monitor.alerts.createRule({ id: 'sla', name: 'Compliance', metric: 'http_request_duration_seconds', aggregation: { type: 'compliance', under: 1 }, condition: 'lt', threshold: 95 });
  await monitor.alerts.createRule({ id: 'learned', name: 'Learned', metric: 'http_request_duration_seconds', aggregation: { type: 'regression', of: 'mean' }, condition: 'gt', threshold: 10 });
  const handler = createNodeMonitoringHandler(monitor, { basePath: '/monitoring', auth: TOKEN });
  server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/monitoring`;
}, 300_000);

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await monitor?.close();
});

describe('pulsewatch rules and dashboard', () => {
  it('rules: writes a rule file promtool accepts, and says what it skipped on stderr', async () => {
    const run = await runCli(['rules', url], { PULSEWATCH_TOKEN: TOKEN });
    expect(run.stderr).toContain('skipped "Learned": a regression against a learned baseline');
    expect(run.code).toBe(0);
    const dir = mkdtempSync(join(tmpdir(), 'pw-cli-rules-'));
    writeFileSync(join(dir, 'rules.yml'), run.stdout);
    const check = promtool(['check', 'rules', join(dir, 'rules.yml')]);
    expect(check.stdout + check.stderr).toContain('SUCCESS: 2 rules found');
    // Compliance under 1 s found the bucket bound in the scraped exposition.
    expect(run.stdout).toContain('le=\\"1.0\\"');
  }, CHILD_TIMEOUT);

  it('dashboard: writes a Grafana dashboard to --out with a panel per metric', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'pw-cli-dash-')), 'dashboard.json');
    const run = await runCli(['dashboard', url, '--token', TOKEN, '--out', out, '--title', 'API']);
    expect(run.code).toBe(0);
    const dashboard = JSON.parse(readFileSync(out, 'utf8')) as { title: string; panels: { title: string }[] };
    expect(dashboard.title).toBe('API');
    expect(dashboard.panels.map((p) => p.title)).toEqual(['http_request_duration_seconds percentiles', 'http_request_duration_seconds rate', 'orders_total rate']);
  }, CHILD_TIMEOUT);

  it('exits 3 without the token, with a refused one, and when nothing listens, never printing the token', async () => {
    const none = await runCli(['rules', url]);
    expect([none.code, none.stderr]).toEqual([3, expect.stringContaining('needs a token')]);
    const wrong = await runCli(['dashboard', url, '--token', `${TOKEN}x`]);
    expect([wrong.code, wrong.stderr.includes(TOKEN)]).toEqual([3, false]);
    expect(wrong.stderr).toContain('the token was refused');
    const down = await runCli(['rules', 'http://127.0.0.1:9/monitoring'], { PULSEWATCH_TOKEN: TOKEN });
    expect([down.code, down.stderr.includes(TOKEN)]).toEqual([3, false]);
    expect(down.stderr).toContain('cannot reach');
  }, CHILD_TIMEOUT);
});
