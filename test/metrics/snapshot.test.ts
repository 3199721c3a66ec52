import { delegatingStorage } from '../helpers/delegating-storage.js';
import { describe, expect, it } from 'vitest';
import { JOB_METRICS, MemoryStorage, createMonitor, type MonitorOptions } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0, recordEvents } from '../helpers/monitor-harness.js';

const SLOT_MS = 30_000;

function setup(options: MonitorOptions = {}) {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ ...options, clock });
  const events = recordEvents(monitor);
  return { clock, monitor, events };
}

describe('snapshot shape', () => {
  it("has seed 000's /api/metrics shape, all zeros for a monitor that recorded nothing", async () => {
    const { monitor } = setup({ service: 'publisher' });
    expect((await monitor.snapshot())).toEqual({
      timestamp: '2026-01-01T00:00:00.000Z',
      service: 'publisher',
      jobs: [],
      queue: { pending: 0, queued: 0, processing: 0, failed: 0, deadLetter: 0 },
      system: { uptime: 0, errorRate: 0, avgResponseTime: 0, p95ResponseTime: 0 },
      performance: { snapshot: [], trends: [], slowest: [] },
      alerts: { active: 0, items: [] },
      truncated: { jobs: 0, alerts: 0 },
      breakers: [],
    });
  });

  it('stamps the time of the call and the uptime in ms since the monitor was created', async () => {
    const { clock, monitor } = setup();
    clock.advance(3_600_000);
    const snap = (await monitor.snapshot());
    expect(snap.timestamp).toBe(new Date(T0 + 3_600_000).toISOString());
    expect(snap.system.uptime).toBe(3_600_000);
  });

  it('serialises to JSON and back unchanged', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('content-generation', true, 25_000);
    monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['status'] }).observe(0.15, { status: '200' });
    const snap = (await monitor.snapshot());
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
  });

  it("reads every instance's data through the store, each metric it shows once", async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const queried: string[] = [];
    const storage = delegatingStorage(inner, {
      name: 'counting',
      writeRollups: (r) => inner.writeRollups(r),
      queryRollups: async (q) => {
        queried.push(q.name);
        return inner.queryRollups(q);
      },
    });
    const other = createMonitor({ clock, storage });
    const monitor = createMonitor({ clock, storage });
    other.recordJobExecution('export-data', false, 5_000);
    await other.flush(); // another instance's run reaches this one through the store
    monitor.recordJobExecution('export-data', true, 1_000);
    await clock.advanceAsync(30_000);
    monitor.recordJobExecution('export-data', true, 3_000);
    expect((await monitor.snapshot()).jobs).toEqual([
      // The stored run's distribution is HDR buckets: p95 within 1%.
      { jobId: 'export-data', totalExecutions: 3, successRate: 66.67, avgExecutionTime: 3_000, p95ExecutionTime: expect.closeTo(5_000, -2) },
    ]);
    expect(queried.length).toBeGreaterThan(0);
    expect(new Set(queried).size).toBe(queried.length);
    await other.close();
    await monitor.close();
  });

  it('shows what this process holds and reports an error when the store cannot be read', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage({ now: () => clock.now() });
    const storage = delegatingStorage(inner, {
      name: 'unreadable',
      writeRollups: (r) => inner.writeRollups(r),
      queryRollups: async () => {
        throw new Error('connection refused');
      },
    });
    const monitor = createMonitor({ clock, storage });
    const events = recordEvents(monitor);
    monitor.recordJobExecution('export-data', true, 1_000);
    expect((await monitor.snapshot()).jobs).toMatchObject([{ jobId: 'export-data', totalExecutions: 1 }]);
    expect(events.errors.map((e) => e.name)).toEqual(['StorageError']);
    await monitor.close();
  });

  it('reads a histogram this process never defined when `names` asks for it', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const writer = createMonitor({ clock, storage });
    const h = writer.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' });
    for (const v of [0.01, 0.02, 0.03]) h.observe(v);
    await writer.close();
    const reader = createMonitor({ clock, storage });
    expect((await reader.snapshot()).performance.snapshot).toEqual([]);
    expect((await reader.snapshot({ names: ['db_query_duration_seconds'] })).performance.snapshot).toEqual([
      { name: 'db_query_duration_seconds', count: 3, mean: 0.02, p50: expect.closeTo(0.02, 4), p95: 0.03, p99: 0.03, max: 0.03 },
    ]);
    await reader.close();
  });
});

