import { describe, expect, it } from 'vitest';
import { deferred, jobsHarness } from './harness.js';

describe('jobs.describe() and jobs.types()', () => {
  it('reads back a type\'s options as applied, defaults and durations in ms included', () => {
    const h = jobsHarness();
    const key = (p: { postId: string }) => p.postId;
    h.jobs.define('content-generation', () => undefined, { concurrency: 5, priority: 'MEDIUM', retries: 3, timeout: '2m', idempotencyKey: key });
    h.jobs.define('export-data', () => undefined, { concurrency: 3, priority: 'LOW', backoff: { initialDelay: '2s', jitter: 0 }, deadLetter: false, idempotencyTtl: '10m' });
    expect(h.jobs.describe('content-generation')?.options).toEqual({
      concurrency: 5,
      priority: 'medium',
      retries: 3,
      backoff: { initialDelay: 1_000, factor: 2, maxDelay: 60_000, jitter: 0.2 },
      timeout: 120_000,
      idempotencyKey: key,
      idempotencyTtl: 3_600_000,
      deadLetter: true,
    });
    expect(h.jobs.describe('export-data')?.options).toMatchObject({ concurrency: 3, priority: 'low', retries: 3, backoff: { initialDelay: 2_000, jitter: 0 }, timeout: undefined, idempotencyTtl: 600_000, deadLetter: false });
    expect(h.jobs.types().map((t) => t.type)).toEqual(['content-generation', 'export-data']);
    expect(h.jobs.describe('nope')).toBeUndefined();
    // A copy: changing what was read changes nothing.
    expect(Object.isFrozen(h.jobs.describe('export-data')!.options)).toBe(true);
  });

  it('reads the live state: running, waiting by priority, delayed, peak concurrency, dead letters', async () => {
    const h = jobsHarness({ jobs: { random: () => 0 } });
    const gate = deferred();
    h.jobs.define('publish', async (p: string) => {
      if (p === 'fails') throw new Error('down');
      await gate.promise;
    }, { concurrency: 2, retries: 1 });
    const handles = [];
    handles.push(await h.jobs.enqueue('publish', 'fails'));
    for (const [p, priority] of [['a', 'high'], ['b', 'high'], ['c', 'medium'], ['d', 'low'], ['e', 'low']] as const) handles.push(await h.jobs.enqueue('publish', p, { priority }));
    await h.clock.advanceAsync(0);
    // 'fails' failed at once and waits 1 s for its retry; a and b run; c, d, e wait.
    expect(h.jobs.describe('publish')!.state).toEqual({ running: 2, waiting: { high: 0, medium: 1, low: 2 }, delayed: 1, peakConcurrency: 2, deadLetters: { pending: 0, failed: 0 } });
    gate.resolve();
    await h.clock.advanceAsync(1_000);
    await Promise.all(handles.map((x) => x.result.catch(() => undefined)));
    await h.clock.advanceAsync(0);
    expect(h.jobs.describe('publish')!.state).toEqual({ running: 0, waiting: { high: 0, medium: 0, low: 0 }, delayed: 0, peakConcurrency: 2, deadLetters: { pending: 1, failed: 0 } });
  });
});
