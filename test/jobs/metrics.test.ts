import { describe, expect, it } from 'vitest';
import { JobMetrics } from '../../src/jobs/job-metrics.js';
import { jobsHarness, sample } from './harness.js';

describe('job metrics', () => {
  it('two JobMetrics on one registry (monitor.jobs and pulsewatch/bullmq) feed the same queue gauges', async () => {
    const h = jobsHarness();
    h.jobs.define('local', () => new Promise(() => undefined));
    await h.jobs.enqueue('local', 1);
    const other = new JobMetrics(h.registry);
    other.forType({ type: 'bull-queue', waiting: () => 7, active: () => 2, delayed: () => 1, failed: () => 0, deadLetter: () => 3 });
    const text = h.text();
    expect(sample(text, 'job_queue_size{type="local",state="active"}')).toBe(1);
    expect(sample(text, 'job_queue_size{type="bull-queue",state="waiting"}')).toBe(7);
    expect(sample(text, 'job_queue_size{type="bull-queue",state="dead_letter"}')).toBe(3);
    expect(sample(text, 'job_active_workers{type="bull-queue"}')).toBe(2);
    expect(sample(text, 'job_active_workers{type="local"}')).toBe(1);
  });

  it('a monitor without job types exposes no job gauges', () => {
    const h = jobsHarness();
    expect(h.text()).not.toContain('job_queue_size');
  });
});
