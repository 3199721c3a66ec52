// readRollupChanges: the change log MemoryStorage and RedisStorage keep, so the rule engine reads
// what was written since its last tick instead of its whole window. Real Redis, no mocks.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup, StorageAdapter } from '../../src/storage/contract.js';
import { CHANGE_HORIZON } from '../../src/storage/rollup-changes.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('readRollupChanges on Redis');
const SLOT = 30_000;
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;

function rollup(start: number, instance: string, sum: number, labels: Record<string, string> = { route: '/a' }): Rollup {
  return { name: 'latency_ms', kind: 'counter', labels, start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance };
}

/** A store of each kind on a clock the test moves. */
interface Fixture {
  open(now: () => number): StorageAdapter;
}

const admin = up ? inspector() : undefined;
const prefixes: string[] = [];
const opened: StorageAdapter[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const p of prefixes.splice(0)) await deleteUnder(admin!, p);
});
afterAll(() => admin?.disconnect());

const fixtures: [string, Fixture, boolean][] = [
  ['MemoryStorage', { open: (now) => track(new MemoryStorage({ now })) }, true],
  [
    'RedisStorage',
    {
      open(now) {
        const prefix = prefixes[0] ?? uniquePrefix();
        if (prefixes.length === 0) prefixes.push(prefix);
        return track(new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, now }));
      },
    },
    up,
  ],
];

function track(s: StorageAdapter): StorageAdapter {
  opened.push(s);
  return s;
}

describe('readRollupChanges after the store lost its log', () => {
  it.runIf(up)('Redis: a flushed (or evicted) log state restarts under a new epoch: an old cursor reads incomplete, not as a shorter log', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const now = T0 + 10 * SLOT;
    const store = track(new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, now: () => now }));
    await store.writeRollups([rollup(T0, 'a', 1)]);
    const { cursor } = await store.readRollupChanges!('latency_ms', undefined);
    await deleteUnder(admin!, prefix);
    await store.writeRollups([rollup(T0 + SLOT, 'a', 2)]);
    await store.writeRollups([rollup(T0 + 2 * SLOT, 'a', 3)]);
    expect((await store.readRollupChanges!('latency_ms', cursor)).complete).toBe(false);
  });

  it('MemoryStorage: purgeBefore and names left idle past the horizon make older cursors incomplete', async () => {
    let now = T0 + 10 * SLOT;
    const store = new MemoryStorage({ now: () => now });
    track(store);
    const { cursor } = await store.readRollupChanges('latency_ms', undefined);
    await store.writeRollups([rollup(T0 + 9 * SLOT, 'a', 1)]);
    await store.purgeBefore(T0 + 20 * SLOT);
    expect((await store.readRollupChanges('latency_ms', cursor)).complete).toBe(false);
    const after = await store.readRollupChanges('latency_ms', undefined);
    await store.writeRollups([rollup(T0 + 9 * SLOT, 'a', 2)]);
    // Idle past the horizon: the name is forgotten at the next sweep, and its next writes start afresh.
    now += CHANGE_HORIZON + 120_000;
    await store.writeRollups([{ ...rollup(T0 + 14 * SLOT, 'a', 3), name: 'other_total' }]);
    await store.writeRollups([rollup(T0 + 14 * SLOT, 'a', 4)]);
    expect((await store.readRollupChanges('latency_ms', after.cursor)).complete).toBe(false);
  });
});

