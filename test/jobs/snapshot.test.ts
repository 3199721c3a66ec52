import { describe, expect, it } from 'vitest';
import { createMonitor, JOB_METRICS } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';

describe("snapshot() reads monitor.jobs' own metrics (seed 000's /api/metrics)", () => {
  it('lists each job type from job_outcomes_total and job_run_duration_seconds, and the queue under seed 000 states', async () => {
    const monitor = createMonitor({ service: 'publisher', clock: new ManualClock(Date.UTC(2026, 0, 1)) });
    // The metrics as monitor.jobs and instrumentBullMQ write them (by `type`).
    const outcomes = monitor.counter({ name: JOB_METRICS.outcomes, help: 'h', labelNames: ['type', 'outcome'] });
    const runs = monitor.histogram({ name: JOB_METRICS.runTime, help: 'h', labelNames: ['type', 'outcome'], unit: 'seconds' });
    const queue = monitor.gauge({ name: JOB_METRICS.queue, help: 'h', labelNames: ['type', 'state'] });
    outcomes.inc(3, { type: 'generate-report', outcome: 'success' });
    outcomes.inc(1, { type: 'generate-report', outcome: 'failure' });
    for (const s of [0.4, 0.4, 0.4]) runs.observe(s, { type: 'generate-report', outcome: 'success' });
    runs.observe(0.4, { type: 'generate-report', outcome: 'failure' });
    for (const [state, n] of [['waiting', 2], ['delayed', 1], ['active', 1], ['failed', 0], ['dead_letter', 4]] as const) queue.set(n, { type: 'generate-report', state });
    // And recordJobExecution's runs of another job, by `job`.
    monitor.recordJobExecution('export-data', true, 100);
    const snap = await monitor.snapshot();
    expect(snap.jobs).toEqual([
      { jobId: 'export-data', totalExecutions: 1, successRate: 100, avgExecutionTime: 100, p95ExecutionTime: expect.closeTo(100, 0) },
      { jobId: 'generate-report', totalExecutions: 4, successRate: 75, avgExecutionTime: 400, p95ExecutionTime: expect.closeTo(400, -1) },
    ]);
    expect(snap.queue).toEqual({ pending: 2, queued: 1, processing: 1, failed: 0, deadLetter: 4 });
    await monitor.close();
  });
});