describe('snapshot jobs', () => {
  function withJobs() {
    const env = setup();
    const { monitor } = env;
    monitor.recordJobExecution('content-generation', true, 20_000);
    monitor.recordJobExecution('content-generation', true, 30_000);
    monitor.recordJobExecution('content-generation', false, 40_000, { error: 'Timeout' });
    monitor.recordJobExecution('export-data', true, 5_000);
    return env;
  }

  it('reports executions, success rate (%), mean and p95 duration (ms) per job, ordered by job id', async () => {
    const { monitor } = withJobs();
    expect((await monitor.snapshot()).jobs).toEqual([
      { jobId: 'content-generation', totalExecutions: 3, successRate: 66.67, avgExecutionTime: 30_000, p95ExecutionTime: 40_000 },
      { jobId: 'export-data', totalExecutions: 1, successRate: 100, avgExecutionTime: 5_000, p95ExecutionTime: 5_000 },
    ]);
  });

  it("computes seed 000's example figures from 150 runs", async () => {
    const { monitor } = setup();
    for (let i = 0; i < 150; i++) monitor.recordJobExecution('content-generation', i % 30 !== 0, i < 145 ? 20_000 : 45_000);
    // 150 values in one slot are kept as HDR buckets: p95 is within 1% (here clamped to the minimum).
    const [job] = (await monitor.snapshot()).jobs;
    expect(job).toMatchObject({ jobId: 'content-generation', totalExecutions: 150, successRate: 96.67, avgExecutionTime: 20_833.33 });
    expect(Math.abs(job!.p95ExecutionTime - 20_000) / 20_000).toBeLessThan(0.01);
    // The 45 s runs are the slowest 5 of 150 (3.3%); 10 more make them 9.4%, and p95 moves to them.
    for (let i = 0; i < 10; i++) monitor.recordJobExecution('content-generation', true, 45_000);
    expect(Math.abs((await monitor.snapshot()).jobs[0]!.p95ExecutionTime - 45_000) / 45_000).toBeLessThan(0.01);
  });

  it('filters jobs by jobId', async () => {
    const { monitor } = withJobs();
    expect((await monitor.snapshot({ jobId: 'export-data' })).jobs.map((j) => j.jobId)).toEqual(['export-data']);
    expect((await monitor.snapshot({ jobId: 'content-generation' })).jobs).toHaveLength(1);
    expect((await monitor.snapshot({ jobId: 'no-such-job' })).jobs).toEqual([]);
    expect((await monitor.snapshot({})).jobs).toHaveLength(2);
  });

  it('leaves the rest of the snapshot unfiltered by jobId', async () => {
    const { monitor } = withJobs();
    monitor.gauge({ name: JOB_METRICS.queue, labelNames: ['state'] }).set(4, { state: 'pending' });
    const filtered = (await monitor.snapshot({ jobId: 'export-data' }));
    expect(filtered.queue.pending).toBe(4);
    expect(filtered.performance.snapshot.map((s) => s.name)).toContain(JOB_METRICS.duration);
  });

  it('reads runs stored with the status label jobs used before outcome (an instance of the previous release)', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const start = T0 - SLOT_MS;
    const run = (status: string, count: number) => ({ name: JOB_METRICS.executions, kind: 'counter' as const, labels: { job: 'old-job', status }, start, end: T0, count, sum: count, min: 1, max: 1, last: count, instance: `old-${status}` });
    await storage.writeRollups([run('success', 3), run('failure', 1)]);
    const monitor = createMonitor({ clock, storage });
    expect((await monitor.snapshot()).jobs).toMatchObject([{ jobId: 'old-job', totalExecutions: 4, successRate: 75 }]);
    await monitor.close();
  });

  it('reports a job that only failed with a 0% success rate', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('generate-report', false, 1_000);
    monitor.recordJobExecution('generate-report', false, 3_000);
    expect((await monitor.snapshot()).jobs).toEqual([
      { jobId: 'generate-report', totalExecutions: 2, successRate: 0, avgExecutionTime: 2_000, p95ExecutionTime: 3_000 },
    ]);
  });

  it('counts runs, success rate, mean and p95 over the snapshot window (every instance\'s runs in it, no longer this process since its start)', async () => {
    const { clock, monitor } = setup();
    monitor.recordJobExecution('export-data', false, 100_000);
    await clock.advanceAsync(6 * 60_000);
    monitor.recordJobExecution('export-data', true, 2_000);
    expect((await monitor.snapshot()).jobs).toEqual([
      { jobId: 'export-data', totalExecutions: 1, successRate: 100, avgExecutionTime: 2_000, p95ExecutionTime: 2_000 },
    ]);
  });
});