describe.each(fixtures)('readRollupChanges: %s', (_kind, fixture, available) => {
  it.runIf(available)('answers every rollup written since a cursor, once, then nothing', async () => {
    let now = T0 + 10 * SLOT;
    const store = fixture.open(() => now);
    const first = await store.readRollupChanges!('latency_ms', undefined);
    expect(first).toMatchObject({ rollups: [], complete: false });
    await store.writeRollups([rollup(T0, 'a', 1), rollup(T0, 'b', 2, { route: '/b' })]);
    await store.writeRollups([rollup(T0 + SLOT, 'a', 3)]);
    now += 1_000;
    const changed = await store.readRollupChanges!('latency_ms', first.cursor);
    expect(changed.complete).toBe(true);
    expect(changed.rollups.map((r) => [r.labels.route, r.start, r.instance, r.sum])).toEqual([
      ['/a', T0, 'a', 1],
      ['/b', T0, 'b', 2],
      ['/a', T0 + SLOT, 'a', 3],
    ]);
    const again = await store.readRollupChanges!('latency_ms', changed.cursor);
    expect(again).toEqual({ rollups: [], cursor: changed.cursor, complete: true });
    // Another name's writes are not this name's changes.
    await store.writeRollups([{ ...rollup(T0, 'a', 9), name: 'other_total' }]);
    expect((await store.readRollupChanges!('latency_ms', changed.cursor)).rollups).toEqual([]);
  });

  it.runIf(available)('answers a rewrite of the same series, start and instance again, and label values as written', async () => {
    const now = T0 + 10 * SLOT;
    const store = fixture.open(() => now);
    const hostile = { route: 'line\nbreak\ttab "quoted" \u00e9\u{1F600}' };
    await store.writeRollups([rollup(T0, 'a', 1, hostile)]);
    const { cursor } = await store.readRollupChanges!('latency_ms', undefined);
    await store.writeRollups([rollup(T0, 'a', 5, hostile)]);
    const changed = await store.readRollupChanges!('latency_ms', cursor);
    expect(changed.rollups.map((r) => [r.labels, r.sum])).toEqual([[hostile, 5]]);
    // The store itself keeps one rollup per (series, start, instance).
    expect((await store.queryRollups({ name: 'latency_ms' })).map((r) => r.sum)).toEqual([5]);
  });

  it.runIf(available)('is incomplete for a cursor older than the horizon, and for a cursor of another store', async () => {
    let now = T0 + 10 * SLOT;
    const store = fixture.open(() => now);
    const { cursor } = await store.readRollupChanges!('latency_ms', undefined);
    await store.writeRollups([rollup(T0 + 8 * SLOT, 'a', 1)]);
    now += CHANGE_HORIZON + 1_000;
    await store.writeRollups([rollup(T0 + 9 * SLOT, 'a', 2)]);
    const late = await store.readRollupChanges!('latency_ms', cursor);
    expect(late.complete).toBe(false);
    // From the cursor it returned, it is complete again.
    await store.writeRollups([rollup(T0 + 10 * SLOT, 'a', 3)]);
    const next = await store.readRollupChanges!('latency_ms', late.cursor);
    expect([next.complete, next.rollups.map((r) => r.sum)]).toEqual([true, [3]]);
    const stranger = await store.readRollupChanges!('latency_ms', 'not-this-store:0');
    expect(stranger.complete).toBe(false);
  });

  it.runIf(available)('sees the writes of three writers sharing the store, each once', async () => {
    const now = T0 + 10 * SLOT;
    const reader = fixture.open(() => now);
    const writers = fixture === fixtures[0]![1] ? [reader, reader, reader] : [fixture.open(() => now), fixture.open(() => now), fixture.open(() => now)];
    const { cursor } = await reader.readRollupChanges!('latency_ms', undefined);
    await Promise.all(writers.map((w, i) => Promise.all(Array.from({ length: 20 }, (_, k) => w.writeRollups([rollup(T0 + (k % 5) * SLOT, `w${i}`, k, { route: `/${k}` })])))));
    const changed = await reader.readRollupChanges!('latency_ms', cursor);
    expect(changed.complete).toBe(true);
    const ids = changed.rollups.map((r) => `${r.instance}/${r.labels.route}/${r.start}`);
    expect(ids).toHaveLength(60);
    expect(new Set(ids).size).toBe(60);
  });
});
