import { spawn } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_ENV, TENANTS } from '../../examples/seed-002-pms/config.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  result: Result;
}
interface Result {
  storage: string;
  seedEnv: typeof SEED_ENV;
  rules: { name: string; severity: string; metric: string; threshold: number; groupBy: string[] }[];
  flushes: { minute: number; rollups: number; batches: number }[];
  alerts: { name: string; severity: string; event: string; minute: number; value: number }[];
  health: { status: number; body: { status: string; metrics: Record<string, number>; issues: string[] } };
  dashboard: { status: number; body: { api: { avgResponseTime: number; requestsPerMinute: number; errorRate: number; slowestEndpoints: { endpoint: string; p95ResponseTime: number }[] }; tenants: { organizationId: string; requests: number; reservations: number }[]; database: Record<string, number>; queues: { queue: string; processed: number; failureRate: number }[]; system: { status: string }; trends: { requests: number }[] } };
  badAction: { status: number; body: { error: { field: string } } };
  metricsSnapshotKeys: string[];
  retention: { kept: string[]; cleanup: { removed: number; retentionDays: number } };
  storedRollups: { apiResponseTime: number; tenants: string[] };
}

const schema = `f1_seed002_${process.pid}`;

/** Runs the example as its README says (`npx tsx examples/seed-002-pms/main.ts [--postgres]`). */
function runExample(args: string[], minutes?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, PMS_SCHEMA: schema, ...(minutes === undefined ? {} : { SEED002_MINUTES: String(minutes) }) };
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-002-pms/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A run that hangs is killed before the hook's timeout, so its store connections go with it.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code, stdout, stderr, result: (line === undefined ? {} : JSON.parse(line.slice('RESULT '.length))) as Result });
    });
  });
}

const fired = (r: Result) => new Set(r.alerts.filter((a) => a.event === 'fired').map((a) => a.name));
const firstFiring = (r: Result, name: string) => r.alerts.find((a) => a.name === name && a.event === 'fired');