describe('snapshot queue', () => {
  it('reads the job_queue_size{state} gauge, dead_letter as deadLetter', async () => {
    const { monitor } = setup();
    const queue = monitor.gauge({ name: JOB_METRICS.queue, labelNames: ['state'] });
    queue.set(5, { state: 'pending' });
    queue.set(2, { state: 'queued' });
    queue.set(3, { state: 'processing' });
    queue.set(1, { state: 'failed' });
    queue.set(7, { state: 'dead_letter' });
    expect((await monitor.snapshot()).queue).toEqual({ pending: 5, queued: 2, processing: 3, failed: 1, deadLetter: 7 });
    queue.dec({ state: 'pending' }, 2);
    expect((await monitor.snapshot()).queue.pending).toBe(3);
  });

  it('adds up the states over other labels (one series per queue)', async () => {
    const { monitor } = setup();
    const queue = monitor.gauge({ name: JOB_METRICS.queue, labelNames: ['queue', 'state'] });
    queue.set(5, { queue: 'emails', state: 'pending' });
    queue.set(4, { queue: 'exports', state: 'pending' });
    queue.set(1, { queue: 'exports', state: 'deadLetter' });
    expect((await monitor.snapshot()).queue).toEqual({ pending: 9, queued: 0, processing: 0, failed: 0, deadLetter: 1 });
  });

  it('reads a gauge filled by a collect callback', async () => {
    const { monitor } = setup();
    let pending = 12;
    monitor.gauge({
      name: JOB_METRICS.queue,
      labelNames: ['state'],
      collect: (g) => {
        g.set(pending, { state: 'pending' });
        g.set(1, { state: 'processing' });
      },
    });
    expect((await monitor.snapshot()).queue).toMatchObject({ pending: 12, processing: 1 });
    pending = 0;
    expect((await monitor.snapshot()).queue.pending).toBe(0);
  });

  it('ignores states it does not know, including names of Object.prototype members', async () => {
    const { monitor } = setup();
    const queue = monitor.gauge({ name: JOB_METRICS.queue, labelNames: ['state'] });
    for (const state of ['archived', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) queue.set(3, { state });
    queue.set(2, { state: 'queued' });
    const snap = (await monitor.snapshot());
    expect(snap.queue).toEqual({ pending: 0, queued: 2, processing: 0, failed: 0, deadLetter: 0 });
    expect(Object.keys(snap.queue)).toEqual(['pending', 'queued', 'processing', 'failed', 'deadLetter']);
  });
});

describe('snapshot system', () => {
  function requests() {
    const env = setup();
    const h = env.monitor.histogram({
      name: 'http_request_duration_seconds',
      unit: 'seconds',
      labelNames: ['method', 'route', 'status'],
    });
    return { ...env, h };
  }

  it('reports error rate (%), mean and p95 response time (ms) from http_request_duration_seconds', async () => {
    const { monitor, h } = requests();
    h.observe(0.1, { method: 'GET', route: '/a', status: '200' });
    h.observe(0.2, { method: 'GET', route: '/a', status: '200' });
    h.observe(0.3, { method: 'POST', route: '/b', status: '500' });
    h.observe(0.4, { method: 'GET', route: '/c', status: '404' });
    expect((await monitor.snapshot()).system).toEqual({ uptime: 0, errorRate: 25, avgResponseTime: 250, p95ResponseTime: 400 });
  });

  it('counts every 5xx status as an error and no 4xx', async () => {
    const { monitor, h } = requests();
    for (const status of ['500', '502', '503', '400', '401', '404', '200', '201', '204', '301']) h.observe(0.01, { method: 'GET', route: '/', status });
    expect((await monitor.snapshot()).system.errorRate).toBe(30);
  });

  it('counts outcome="failure" as an error (withPerformanceTracking as the request metric)', async () => {
    const { clock, monitor } = setup({ snapshot: { requestMetric: 'handle_request_duration_seconds' } });
    const handle = monitor.withPerformanceTracking(async (ok: boolean) => {
      clock.advance(ok ? 100 : 300);
      if (!ok) throw new Error('failed');
    }, { name: 'handle_request' });
    await handle(true);
    await handle(true);
    await handle(true);
    await handle(false).catch(() => undefined);
    expect((await monitor.snapshot()).system).toEqual({ uptime: 600, errorRate: 25, avgResponseTime: 150, p95ResponseTime: 300 });
  });

  it('still counts the labels used before outcome as errors: success="false", and outcome error or timeout', async () => {
    const { monitor } = setup();
    const h = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['success', 'outcome'] });
    h.observe(0.1, { success: 'true', outcome: 'success' });
    h.observe(0.1, { success: 'false', outcome: '' });
    h.observe(0.1, { success: '', outcome: 'error' });
    h.observe(0.1, { success: '', outcome: 'timeout' });
    h.observe(0.1, { success: '', outcome: 'success' });
    expect((await monitor.snapshot()).system.errorRate).toBe(60);
  });

  it("falls back to seed 003's response_time records (in ms) with a statusCode tag", async () => {
    const { monitor } = setup();
    monitor.recordMetric({ metricType: 'response_time', value: 100, unit: 'ms', tags: { endpoint: '/api/projects', statusCode: '200' } });
    monitor.recordMetric({ metricType: 'response_time', value: 300, unit: 'ms', tags: { endpoint: '/api/projects', statusCode: '503' } });
    expect((await monitor.snapshot()).system).toEqual({ uptime: 0, errorRate: 50, avgResponseTime: 200, p95ResponseTime: 300 });
  });

  it('only counts requests in the snapshot window', async () => {
    const { clock, monitor, h } = requests();
    h.observe(5, { method: 'GET', route: '/slow', status: '500' });
    await clock.advanceAsync(6 * 60_000);
    h.observe(0.05, { method: 'GET', route: '/fast', status: '200' });
    expect((await monitor.snapshot()).system).toMatchObject({ errorRate: 0, avgResponseTime: 50, p95ResponseTime: 50 });
  });

  it('uses the snapshot.window option', async () => {
    const { clock, monitor } = setup({ snapshot: { window: '1m' } });
    const h = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['status'] });
    h.observe(1, { status: '200' });
    await clock.advanceAsync(90_000);
    h.observe(0.2, { status: '200' });
    expect((await monitor.snapshot()).system.avgResponseTime).toBe(200);
  });
});

