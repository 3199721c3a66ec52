/**
 * The in-memory idempotency keys stay within `maxKeys` at a constant cost per claim: once full,
 * each new key used to make a scan of every key held for expired ones (100,000 by default:
 * about 0.9 ms per keyed enqueue, 150 times the cost below the bound). Counted here as the keys
 * each claim visits, not timed.
 */
import { describe, expect, it } from 'vitest';
import type { CapabilityContext } from '../../src/capability.js';
import { Dedup } from '../../src/jobs/dedup.js';
import type { Job } from '../../src/jobs/job.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

/** Counts the entries read from `map` by iteration (for-of, keys(), entries()). */
function countReads(map: Map<unknown, unknown>): { reads: number } {
  const counter = { reads: 0 };
  const counted = <T>(iterator: IterableIterator<T>): IterableIterator<T> => ({
    next: () => {
      const step = iterator.next();
      if (!step.done) counter.reads++;
      return step;
    },
    [Symbol.iterator]() {
      return this;
    },
  });
  const own = map as unknown as Record<PropertyKey, unknown>;
  own[Symbol.iterator] = () => counted(Map.prototype.entries.call(map));
  own.entries = () => counted(Map.prototype.entries.call(map));
  own.keys = () => counted(Map.prototype.keys.call(map));
  return counter;
}

describe('in-memory idempotency keys past maxKeys', () => {
  it('cost a few key visits per claim, not one per key held, and keep the newest maxKeys keys', async () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage({ now: () => clock.now() });
    const ctx = { clock, storage, service: 's', report: () => undefined } as unknown as CapabilityContext;
    const dedup = new Dedup(ctx, 1_000);
    const job = {} as Job;
    for (let i = 0; i < 1_000; i++) await dedup.claim('t', `k${i}`, 3_600_000, job);
    const held = (dedup as unknown as { held: Map<string, unknown> }).held;
    const counter = countReads(held);
    for (let i = 1_000; i < 1_500; i++) await dedup.claim('t', `k${i}`, 3_600_000, job);
    expect(held.size).toBe(1_000);
    expect(counter.reads).toBeLessThanOrEqual(2 * 500);
    expect([...Map.prototype.keys.call(held)][0]).toBe('t\u0000k500');
    // Expired keys at the front go first.
    clock.advance(3_600_000);
    await dedup.claim('t', 'fresh', 60_000, job);
    expect(held.size).toBe(1);
  });
});
