import { describe, expect, it } from 'vitest';
import { jobsHarness, sample } from './harness.js';

describe('dedup on one instance', () => {
  it('runs a key once within its TTL; the duplicate gets the first job result', async () => {
    const h = jobsHarness();
    let runs = 0;
    h.jobs.define('content-generation', async (p: { post: string }) => {
      runs++;
      return `generated ${p.post}`;
    }, { idempotencyKey: (p: { post: string }) => `post:${p.post}`, idempotencyTtl: '10m' });
    const first = await h.jobs.enqueue('content-generation', { post: 'a' });
    const second = await h.jobs.enqueue('content-generation', { post: 'a' });
    expect(first.deduplicated).toBe(false);
    expect(second).toMatchObject({ deduplicated: true, id: first.id });
    expect(await second.result).toBe('generated a');
    await h.clock.advanceAsync(5 * 60_000);
    const third = await h.jobs.enqueue('content-generation', { post: 'a' });
    expect(third.deduplicated).toBe(true);
    await h.clock.advanceAsync(5 * 60_000 + 1);
    const afterTtl = await h.jobs.enqueue('content-generation', { post: 'a' });
    expect(afterTtl.deduplicated).toBe(false);
    await afterTtl.result;
    expect(runs).toBe(2);
    expect(sample(h.text(), 'job_dedup_hits_total{type="content-generation"}')).toBe(2);
  });

  it('two enqueues of one key in the same tick ask the store once and run once', async () => {
    const h = jobsHarness();
    let runs = 0;
    h.jobs.define('charge', () => ++runs, { idempotencyKey: (p: string) => p });
    const [a, b] = await Promise.all([h.jobs.enqueue('charge', 'order-1'), h.jobs.enqueue('charge', 'order-1')]);
    expect([a.deduplicated, b.deduplicated].sort()).toEqual([false, true]);
    expect(await a.result).toBe(1);
    expect(await b.result).toBe(1);
    expect(runs).toBe(1);
  });

  it('an explicit idempotencyKey option works without a key function', async () => {
    const h = jobsHarness();
    let runs = 0;
    h.jobs.define('export-data', () => ++runs);
    await (await h.jobs.enqueue('export-data', 1, { idempotencyKey: 'k' })).result;
    expect((await h.jobs.enqueue('export-data', 2, { idempotencyKey: 'k' })).deduplicated).toBe(true);
    expect(runs).toBe(1);
  });

  it('a key held through the store by another instance is a dedup hit whose result is undefined', async () => {
    const a = jobsHarness();
    const b = jobsHarness({ clock: a.clock, storage: a.storage });
    let runs = 0;
    for (const h of [a, b]) h.jobs.define('publish', () => ++runs, { idempotencyKey: (p: string) => p });
    const first = await a.jobs.enqueue('publish', 'item-9');
    const second = await b.jobs.enqueue('publish', 'item-9');
    expect(second.deduplicated).toBe(true);
    expect(await second.result).toBeUndefined();
    expect(await first.result).toBe(1);
    expect(runs).toBe(1);
  });
});