describe('snapshot performance', () => {
  it('summarises each histogram over the window, in its own unit', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('export-data', true, 1_000);
    monitor.recordJobExecution('export-data', false, 3_000);
    monitor.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' }).observe(0.02);
    monitor.histogram({ name: 'idle_duration_seconds', unit: 'seconds' }); // nothing recorded
    expect((await monitor.snapshot()).performance.snapshot).toEqual([
      // job_duration_seconds is in seconds (snapshot().jobs still reports ms).
      { name: JOB_METRICS.duration, count: 2, mean: 2, p50: 1, p95: 3, p99: 3, max: 3 },
      { name: 'db_query_duration_seconds', count: 1, mean: 0.02, p50: 0.02, p95: 0.02, p99: 0.02, max: 0.02 },
    ]);
  });

  it('lists the slowest series by p95 across units, at most 5, with their labels', async () => {
    const { monitor } = setup();
    const http = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route'] });
    http.observe(2, { route: '/slow' }); // 2000 ms
    http.observe(0.05, { route: '/fast' }); // 50 ms
    monitor.recordJobExecution('export-data', true, 500); // 500 ms
    monitor.recordJobExecution('content-generation', true, 45_000); // 45 s
    const slowest = (await monitor.snapshot()).performance.slowest;
    expect(slowest.map((s) => [s.name, s.labels, s.p95])).toEqual([
      [JOB_METRICS.duration, { job: 'content-generation', outcome: 'success' }, 45],
      ['http_request_duration_seconds', { route: '/slow' }, 2],
      [JOB_METRICS.duration, { job: 'export-data', outcome: 'success' }, 0.5],
      ['http_request_duration_seconds', { route: '/fast' }, 0.05],
    ]);
    for (let i = 0; i < 4; i++) http.observe(0.001 * (i + 1), { route: `/r${i}` });
    expect((await monitor.snapshot()).performance.slowest).toHaveLength(5);
  });

  describe('trends', () => {
    /** Records `before` at the start and `after` 4 minutes later, then snapshots with the default 5-minute window. */
    async function trendOf(before: number, after: number) {
      const { clock, monitor } = setup();
      const h = monitor.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' });
      h.observe(before); // older half
      await clock.advanceAsync(4 * 60_000);
      h.observe(after); // newer half
      return (await monitor.snapshot()).performance.trends;
    }

    it('reports degrading when the mean rises by 10% or more between the older and newer half of the window', async () => {
      expect(await trendOf(0.1, 0.12)).toEqual([{ name: 'db_query_duration_seconds', trend: 'degrading', changePercent: 20 }]);
      expect(await trendOf(0.1, 0.11)).toEqual([{ name: 'db_query_duration_seconds', trend: 'degrading', changePercent: 10 }]);
    });

    it('reports improving when the mean falls by 10% or more', async () => {
      expect(await trendOf(0.1, 0.08)).toEqual([{ name: 'db_query_duration_seconds', trend: 'improving', changePercent: -20 }]);
    });

    it('reports stable for a change under 10% either way', async () => {
      expect(await trendOf(0.1, 0.109)).toEqual([{ name: 'db_query_duration_seconds', trend: 'stable', changePercent: 9 }]);
      expect(await trendOf(0.1, 0.095)).toEqual([{ name: 'db_query_duration_seconds', trend: 'stable', changePercent: -5 }]);
    });

    it('compares the means of all observations in each half, across series', async () => {
      const { clock, monitor } = setup();
      const h = monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route'] });
      h.observe(0.1, { route: '/a' });
      h.observe(0.3, { route: '/b' }); // older mean 0.2
      await clock.advanceAsync(3 * 60_000);
      h.observe(0.2, { route: '/a' });
      h.observe(0.3, { route: '/b' });
      h.observe(0.4, { route: '/b' }); // newer mean 0.3
      expect((await monitor.snapshot()).performance.trends).toEqual([{ name: 'http_request_duration_seconds', trend: 'degrading', changePercent: 50 }]);
    });

    it('leaves out a histogram with no data in one of the halves', async () => {
      const { clock, monitor } = setup();
      monitor.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' }).observe(0.1);
      expect((await monitor.snapshot()).performance.trends).toEqual([]);
      await clock.advanceAsync(4 * 60_000);
      expect((await monitor.snapshot()).performance.trends).toEqual([]);
    });

    it('ignores data older than the window', async () => {
      const { clock, monitor } = setup();
      const h = monitor.histogram({ name: 'db_query_duration_seconds', unit: 'seconds' });
      h.observe(10); // leaves the window
      await clock.advanceAsync(6 * 60_000);
      h.observe(0.1); // older half of the new window
      await clock.advanceAsync(3 * 60_000);
      h.observe(0.1); // newer half
      expect((await monitor.snapshot()).performance.trends).toEqual([{ name: 'db_query_duration_seconds', trend: 'stable', changePercent: 0 }]);
    });
  });
});

