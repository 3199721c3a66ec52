import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { builtCli } from '../cli/helpers/built-cli.js';

// Runs examples/seed-001-api/main.ts as a child (as a user runs it) with a short load, on free
// ports, and checks seed 001's names and numbers in what it serves, prints and writes.

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The metrics port's /metrics and /health, read by this test after the load, while it runs. */
  scrape: string;
  healthStatus: number;
}

// This test's own schema and key prefix (helper f2): the example drops them at the end of its
// run; afterAll drops them again in case a run was killed.
const SCHEMA = `f2_seed001_t${process.pid}`;
const PREFIX = `f2:seed001:t${process.pid}:`;
const PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await client.end();
  const redis = new Redis('redis://127.0.0.1:6379');
  const keys = await scanAll(redis, `${PREFIX}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
}, 30_000);

/** Every key matching `pattern`, following SCAN's cursor to its end. */
async function scanAll(redis: Redis, pattern: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

async function runExample(args: string[], out: string): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-001-api/main.ts', ...args], {
    // The examples run the CLI the tests build (test/cli/helpers/built-cli.ts): the bin users get.
    env: {
      ...process.env,
      PULSEWATCH_BIN: await builtCli(),
      PORT: '0',
      METRICS_PORT: '0',
      SEED001_LOAD_MS: '3000',
      SEED001_USERS: '8',
      SEED001_OUT: out,
      SEED001_SCHEMA: SCHEMA,
      SEED001_REDIS_PREFIX: PREFIX,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so a hung run is killed with the CLI it started.
    detached: true,
  });
  // A run that hangs is killed (the CLI grandchild too) before the test's timeout.
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 80_000);
  let stdout = '';
  let stderr = '';
  let scraped: Promise<{ scrape: string; healthStatus: number }> | undefined;
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // The port stays open until the budget check has run: scrape it as Prometheus would.
    const url = /metrics port: (\S+)\/metrics/.exec(stdout)?.[1];
    if (scraped === undefined && url !== undefined && stdout.includes('load done:')) {
      scraped = (async () => ({ scrape: await (await fetch(`${url}/metrics`)).text(), healthStatus: (await fetch(`${url}/health`)).status }))();
    }
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  }).finally(() => clearTimeout(timer));
  if (scraped === undefined) throw new Error(`the example never printed its metrics port and the end of its load:\n${stdout}\n${stderr}`);
  return { code, stdout, stderr, ...(await scraped) };
}

async function outDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'f2-seed001-'));
  dirs.push(dir);
  return dir;
}

function value(scrape: string, series: string): number {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  if (line === undefined) throw new Error(`no ${series} in the scrape`);
  return Number(line.slice(series.length + 1));
}

interface BudgetResult {
  status: string;
  exitCode: number;
  budgets: { name: string; stat: string; op: string; threshold: number; unit: string; severity: string; value: number; status: string }[];
}

/** Each budget's status follows from its value and threshold, and the exit code from the statuses. */
function expectConsistent(result: BudgetResult): void {
  for (const b of result.budgets) {
    const holds = b.op === 'below' ? b.value < b.threshold : b.value > b.threshold;
    expect(b.status, b.name).toBe(holds ? 'pass' : b.severity);
  }
  const statuses = result.budgets.map((b) => b.status);
  expect(result.exitCode).toBe(statuses.includes('fail') ? 2 : statuses.includes('warn') ? 1 : 0);
}

describe('examples/seed-001-api (seed 001: Express API, pg/Redis/cache metrics, metrics port, rules, dashboards, budget gate)', () => {
  it.concurrent('with --postgres --redis: db and Redis metrics on the metrics port, valid rules, two dashboards, the budget gate', async () => {
    const out = await outDir();
    const run = await runExample(['--postgres', '--redis'], out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/\[pulsewatch\]/);
    expect(run.stdout).toContain('seed-001 finished');

    // Seed 001's metrics, as Prometheus scrapes them from the dedicated port.
    expect(run.healthStatus).toBe(200);
    expect(value(run.scrape, 'db_queries_total{pool="default",operation="SELECT"}')).toBeGreaterThan(0);
    expect(value(run.scrape, 'db_query_errors_total{pool="default",operation="SELECT",code="22P02"}')).toBeGreaterThan(0); // the injected failures
    expect(run.scrape).toMatch(/^db_query_duration_seconds_bucket\{pool="default",operation="SELECT",le="0\.001"\} \d+$/m);
    expect(value(run.scrape, 'db_pool_max_connections{pool="default"}')).toBe(10);
    expect(value(run.scrape, 'redis_operations_total{client="default",command="get"}')).toBeGreaterThan(0);
    expect(value(run.scrape, 'redis_operations_total{client="default",command="set"}')).toBeGreaterThan(0);
    expect(run.scrape).toContain('# TYPE redis_operation_duration_seconds histogram');
    const hits = value(run.scrape, 'cache_hits_total{cache="profiles"}');
    const misses = value(run.scrape, 'cache_misses_total{cache="profiles"}');
    expect(misses).toBeGreaterThan(0); // the run starts cold: its own keys were cleared
    expect(hits).toBeGreaterThan(0); // five listing pages: pages repeat
    // One lookup per profile request answered (the injected 500s fail before the cache).
    const answered = [...run.scrape.matchAll(/^http_requests_total\{method="GET",route="\/api\/profiles(?:\/:id)?",status="(?:200|404)"\} (\d+)$/gm)];
    expect(hits + misses).toBe(answered.reduce((s, m) => s + Number(m[1]), 0));
    // Taxonomy has an hour's TTL: it misses only until the first load is stored (at most once per
    // concurrent user, a read-through cache's stampede), then hits.
    const taxonomyMisses = value(run.scrape, 'cache_misses_total{cache="taxonomy"}');
    expect(taxonomyMisses).toBeGreaterThanOrEqual(1);
    expect(taxonomyMisses).toBeLessThanOrEqual(8);
    expect(value(run.scrape, 'cache_hits_total{cache="taxonomy"}')).toBeGreaterThan(0);
    // The k6 mix: about 40 % health checks.
    const health = value(run.scrape, 'http_requests_total{method="GET",route="/health",status="200"}');
    const total = [...run.scrape.matchAll(/^http_requests_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(health / total).toBeGreaterThan(0.25);
    expect(health / total).toBeLessThan(0.55);

    // The rule file: seed 001's "Alert on" thresholds, accepted by promtool.
    const rules = await readFile(join(out, 'pulsewatch.rules.yml'), 'utf8');
    expect(rules).toContain('histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.5');
    expect(rules).toMatch(/alert: "HighErrorRate"\n\s+expr: "100 \* .*> 5"\n\s+for: 5m/);
    expect(rules).toMatch(/count_over_time\(cache_hit_ratio\[10m\]\)\) < 0\.7"\n\s+for: 10m/);
    expect(rules).toMatch(/db_pool_connections\{state=\\"in_use\\"\}\[5m\]\)\) > 8"/);
    const promtool = await promisify(execFile)('promtool', ['check', 'config', join(out, 'prometheus.yml')]);
    expect(promtool.stdout).toContain('SUCCESS: 4 rules found');

    // Seed 001's two dashboards.
    const api = JSON.parse(await readFile(join(out, 'grafana', 'api-performance.json'), 'utf8')) as { title: string; panels: { title: string; targets: { expr: string }[] }[] };
    const db = JSON.parse(await readFile(join(out, 'grafana', 'database-redis.json'), 'utf8')) as typeof api;
    expect(api.title).toBe('API Performance');
    expect(api.panels.flatMap((p) => p.targets.map((t) => t.expr))).toContainEqual(expect.stringContaining('histogram_quantile(0.95'));
    expect(api.panels.map((p) => p.title)).toEqual(expect.arrayContaining([expect.stringContaining('cache_hit_ratio')]));
    expect(db.panels.map((p) => p.title)).toEqual(expect.arrayContaining([expect.stringContaining('db_pool_connections'), expect.stringContaining('redis_operations_total')]));

    // The budget gate's JSON: seed 001's four budgets and an exit code that follows from them.
    const gate = JSON.parse(await readFile(join(out, 'budgets-result.json'), 'utf8')) as BudgetResult;
    expect(gate.budgets.map((b) => [b.name, b.op, b.threshold, b.unit, b.severity])).toEqual([
      ['P95 latency', 'below', 500, 'ms', 'fail'],
      ['P99 latency', 'below', 1000, 'ms', 'warn'],
      ['Error rate', 'below', 5, 'percent', 'fail'],
      ['Throughput', 'above', 500, 'per_second', 'warn'],
    ]);
    const errorRate = gate.budgets[2]!.value;
    expect(errorRate).toBeGreaterThan(0); // every 30th profile request fails, from the first: about 1.5 %
    expect(errorRate).toBeLessThan(5);
    expectConsistent(gate);
    expect(run.stdout).toContain(`budget check: exit ${gate.exitCode} (${gate.status})`);
    // The window covers the whole 3 s load with room to spare.
    expect(run.stdout).toContain('pulsewatch check --budgets budgets.yaml --window 33s');

    // The run used this test's schema and prefix and left neither behind.
    expect(run.stdout).toContain(`database: PostgreSQL, schema ${SCHEMA} (instrumentPg)`);
    expect(run.stdout).toContain(`cache: Redis, keys under ${PREFIX} (instrumentRedis)`);
    expect(run.stdout).toMatch(/^cleanup: [1-9]\d* Redis keys removed$/m);
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    const schemas = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [SCHEMA]);
    await client.end();
    expect(schemas.rowCount).toBe(0);
    const redis = new Redis('redis://127.0.0.1:6379');
    const left = await scanAll(redis, `${PREFIX}*`);
    await redis.quit();
    expect(left).toEqual([]);
  }, 90_000);

  it.concurrent('in memory with --slow-db: no db or Redis metrics, and the p95 budget fails the gate (exit 2)', async () => {
    const out = await outDir();
    const run = await runExample(['--slow-db'], out);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('database: in memory (no --postgres): no database, so no db_* metrics');
    expect(run.stdout).toContain('cache: in memory (no --redis): no Redis, so no redis_* metrics');
    expect(run.scrape).not.toMatch(/^(db|redis)_/m);
    expect(value(run.scrape, 'cache_misses_total{cache="profiles"}')).toBeGreaterThan(0);

    const rules = await readFile(join(out, 'pulsewatch.rules.yml'), 'utf8');
    expect(rules.match(/- alert:/g)).toHaveLength(3); // no pool to watch
    const promtool = await promisify(execFile)('promtool', ['check', 'rules', join(out, 'pulsewatch.rules.yml')]);
    expect(promtool.stdout).toContain('SUCCESS: 3 rules found');
    await expect(readFile(join(out, 'grafana', 'database-redis.json'))).rejects.toMatchObject({ code: 'ENOENT' });

    const gate = JSON.parse(await readFile(join(out, 'budgets-result.json'), 'utf8')) as BudgetResult;
    const p95 = gate.budgets.find((b) => b.name === 'P95 latency')!;
    expect(p95.value).toBeGreaterThanOrEqual(600); // 30 % of requests are listings, each >= 600 ms
    expect(p95.status).toBe('fail');
    expect(gate.exitCode).toBe(2);
    expectConsistent(gate);
    expect(run.stdout).toMatch(/FAIL\s+P95 latency/);
    expect(run.stdout).toContain('budget check: exit 2 (failing)');
  }, 90_000);
});
