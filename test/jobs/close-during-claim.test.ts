/**
 * An enqueue whose idempotency key is being claimed when close() begins was accepted: its key is
 * taken in the store for the TTL, so a rejected enqueue there would make the same job a
 * duplicate on every other instance, and it would never run. It is kept in the dead letters
 * like a waiting job (its handle's result rejects with a ClosedError), and close() waits for it.
 */
import { describe, expect, it } from 'vitest';
import { ClosedError } from '../../src/core/errors.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { deferred, jobsHarness } from './harness.js';

describe('close() while an idempotency key is being claimed', () => {
  it('keeps the job in the dead letters, so it still runs once fleet-wide', async () => {
    const gate = deferred();
    const storage = new MemoryStorage();
    const acquire = storage.tryAcquire.bind(storage);
    let held = true;
    storage.tryAcquire = async (key, ttl, options) => {
      if (held) {
        held = false;
        await gate.promise;
      }
      return acquire(key, ttl, options);
    };
    const first = jobsHarness({ storage });
    const ran: unknown[] = [];
    const define = (h: ReturnType<typeof jobsHarness>) => h.jobs.define('publish', (p: { post: string }) => void ran.push(p.post), { idempotencyKey: (p: { post: string }) => p.post });
    define(first);
    const enqueued = first.jobs.enqueue('publish', { post: 'p-1' });
    const closing = first.jobs.close();
    gate.resolve();
    const handle = await enqueued;
    expect(handle.deduplicated).toBe(false);
    await expect(handle.result).rejects.toBeInstanceOf(ClosedError);
    await closing;
    expect((await first.jobs.deadLetters.list()).map((l) => [l.id, l.data, l.idempotencyKey, l.attempts])).toEqual([[handle.id, { post: 'p-1' }, 'p-1', 0]]);
    expect(ran).toEqual([]);

    // Another instance: the key is a duplicate there (the lease is taken), and the letter runs it.
    const second = jobsHarness({ storage, clock: first.clock });
    define(second);
    expect((await second.jobs.enqueue('publish', { post: 'p-1' })).deduplicated).toBe(true);
    expect(await second.jobs.deadLetters.process()).toMatchObject({ retried: 1 });
    await second.clock.advanceAsync(0);
    expect(ran).toEqual(['p-1']);
    await second.jobs.close();
  });
});