describe('snapshot alerts', () => {
  it('reports no active alerts', async () => {
    const { monitor } = setup();
    expect((await monitor.snapshot()).alerts).toEqual({ active: 0, items: [] });
  });

  it('lists at most limits.maxSnapshotSeries alerts, keeps the total in `active` and counts the rest in `truncated` (issue 14)', async () => {
    const { monitor } = setup({ limits: { maxSnapshotSeries: 2 } });
    for (let i = 0; i < 5; i++) await monitor.alerts.triggerAlert({ name: `Manual ${i}`, severity: 'warning' });
    const snap = (await monitor.snapshot());
    expect(snap.alerts.active).toBe(5);
    expect(snap.alerts.items).toHaveLength(2);
    expect(snap.truncated.alerts).toBe(3);
  });
});

describe('snapshot with hostile options', () => {
  it('ignores filters that are not strings instead of rejecting', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('export-data', true, 100);
    const snapshot = monitor.snapshot as (options?: unknown) => ReturnType<typeof monitor.snapshot>;
    for (const options of [null, 5, 'x', { jobId: {} }, { names: 5 }, { names: [1, null] }, { jobId: null, names: null }]) {
      await expect(snapshot.call(monitor, options), JSON.stringify(options)).resolves.toMatchObject({ jobs: [{ jobId: 'export-data' }] });
    }
    expect((await snapshot.call(monitor, null)).jobs).toHaveLength(1);
  });

  it('exportPrometheusMetrics ignores null options and a names filter that is not a list (a bad format is still a ConfigError)', async () => {
    const { monitor } = setup();
    monitor.recordJobExecution('export-data', true, 100);
    const exportMetrics = monitor.exportPrometheusMetrics as (options?: unknown) => string;
    expect(exportMetrics.call(monitor, null)).toContain('job_executions_total');
    expect(exportMetrics.call(monitor, { names: 5 })).toContain('job_executions_total');
    expect(exportMetrics.call(monitor, { names: ['job_executions_total', 7] })).toContain('job_executions_total');
    expect(() => exportMetrics.call(monitor, { format: 'x'.repeat(10_000) })).toThrow(/got "xxxx/);
  });
});

