import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';

// Runs examples/seed-003-codementor/main.ts as a child (as a user runs it) and checks seed 003's
// rules, alert lifecycle, hourly report (trends, recommendations), system health and real-time
// metrics in what it prints and writes.

// This test's own schema (helper f2): the example drops it at the end of its run; afterAll
// drops it again in case a run was killed.
const SCHEMA = `f2_seed003_t${process.pid}`;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.end();
}, 30_000);

async function schemaExists(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  const found = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [SCHEMA]);
  await client.end();
  return found.rowCount !== 0;
}

async function runExample(args: string[], out: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-003-codementor/main.ts', ...args], {
    env: { ...process.env, PORT: '0', SEED003_PER_MINUTE: '10', SEED003_OUT: out, SEED003_SCHEMA: SCHEMA },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a hung run is killed with anything it started.
    detached: true,
  });
  // A run that hangs is killed before the test's timeout, so its store connections go with it.
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 130_000);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(timer));
  return { code, stdout, stderr };
}

const json = async (dir: string, file: string): Promise<any> => JSON.parse(await readFile(join(dir, file), 'utf8'));

async function check(args: string[], store: string): Promise<void> {
  const out = await mkdtemp(join(tmpdir(), 'f2-seed003-'));
  dirs.push(out);
  const run = await runExample(args, out);
  expect(run.code, run.stderr).toBe(0);
  expect(run.stderr).not.toMatch(/\[pulsewatch\]/);
  expect(run.stdout).toContain('seed-003 finished');
  expect(run.stdout).toContain(store);

  // Seed 003's default rules (threshold, duration, cooldown), its PUT patch, its custom rule.
  const { rules } = await json(out, 'rules.json');
  const byName = Object.fromEntries(rules.map((r: any) => [r.name, r]));
  expect(Object.keys(byName).sort()).toEqual(['High Error Rate', 'High Memory Usage', 'High Project Creation Rate', 'High Response Time']);
  expect(byName['High Response Time']).toMatchObject({ metric: 'response_time', threshold: 800, enabled: false, duration: 300_000, cooldown: 1_800_000 });
  expect(byName['High Error Rate']).toMatchObject({ metric: 'error_rate', threshold: 5, enabled: true, duration: 180_000, cooldown: 900_000 });
  expect(byName['High Memory Usage']).toMatchObject({ metric: 'memory_usage', threshold: 90, enabled: true, duration: 600_000, cooldown: 3_600_000 });
  expect(byName['High Project Creation Rate']).toMatchObject({ threshold: 10, recipients: ['admin@codementor-ai.com'], cooldownPeriod: 3600 });

  // The alert: triggered (event), acknowledged, resolved over the API.
  expect(run.stdout).toContain('POST /alerts/rules -> 201');
  expect(run.stdout).toMatch(/event alertTriggered: count of project_created = \d+ \(> 10 over 5m\)/);
  expect(run.stdout).toMatch(/acknowledge -> 200: firing by oncall/);
  expect(run.stdout).toMatch(/resolve -> 200: resolved/);
  const history = await json(out, 'alerts-history.json');
  expect(history.alerts.filter((a: any) => a.ruleName === 'High Project Creation Rate')).toEqual([
    expect.objectContaining({ status: 'resolved', acknowledgedBy: 'oncall', recipients: ['admin@codementor-ai.com'] }),
  ]);

  // The hourly report: response time 280 -> about 245 ms (the seed's "decreasing 12.5 %"),
  // memory 80 -> 88 % with its recommendation.
  const report = await json(out, 'report-hourly.json');
  expect(report.period).toBe('hourly');
  expect(Date.parse(report.endDate) - Date.parse(report.startDate)).toBe(3_599_999);
  expect(report.metrics.response_time.mean).toBeGreaterThan(235);
  expect(report.metrics.response_time.mean).toBeLessThan(256);
  const trend = (metric: string, statistic: string): any => report.trends.find((t: any) => t.metricType === metric && t.statistic === statistic);
  expect(trend('response_time', 'p95').trend).toBe('decreasing');
  expect(trend('response_time', 'p95').changePercent).toBeGreaterThan(-20);
  expect(trend('response_time', 'p95').changePercent).toBeLessThan(-5);
  // (Rollups are per minute and the hour starts mid-minute: one 88 % minute may fall in the previous hour.)
  expect(trend('memory_usage', 'mean')).toMatchObject({ trend: 'increasing', current: 88 });
  expect(trend('memory_usage', 'mean').previous).toBeGreaterThanOrEqual(80);
  expect(trend('memory_usage', 'mean').previous).toBeLessThan(80.5);
  expect(trend('cpu_usage', 'mean').trend).toBe('stable');
  expect(trend('cpu_usage', 'mean').current).toBeCloseTo(45.8, 6);
  // The memory warning; no latency or error-rate rule (245 ms, about 1.2 %: under their thresholds).
  expect(report.recommendations.map((r: any) => r.rule).filter((r: string) => r !== 'trend')).toEqual(['memory']);
  expect(report.recommendations).toContainEqual(expect.objectContaining({ rule: 'memory', metric: 'memory_usage', severity: 'warning', threshold: 85 }));
  expect(report.recommendations[0].observed).toBeCloseTo(88, 6);

  // GET /health/system in seed 003's shape.
  const health = await json(out, 'health-system.json');
  expect(health.status).toBe('warning');
  expect(health.checks.map((c: any) => [c.name, c.status, c.threshold])).toEqual([
    ['Response Time', 'pass', 500],
    ['Error Rate', 'pass', 2],
    ['Memory Usage', 'warn', 80],
    ['Active Alerts', 'pass', null],
  ]);
  expect(health.checks[2]).toMatchObject({ message: 'Memory usage: 88%', value: 88 });

  // GET /metrics/realtime?types=response_time,error_rate.
  const realtime = await json(out, 'metrics-realtime.json');
  expect(Object.keys(realtime).sort()).toEqual(['error_rate', 'response_time']);
  expect(realtime.response_time[0]).toEqual({ metricType: 'response_time', value: expect.any(Number), unit: 'ms', timestamp: expect.stringMatching(/Z$/) });
  expect(realtime.error_rate[0]).toMatchObject({ metricType: 'error_rate', unit: 'percent' });
}

describe('examples/seed-003-codementor (seed 003: REST API, default rules, ack/resolve, hourly report, system health)', () => {
  it.concurrent('on the in-memory default', () => check([], 'store: in memory (no --postgres or --redis)'), 150_000);
  it.concurrent(
    'with --postgres (the store in PostgreSQL): in the schema it is given, dropped at the end',
    async () => {
      expect(await schemaExists()).toBe(false);
      await check(['--postgres'], `store: PostgreSQL, schema ${SCHEMA}`);
      expect(await schemaExists()).toBe(false);
    },
    150_000,
  );
});