describe('examples/seed-002-pms: seed 002 rebuilt on pulsewatch', () => {
  let memory: Run;
  let postgres: Run;
  const client = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
  beforeAll(async () => {
    // At once: 75 simulated minutes in memory (every incident), and the first 8 on PostgreSQL.
    [memory, postgres] = await Promise.all([runExample([]), runExample(['--postgres'], 8)]);
    await client.connect();
  }, 120_000);
  afterAll(async () => {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('exits 0 with no error event, in memory and on PostgreSQL', () => {
    for (const run of [memory, postgres]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/\[pulsewatch\]/);
      expect(run.stdout).toContain('seed 002 finished: monitor closed.');
    }
    expect(memory.result.storage).toBe('memory');
    expect(postgres.result.storage).toBe(`postgres:${schema}`);
  });

  it('collects in buffers of 100 flushed every 30 s (PERFORMANCE_BUFFER_SIZE, PERFORMANCE_FLUSH_INTERVAL)', () => {
    for (const { result } of [memory, postgres]) {
      expect(result.seedEnv).toMatchObject({ PERFORMANCE_BUFFER_SIZE: 100, PERFORMANCE_FLUSH_INTERVAL: 30_000, PERFORMANCE_RETENTION_DAYS: 30 });
      const timed = result.flushes.slice(0, -1); // the last is the app's own flush() before its reads
      expect(timed.length).toBeGreaterThan(15);
      for (let i = 1; i < timed.length; i++) expect(timed[i]!.minute - timed[i - 1]!.minute).toBe(0.5);
      for (const f of result.flushes) expect(f.batches).toBe(Math.ceil(f.rollups / 100));
      expect(result.flushes.some((f) => f.batches > 1)).toBe(true);
    }
  });

  it("declares seed 002's thresholds and fires exactly the ones each incident crosses", () => {
    const { result } = memory;
    const byName = new Map(result.rules.map((r) => [r.name, r]));
    // Seed 002's numbers as literals (not read back from the example's config): 2 s / 5 s, 500 ms.
    expect(byName.get('Response time warning')).toMatchObject({ threshold: 2000, metric: 'api_response_time' });
    expect(byName.get('Response time critical')!.threshold).toBe(5000);
    expect(['Error rate medium', 'Error rate high', 'Error rate critical'].map((n) => byName.get(n)!.threshold)).toEqual([5, 10, 15]);
    expect(['Queue depth medium', 'Queue depth high', 'Queue depth critical'].map((n) => byName.get(n)!.threshold)).toEqual([50, 100, 200]);
    expect(['CPU usage high', 'CPU usage critical', 'Memory usage high', 'Memory usage critical'].map((n) => byName.get(n)!.threshold)).toEqual([80, 95, 85, 95]);
    expect(byName.get('Slow database queries')!.threshold).toBe(500);
    expect(byName.get('Job failure rate medium')!.groupBy).toEqual(['type']);

    const names = fired(result);
    for (const n of ['Response time warning', 'Response time spike', 'Slow database queries', 'Slow query percentage', 'Error rate medium', 'Error rate high', 'Queue depth medium', 'Job failure rate medium']) expect(names, n).toContain(n);
    for (const n of ['Response time critical', 'Database critical', 'Error rate critical', 'Queue depth high', 'Queue depth critical', 'Job failure rate high', 'Job failure rate critical']) expect(names, n).not.toContain(n);
    // Each after its incident began plus the rules' 2 minute `for`, with a value past its threshold.
    expect(firstFiring(result, 'Response time warning')!.minute).toBeGreaterThanOrEqual(22);
    expect(firstFiring(result, 'Response time warning')!.value).toBeGreaterThan(2000);
    expect(firstFiring(result, 'Error rate high')!.minute).toBeGreaterThanOrEqual(42);
    expect(firstFiring(result, 'Error rate high')!.value).toBeGreaterThan(10);
    expect(firstFiring(result, 'Queue depth medium')!.minute).toBeGreaterThanOrEqual(57);
    expect(firstFiring(result, 'Queue depth medium')!.value).toBeGreaterThan(50);
    expect(result.alerts.some((a) => a.name === 'Response time warning' && a.event === 'resolved')).toBe(true);
  });

  it("answers seed 002's test API: health, dashboard per tenant, cleanup; refuses an unknown action naming it", () => {
    const { result } = memory;
    expect(result.health.status).toBe(200);
    expect(['healthy', 'warning', 'critical']).toContain(result.health.body.status);
    expect(Object.keys(result.health.body.metrics)).toEqual(expect.arrayContaining(['cpu', 'memory', 'activeUsers', 'ongoingReservations']));
    const d = result.dashboard.body;
    expect(d.api.requestsPerMinute).toBe(118); // 120 a minute for 59 of the hour's minutes (the last one drains)
    expect(d.api.errorRate).toBeCloseTo(12.5 / 6, 1); // 10 of the hour's 60 minutes at 12.5 %
    expect(d.api.slowestEndpoints[0]!.endpoint).toBe('/api/reports/occupancy');
    expect(d.tenants.map((t) => t.organizationId).sort()).toEqual(TENANTS.map((t) => t.organizationId).sort());
    for (const t of d.tenants) expect(t.requests).toBeGreaterThan(0);
    expect(d.queues.find((q) => q.queue === 'channel-sync')!.failureRate).toBeCloseTo(12.5, 0);
    expect(d.trends.length).toBe(8);
    expect(d.trends.slice(0, 7).every((t) => t.requests === 1200)).toBe(true); // 10 minutes of 120/min, read from the store
    expect(result.badAction).toEqual({ status: 400, body: { error: expect.objectContaining({ field: 'action' }) } });
    expect(result.metricsSnapshotKeys).toEqual(expect.arrayContaining(['jobs', 'queue', 'system', 'performance', 'alerts']));
  });

  it('keeps 30 days: a rollup of 31 days is not kept, one of 29 days is read back', () => {
    for (const { result } of [memory, postgres]) {
      expect(result.retention.kept).toEqual(['29d']);
      expect(result.retention.cleanup.retentionDays).toBe(30);
    }
  });

  it('writes the rollups to PostgreSQL and reads them back by tenant', async () => {
    const { result } = postgres;
    expect(result.storedRollups.apiResponseTime).toBeGreaterThan(0);
    expect(result.storedRollups.tenants).toEqual(TENANTS.map((t) => t.organizationId).sort());
    const written = result.flushes.reduce((sum, f) => sum + f.rollups, 0);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${schema}.rollups`);
    expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(written); // plus the retention probe and the flush at close
    const tenants = await client.query<{ org: string }>(`SELECT DISTINCT labels->>'organizationId' AS org FROM ${schema}.rollups WHERE name = 'api_response_time' ORDER BY 1`);
    expect(tenants.rows.map((r) => r.org)).toEqual(result.storedRollups.tenants);
  });
});
