/**
 * A handler may throw or reject with anything, a revoked proxy included (every read of it
 * throws, `instanceof` too): the job still fails like any other, retried, then dead-lettered,
 * its result rejecting, instead of the runner throwing on it and the job hanging nowhere.
 */
import { describe, expect, it } from 'vitest';
import { jobsHarness } from './harness.js';

function revoked(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

describe('a handler throwing a value that throws when read', () => {
  for (const how of ['throws', 'rejects with'] as const) {
    it(`${how} a revoked proxy: retried, dead-lettered, its result rejects`, async () => {
      const h = jobsHarness();
      let runs = 0;
      h.jobs.define('hostile', () => {
        runs++;
        if (how === 'throws') throw revoked();
        return Promise.reject(revoked());
      }, { retries: 1, backoff: { initialDelay: '1s', jitter: 0 } });
      const handle = await h.jobs.enqueue('hostile', { n: 1 });
      await h.clock.advanceAsync(1_000);
      await expect(handle.result).rejects.toThrow(/^job threw a non-Error: /);
      expect(runs).toBe(2);
      const letters = await h.jobs.deadLetters.list();
      expect(letters.map((l) => [l.id, l.attempts])).toEqual([[handle.id, 2]]);
      expect(letters[0]!.error).toMatch(/^job threw a non-Error: /);
      expect(h.errors).toEqual([]);
    });
  }
});
