/**
 * Ring span publications over each built-in store's state role (conformance style: the same
 * case on MemoryStorage, the real Redis and the real PostgreSQL): one publication an instance at
 * a time, the longest span not expired read, expired ones deleted by the reader, the last one
 * withdrawn when the publisher stops. Instance ids with the key's own separator, spaces and
 * non-ASCII text stay data.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import type { StateStore, StorageLifecycle } from '../../src/storage/contract.js';
import { readFleetRingSpan, RING_SPAN_GRACE, RING_SPAN_PREFIX, RingSpanPublisher } from '../../src/storage/ring-spans.js';
import { ManualClock } from '../../src/testing.js';
import { postgresAvailable } from '../helpers/postgres-db.js';
import { redisAvailable } from '../helpers/redis-env.js';
import { clearSharedStore, openSharedStore } from '../helpers/shared-store.js';

const up = { memory: true, redis: await redisAvailable('ring spans (Redis)'), postgres: await postgresAvailable('ring spans (PostgreSQL)') };
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const PERIOD = 10 * MINUTE;
/** Now, to the minute: Redis and PostgreSQL stamp `updatedAt` by their own clock, not read here. */
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE;

describe.each(['memory', 'redis', 'postgres'] as const)('ring span publications on %s', (kind) => {
  const namespace = kind === 'redis' ? `h3:spans:${randomUUID()}:` : `h3_spans_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  afterAll(() => (kind !== 'memory' && up[kind] ? clearSharedStore(kind, namespace) : undefined));

  it.skipIf(!up[kind])('one publication an instance, the longest read, expired ones deleted, withdrawn on stop', { timeout: 60_000 }, async () => {
    const clock = new ManualClock(T0);
    const store = (kind === 'memory' ? new MemoryStorage({ now: () => clock.now() }) : await openSharedStore(kind, namespace)) as StorageLifecycle & StateStore;
    const errors: unknown[] = [];
    const reporter = { fail: (e: unknown) => void errors.push(e) };
    const ids = ['api:1 host', 'ünïcode 😀', 'short'];
    const spans = [3 * HOUR, 2 * HOUR, 5 * MINUTE];
    const publishers = ids.map((id, i) => new RingSpanPublisher({ clock, store, reporter, instance: () => id, span: spans[i]!, period: PERIOD }));
    try {
      for (const p of publishers) p.start();
      await clock.idle();
      await clock.advanceAsync(PERIOD);
      const entries = await store.readState(RING_SPAN_PREFIX);
      expect(entries.map((e) => e.value).sort((a, b) => String((a as { instance: string }).instance).localeCompare((b as { instance: string }).instance))).toEqual(
        ids.map((instance, i) => ({ instance, span: spans[i], expiresAt: T0 + 4 * PERIOD })).sort((a, b) => a.instance.localeCompare(b.instance)),
      );
      expect(await readFleetRingSpan(store, clock.now())).toEqual({ span: 3 * HOUR, deleted: 0 });
      // The longest stops; the next reader reads the next longest.
      await publishers[0]!.stop();
      expect(await readFleetRingSpan(store, clock.now())).toEqual({ span: 2 * HOUR, deleted: 0 });
      // One dies (stops publishing without withdrawing): read until it expires and its grace (clock skew) ends, then deleted by the reader.
      const dead = `${RING_SPAN_PREFIX}gone:tok:${T0 + 3 * PERIOD}`;
      await store.putStateIfAbsent(dead, { instance: 'gone', span: 9 * HOUR, expiresAt: T0 + 3 * PERIOD });
      // A hand edit whose key and value disagree is deleted at once.
      await store.putStateIfAbsent(`${RING_SPAN_PREFIX}edit:tok:1`, { instance: 'edit', span: 20 * HOUR, expiresAt: T0 + 3 * PERIOD });
      expect(await readFleetRingSpan(store, clock.now())).toEqual({ span: 9 * HOUR, deleted: 1 });
      await clock.advanceAsync(2 * PERIOD);
      expect(await readFleetRingSpan(store, clock.now())).toEqual({ span: 9 * HOUR, deleted: 0 });
      await clock.advanceAsync(RING_SPAN_GRACE);
      expect(await readFleetRingSpan(store, clock.now())).toEqual({ span: 2 * HOUR, deleted: 1 });
      expect((await store.readState(RING_SPAN_PREFIX)).map((e) => e.key)).not.toContain(dead);
      for (const p of publishers) await p.stop();
      expect(await store.readState(RING_SPAN_PREFIX)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      for (const p of publishers) await p.stop();
      await store.close();
    }
  });
});
