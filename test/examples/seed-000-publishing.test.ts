import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { OUTAGE, TIMINGS } from '../../examples/seed-000-publishing/config.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  result: Result;
}
interface Received { alertname: string; type: string; severity: string; status: string; reason: string; minute: number; labels: Record<string, string> }
interface HealthRun { minute: number; status: string; platforms: Record<string, { failureRate: number; state: string }> }
interface Result {
  storage: string;
  health: { httpStatus: number; body: { status: string; timestamp: string; uptime: number; checks: Record<string, { status: string }>; overall: Record<string, number> } };
  platformsHealth: { httpStatus: number; body: { status: string; details: Record<string, { failureRate: number; state: string }> } };
  metrics: { timestamp: string; jobs: { jobId: string; totalExecutions: number; successRate: number; avgExecutionTime: number; p95ExecutionTime: number }[]; queue: Record<string, number>; system: Record<string, number>; performance: Record<string, unknown>; alerts: { active: number; items: unknown[] }; breakers: { name: string; state: string; rejects: number }[] };
  metricsForOneJob: { jobs: { jobId: string }[] };
  prometheusHasJobMetrics: boolean;
  deadLetters: { job: string; attempts: number; retries: number; status: string; error: string }[];
  bottlenecks: { jobType: string; reason: string; severity: string; value: number }[];
  baselines: { baselines: { jobType: string; sampleSize: number; mean: number; p95: number }[]; regressions: { jobType: string; changePercent: number }[] };
  jobLog: { peak: Record<string, number>; burstStarts: string[]; exportAttempts: Record<string, [number, number][]>; postRuns: Record<string, number> };
  load: { duplicatesSent: number; deduplicated: number; healthRuns: HealthRun[]; deadLettersAround60: { before: Record<string, number>; after: Record<string, number> } };
  alertHistory: { ruleName: string; type: string; group: string; status: string; startsAt: number }[];
  alertsReceived: Received[];
  breakerTransitions: { name: string; from: string; to: string; minute: number; consecutiveFailures: number }[];
}

/** Runs the example as its README says (`npx tsx examples/seed-000-publishing/main.ts [--redis]`). */
function runExample(args: string[], minutes?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const env = minutes === undefined ? process.env : { ...process.env, SEED000_MINUTES: String(minutes) };
    // Its own process group, so a hung run is killed with anything it started.
    const child = spawn(process.execPath, ['--import', 'tsx', 'examples/seed-000-publishing/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // A run that hangs is killed before the hook's timeout, so its store connections go with it.
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      resolve({ code, stdout, stderr, result: (line === undefined ? {} : JSON.parse(line.slice('RESULT '.length))) as Result });
    });
  });
}

// Seed 000's "Job Configurations" table, spelled out here (not read from the example's config).
const SEED_JOBS = {
  'content-generation': { concurrency: 5, retries: 3 },
  'project-scheduled-publish': { concurrency: 10, retries: 0 },
  'item-scheduled-publish': { concurrency: 5, retries: 3 },
  'generate-report': { concurrency: 5, retries: 3 },
  'export-data': { concurrency: 3, retries: 3 },
};
const SEED_TYPES = Object.keys(SEED_JOBS).sort();
const firings = (r: Result, alertname: string, group: string) => r.alertsReceived.filter((a) => a.alertname === alertname && (a.labels['type'] ?? a.labels['breaker']) === group && a.status === 'firing');