describe('snapshot bounds (issue 14: 100 groupBy rules over 1,000 series made a 54 MB JSON /metrics)', () => {
  it('lists at most limits.maxSnapshotSeries jobs, the first by id, and counts the rest', async () => {
    const { monitor } = setup({ limits: { maxSnapshotSeries: 3 } });
    for (let i = 9; i >= 0; i--) monitor.recordJobExecution(`job-${i}`, true, 100);
    const snap = (await monitor.snapshot());
    expect(snap.jobs.map((j) => j.jobId)).toEqual(['job-0', 'job-1', 'job-2']);
    expect(snap.truncated).toEqual({ jobs: 7, alerts: 0 });
    // A jobId filter selects first, then bounds: the job asked for is always there.
    expect((await monitor.snapshot({ jobId: 'job-9' })).jobs.map((j) => j.jobId)).toEqual(['job-9']);
    expect((await monitor.snapshot({ jobId: 'job-9' })).truncated.jobs).toBe(0);
  });

  it('stays small with 1,000 jobs and 1,000 alerts at the default bound of 100', async () => {
    const { monitor } = setup({ limits: { maxSeriesPerMetric: 5_000 } });
    for (let i = 0; i < 1_000; i++) monitor.recordJobExecution(`job-${String(i).padStart(4, '0')}`, i % 2 === 0, 100 + i);
    for (let i = 0; i < 1_000; i++) await monitor.alerts.triggerAlert({ name: `Manual ${i}`, severity: 'info' });
    const snap = (await monitor.snapshot());
    expect(snap.jobs).toHaveLength(100);
    expect(snap.alerts).toMatchObject({ active: 1_000 });
    expect(snap.alerts.items).toHaveLength(100);
    expect(snap.truncated).toEqual({ jobs: 900, alerts: 900 });
    expect(JSON.stringify(snap).length).toBeLessThan(200_000);
  });
});
