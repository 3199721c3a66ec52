// purgeBefore inside a rule's window: the rollups it removes must leave the rule engine's kept
// series too. The change log cannot list removals, so a purge that removed rollups makes every
// cursor taken before it read as incomplete (the next tick reads the range whole). MemoryStorage
// and the real Redis, no mocks.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup, StorageAdapter } from '../../src/storage/contract.js';
import { KeptRollups } from '../../src/metrics/window-query-kept.js';
import { groupRollups, type StoredSeries } from '../../src/metrics/window-query-series.js';
import { deleteUnder, inspector, redisAvailable, REDIS_URL, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('KeptRollups after a purge on Redis');
const SLOT = 30_000;
const WINDOW = 5 * 60_000;
const NAME = 'p2_purge_total';
// Redis' write-time trim keeps what retention covers: a start near the wall clock keeps every rollup.
const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000;

const admin = up ? inspector() : undefined;
const prefixes: string[] = [];
const opened: StorageAdapter[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const p of prefixes.splice(0)) await deleteUnder(admin!, p);
});
afterAll(() => admin?.disconnect());

const stores: [string, (now: () => number) => StorageAdapter, boolean][] = [
  ['MemoryStorage', (now) => track(new MemoryStorage({ now })), true],
  [
    'RedisStorage',
    (now) => {
      const prefix = `p2:${uniquePrefix()}`;
      prefixes.push(prefix);
      return track(new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, now, retention: 3_600_000 }));
    },
    up,
  ],
];

function track(s: StorageAdapter): StorageAdapter {
  opened.push(s);
  return s;
}

function rollup(start: number, instance: string, route = '/a'): Rollup {
  return { name: NAME, kind: 'counter', labels: { route }, start, end: start + SLOT, count: 1, sum: 5, min: 5, max: 5, last: 5, instance };
}

/** Series as sorted rows: what a window built from them counts. */
function rows(series: readonly StoredSeries[]): string[] {
  const out: string[] = [];
  for (const s of series) {
    const key = JSON.stringify(Object.entries(s.labels).sort());
    for (const p of s.parts) out.push(`${key} ${p.start} ${p.end} ${p.instance ?? '-'} ${p.count} ${p.sum}`);
  }
  return out.sort();
}

describe.each(stores)('%s: a purge inside a rule window', (_label, open, runs) => {
  it.runIf(runs)('the next tick of the kept series equals a fresh read of the range', async () => {
    let now = T0 + 20 * SLOT;
    const store = open(() => now);
    const kept = new KeptRollups({ refreshEvery: 5 * 60_000, maxMetrics: 10, maxSeries: 1_000 });
    const fresh = (from: number) => store.queryRollups({ name: NAME, from });
    const tick = async () => {
      const from = now - WINDOW;
      const series = await kept.series({ name: NAME, from, now, read: fresh, changes: (c) => store.readRollupChanges!(NAME, c), waitingEnd: Infinity });
      return { kept: rows(series), fresh: rows(groupRollups(await fresh(from))) };
    };
    const t = now;
    await store.writeRollups([rollup(t - 4 * SLOT, 'b'), rollup(t - 3 * SLOT, 'b'), rollup(t - 2 * SLOT, 'b', '/gone'), rollup(t - SLOT, 'b')]);
    let r = await tick(); // full read
    expect(r.kept).toHaveLength(4);
    now += 15_000;
    r = await tick(); // from the change log
    expect(r.kept).toEqual(r.fresh);
    // Inside the 5-minute window: three rollups (one series whole) go.
    expect(await store.purgeBefore(t - SLOT)).toBe(3);
    now += 15_000;
    r = await tick();
    expect(r.fresh).toHaveLength(1);
    expect(r.kept).toEqual(r.fresh);
    now += 15_000;
    await store.writeRollups([rollup(t, 'b')]);
    r = await tick(); // from the change log again, after the full read
    expect(r.fresh).toHaveLength(2);
    expect(r.kept).toEqual(r.fresh);
  });

  it.runIf(runs)('readRollupChanges with a cursor taken before a purge that removed rollups answers incomplete, then complete from its new cursor', async () => {
    const now = T0 + 20 * SLOT;
    const store = open(() => now);
    await store.writeRollups([rollup(T0, 'a'), rollup(T0 + SLOT, 'a'), rollup(T0 + 2 * SLOT, 'a')]);
    const first = await store.readRollupChanges!(NAME, undefined);
    // An up-to-date reader: nothing was written since its cursor.
    const current = await store.readRollupChanges!(NAME, first.cursor);
    expect(current.complete).toBe(true);
    expect(await store.purgeBefore(T0 + SLOT)).toBe(1);
    const after = await store.readRollupChanges!(NAME, current.cursor);
    expect(after.complete).toBe(false);
    expect(after.rollups).toEqual([]);
    // The cursor it hands out reads on as usual.
    await store.writeRollups([rollup(T0 + 3 * SLOT, 'a')]);
    const next = await store.readRollupChanges!(NAME, after.cursor);
    expect(next.complete).toBe(true);
    expect(next.rollups.map((x) => x.start)).toEqual([T0 + 3 * SLOT]);
  });

  it.runIf(runs)('a purge that removes every rollup of a name leaves its earlier cursors incomplete', async () => {
    const now = T0 + 20 * SLOT;
    const store = open(() => now);
    await store.writeRollups([rollup(T0, 'a'), rollup(T0 + SLOT, 'a')]);
    const { cursor } = await store.readRollupChanges!(NAME, (await store.readRollupChanges!(NAME, undefined)).cursor);
    expect(await store.purgeBefore(T0 + 2 * SLOT)).toBe(2);
    expect((await store.readRollupChanges!(NAME, cursor)).complete).toBe(false);
  });
});

describe('RedisStorage: a purge that removes nothing', () => {
  it.runIf(up)('keeps the cursors taken before it complete (readers do not read their ranges again for nothing)', async () => {
    const now = T0 + 20 * SLOT;
    const store = stores[1]![1](() => now);
    await store.writeRollups([rollup(T0 + SLOT, 'a')]);
    const { cursor } = await store.readRollupChanges!(NAME, (await store.readRollupChanges!(NAME, undefined)).cursor);
    expect(await store.purgeBefore(T0)).toBe(0);
    expect((await store.readRollupChanges!(NAME, cursor)).complete).toBe(true);
  });
});