describe('examples/seed-000-publishing: seed 000 rebuilt on pulsewatch', () => {
  let memory: Run;
  let redis: Run;
  beforeAll(async () => {
    // Both at once: the full 75 simulated minutes in memory (a few seconds of real time), and on
    // Redis the first 35 (the outage and its recovery; not the hourly dead-letter run).
    [memory, redis] = await Promise.all([runExample([]), runExample(['--redis'], 35)]);
  }, 120_000);

  it('exits 0 with no error event, on the in-memory store and on Redis', () => {
    for (const run of [memory, redis]) {
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).not.toMatch(/\[pulsewatch\]/);
      expect(run.stdout).toContain('seed 000 finished: monitor closed.');
    }
    expect(memory.result.storage).toBe('memory');
    expect(redis.result.storage).toBe('redis');
  });

  it("serves seed 000's /api/metrics JSON with its five job types", () => {
    for (const { result } of [memory, redis]) {
      expect(Object.keys(result.metrics)).toEqual(expect.arrayContaining(['timestamp', 'jobs', 'queue', 'system', 'performance', 'alerts']));
      expect(result.metrics.jobs.map((j) => j.jobId).sort()).toEqual(SEED_TYPES);
      for (const job of result.metrics.jobs) {
        expect(Object.keys(job).sort()).toEqual(['avgExecutionTime', 'jobId', 'p95ExecutionTime', 'successRate', 'totalExecutions']);
        expect(job.totalExecutions).toBeGreaterThan(0);
      }
      expect(Object.keys(result.metrics.queue).sort()).toEqual(['deadLetter', 'failed', 'pending', 'processing', 'queued']);
      // ?jobId= filters, ?format=prometheus exposes the job metrics.
      expect(result.metricsForOneJob.jobs.map((j) => j.jobId)).toEqual(['content-generation']);
      expect(result.prometheusHasJobMetrics).toBe(true);
    }
    // Content generation around seed 000's 25 s average (the run's second half is 40 % slower on purpose).
    const content = memory.result.metrics.jobs.find((j) => j.jobId === 'content-generation')!;
    expect(content.avgExecutionTime).toBeGreaterThan(20_000);
    expect(content.avgExecutionTime).toBeLessThan(45_000);
  });

  it('runs each job type at exactly its seed concurrency, HIGH before MEDIUM, once per idempotency key', () => {
    for (const { result } of [memory, redis]) {
      for (const [type, config] of Object.entries(SEED_JOBS)) expect(result.jobLog.peak[type], type).toBe(config.concurrency);
      expect(result.load.duplicatesSent).toBeGreaterThan(0);
      expect(result.load.deduplicated).toBe(result.load.duplicatesSent);
      expect(Object.values(result.jobLog.postRuns).every((runs) => runs === 1)).toBe(true);
    }
    // The 5 workers take burst-1..5; the HIGH posts queued after burst-6..10 start before them.
    const starts = memory.result.jobLog.burstStarts;
    expect(starts.slice(0, 5).sort()).toEqual(['burst-1', 'burst-2', 'burst-3', 'burst-4', 'burst-5']);
    expect(starts.slice(5, 8)).toEqual(['urgent-1', 'urgent-2', 'urgent-3']);
  });

  it('retries with exponential backoff, then dead-letters; the hourly run retries letters once the platform is back', () => {
    const { result } = memory;
    const exports = result.deadLetters.filter((l) => l.job === 'export-data');
    expect(exports.length).toBeGreaterThan(0);
    for (const letter of exports) {
      // 1 + 3 retries, plus one per retry by the hourly dead-letter run.
      expect(letter.attempts).toBe(1 + SEED_JOBS['export-data'].retries + letter.retries);
      expect(letter.error).toContain('export target refused the upload');
    }
    // Backoff between attempts: 1, 2, 4 s, each shortened by up to 20 % (jitter), plus any wait for a worker.
    const failedFour = Object.values(result.jobLog.exportAttempts).filter((a) => a.length === 4 && a.every(([, end]) => end > 0));
    expect(failedFour.length).toBeGreaterThan(0);
    const gaps = failedFour.map((a) => [1, 2, 3].map((i) => a[i]![0] - a[i - 1]![1]));
    for (const g of gaps) {
      expect(g[0]).toBeGreaterThanOrEqual(800);
      expect(g[1]).toBeGreaterThanOrEqual(1600);
      expect(g[2]).toBeGreaterThanOrEqual(3200);
    }
    expect(gaps.some((g) => g[0]! <= 1000 && g[1]! <= 2000 && g[2]! <= 4000)).toBe(true);
    // project-scheduled-publish has retries: 0 in seed 000: its failures were letters after one attempt,
    // and the run on the hour (minute 60, after the outage) published them (fewer are left: a retry
    // can draw another simulated failure, how many depends on the seeded draws).
    const { before, after } = result.load.deadLettersAround60;
    expect(before['project-scheduled-publish']).toBeGreaterThan(0);
    expect(before['item-scheduled-publish']).toBeGreaterThan(0);
    expect(after['project-scheduled-publish'] ?? 0).toBeLessThan(before['project-scheduled-publish']!);
    expect(after['item-scheduled-publish'] ?? 0).toBeLessThan(before['item-scheduled-publish']!);
    expect(redis.result.deadLetters.some((l) => l.job === 'export-data' && l.attempts === 4)).toBe(true);
  });

  it("opens the failing platform's breaker after 5 failures, probes every 60 s and closes after the outage", () => {
    for (const { result } of [memory, redis]) {
      const t = result.breakerTransitions;
      expect(t.every((x) => x.name === `platform-${OUTAGE.platform}`)).toBe(true);
      // Seed 000's "Failure threshold: 5 failures": open on the 5th failure in a row, not before or after.
      expect(t[0]).toMatchObject({ from: 'closed', to: 'open', consecutiveFailures: 5 });
      expect(t[0]!.minute).toBeGreaterThanOrEqual(OUTAGE.from);
      expect(t[0]!.minute).toBeLessThan(OUTAGE.to);
      for (let i = 0; i < t.length; i++) {
        if (t[i]!.to !== 'halfOpen') continue;
        expect(t[i - 1]!.to).toBe('open');
        expect(t[i]!.minute - t[i - 1]!.minute).toBeCloseTo(1, 6); // resetTimeout: 60 s
      }
      expect(t.at(-1)).toMatchObject({ from: 'halfOpen', to: 'closed' });
      expect(t.at(-1)!.minute).toBeGreaterThanOrEqual(OUTAGE.to);
      expect(result.metrics.breakers.find((b) => b.name === 'platform-medium')!.rejects).toBeGreaterThan(0);
    }
  });

  it('notifies the webhook with seed 000 alert types, repeating only after each severity cooldown', () => {
    const { result } = memory;
    const jobFailure = firings(result, 'Job failure rate', 'export-data');
    expect(jobFailure.length).toBeGreaterThanOrEqual(3);
    expect(jobFailure[0]).toMatchObject({ type: 'JOB_FAILURE', severity: 'error', reason: 'first notification' });
    for (let i = 1; i < jobFailure.length; i++) {
      expect(jobFailure[i]!.reason).toBe('repeat interval elapsed');
      expect(jobFailure[i]!.minute - jobFailure[i - 1]!.minute).toBeGreaterThanOrEqual(15); // ERROR: 15 min
    }
    const platform = firings(result, 'Platform API failure', 'platform-medium');
    expect(platform[0]).toMatchObject({ type: 'PLATFORM_API_FAILURE', severity: 'critical' });
    expect(platform[0]!.minute).toBeGreaterThanOrEqual(OUTAGE.from);
    expect(platform.length).toBeGreaterThanOrEqual(2);
    for (let i = 1; i < platform.length; i++) expect(platform[i]!.minute - platform[i - 1]!.minute).toBeGreaterThanOrEqual(5); // CRITICAL: 5 min
    const resolved = result.alertsReceived.find((a) => a.alertname === 'Platform API failure' && a.status === 'resolved');
    expect(resolved!.minute).toBeGreaterThanOrEqual(OUTAGE.to);
    // On Redis the cooldown is a lease with Redis' own TTL (real time), so the short run sends no repeat.
    const onRedis = firings(redis.result, 'Job failure rate', 'export-data');
    expect(onRedis.map((a) => a.reason)).toEqual(['first notification']);
  });

  it('learns baselines after 10 runs, flags the regression, and lists seed 000 bottlenecks', () => {
    const { result } = memory;
    expect(result.baselines.baselines.map((b) => b.jobType).sort()).toEqual(SEED_TYPES);
    for (const b of result.baselines.baselines) expect(b.sampleSize).toBe(10);
    const regression = result.baselines.regressions.find((r) => r.jobType === 'content-generation');
    expect(regression!.changePercent).toBeGreaterThan(10);
    expect(result.alertHistory.some((a) => a.type === 'PERFORMANCE_DEGRADATION' && a.group === 'content-generation' && a.startsAt >= TIMINGS.regressionFrom)).toBe(true);
    expect(result.bottlenecks).toContainEqual(expect.objectContaining({ jobType: 'export-data', reason: 'failures', severity: 'high' }));
    const slow = result.bottlenecks.find((b) => b.jobType === 'generate-report' && b.reason === 'slow');
    expect(slow).toMatchObject({ severity: 'medium' });
    expect(slow!.value).toBeGreaterThan(60_000);
  });

  it("answers seed 000's /api/health: degraded during the outage, healthy after", () => {
    for (const { result } of [memory, redis]) {
      expect(result.health.httpStatus).toBe(200);
      expect(result.health.body.status).toBe('healthy');
      expect(Object.keys(result.health.body).sort()).toEqual(expect.arrayContaining(['checks', 'overall', 'status', 'timestamp', 'uptime']));
      expect(Object.keys(result.health.body.overall).sort()).toEqual(['degraded', 'healthy', 'total', 'unhealthy']);
      expect(Object.keys(result.platformsHealth.body.details).sort()).toEqual(['ghost', 'medium', 'wordpress']);
      const during = result.load.healthRuns.filter((h) => h.minute > OUTAGE.from && h.minute < OUTAGE.to);
      expect(during.length).toBeGreaterThan(0);
      expect(during.every((h) => h.status !== 'healthy')).toBe(true);
      // Seed 000's platform threshold, 30 % of calls failed over 5 minutes, is applied to a number:
      // the medium platform is over it during the outage, the healthy ones at 0.
      for (const h of during) {
        expect(h.platforms['medium']!.failureRate, `minute ${h.minute}`).toBeGreaterThan(30);
        expect(h.platforms['wordpress']!.failureRate).toBe(0);
        expect(h.platforms['ghost']!.failureRate).toBe(0);
      }
      const before = result.load.healthRuns.filter((h) => h.minute > 0 && h.minute <= OUTAGE.from);
      expect(before.length).toBeGreaterThan(0);
      for (const h of before) expect(h.platforms['medium']!.failureRate).toBeLessThanOrEqual(30);
    }
    expect(Object.keys(memory.result.health.body.checks).sort()).toEqual(['database', 'jobs', 'platforms']);
    expect(Object.keys(redis.result.health.body.checks).sort()).toEqual(['database', 'jobs', 'platforms', 'redis']);
  });

  it('leaves no key of its run in Redis', async () => {
    // The run's own prefix, as it printed it (pid and start time: no other run shares it).
    const prefix = /Redis store, keys under (\S+)\)/.exec(redis.stdout)?.[1];
    expect(prefix).toMatch(/^f1-seed000:\d+-\d+:$/);
    const client = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
    await client.connect();
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      expect(keys).toEqual([]);
    } finally {
      client.disconnect();
    }
  });
});
