import { describe, expect, it } from 'vitest';
import { jobsHarness, timedBody } from './harness.js';

/** Runs `count` jobs of `ms` each, one at a time, to their end. */
async function runJobs(h: ReturnType<typeof jobsHarness>, type: string, count: number, ms: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const handle = await h.jobs.enqueue(type, i);
    await h.clock.advanceAsync(ms);
    // A failing job is part of what bottlenecks read: its rejection is expected here.
    await handle.result.catch(() => undefined);
  }
}

describe('baselines, regressions and bottlenecks', () => {
  it('learns a baseline (mean and p95) after 10 runs and restores it after a restart', async () => {
    const first = jobsHarness();
    const durations = [100, 100, 100, 100, 100, 100, 100, 100, 100, 1_000];
    let i = 0;
    first.jobs.define('content-generation', () => {
      const done: Promise<void> = new Promise((r) => first.clock.setTimeout(() => (r(), done), durations[i++]!));
      return done;
    });
    expect(await first.jobs.baselines()).toEqual([]);
    for (let n = 0; n < 10; n++) {
      const handle = await first.jobs.enqueue('content-generation', n);
      await first.clock.advanceAsync(durations[n]!);
      await handle.result;
    }
    const learned = await first.jobs.baselines();
    expect(learned).toEqual([{ jobType: 'content-generation', mean: 190, p95: 1_000, sampleSize: 10, createdAt: first.clock.now() }]);
    await first.jobs.close();
    // A new process on the same store: the baseline is there before any run.
    const second = jobsHarness({ clock: first.clock, storage: first.storage });
    second.jobs.define('content-generation', () => undefined);
    expect(await second.jobs.baselines()).toEqual(learned);
    expect(second.errors).toEqual([]);
  });

  it('signals a regression when the last 10 runs are over 10 % slower than the baseline', async () => {
    const h = jobsHarness();
    let ms = 100;
    h.jobs.define('export-data', () => {
      const done: Promise<void> = new Promise((r) => h.clock.setTimeout(() => (r(), done), ms));
      return done;
    });
    await runJobs(h, 'export-data', 10, 100);
    expect(h.jobs.regressions()).toEqual([]);
    ms = 110;
    await runJobs(h, 'export-data', 10, 110);
    expect(h.jobs.regressions()).toEqual([]);
    ms = 120;
    await runJobs(h, 'export-data', 10, 120);
    expect(h.jobs.regressions()).toEqual([{ jobType: 'export-data', baselineMean: 100, currentMean: 120, changePercent: 20 }]);
  });

  it('lists seed 000 bottlenecks: slow over 60 s / 120 s, failing over 25 % / 50 %', async () => {
    const h = jobsHarness();
    const slow = timedBody(h.clock, 90_000);
    const slower = timedBody(h.clock, 150_000);
    h.jobs.define('slow', slow.body);
    h.jobs.define('slower', slower.body);
    let n = 0;
    h.jobs.define('flaky', () => {
      if (n++ % 3 === 0) throw new Error('one in three');
    }, { retries: 0 });
    h.jobs.define('broken', () => Promise.reject(new Error('always')), { retries: 0 });
    h.jobs.define('fine', () => 'ok');
    await runJobs(h, 'slow', 1, 90_000);
    await runJobs(h, 'slower', 1, 150_000);
    await runJobs(h, 'flaky', 3, 0);
    await runJobs(h, 'broken', 2, 0);
    await runJobs(h, 'fine', 2, 0);
    expect(h.jobs.bottlenecks()).toEqual([
      { jobType: 'slower', reason: 'slow', severity: 'high', value: 150_000 },
      { jobType: 'broken', reason: 'failures', severity: 'high', value: 100 },
      { jobType: 'slow', reason: 'slow', severity: 'medium', value: 90_000 },
      { jobType: 'flaky', reason: 'failures', severity: 'medium', value: 33.33 },
    ]);
  });
});
