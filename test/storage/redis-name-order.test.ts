/**
 * RedisStorage lists a page of names by walking the name order (`P namelex`, ZRANGEBYLEX) when
 * many names ended after the bound, instead of reading every name seen in the range: the page
 * is the same as a sort of every name would give, whichever plan reads it.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup, StoredMetricName } from '../../src/storage/contract.js';
import { byCodePoint } from '../../src/storage/metric-names.js';
import { PAGE_BUDGET, type PageStats } from '../../src/storage/redis/redis-name-page.js';
import { RedisKeys } from '../../src/storage/redis/redis-keys.js';
import { RedisNames } from '../../src/storage/redis/redis-names.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage name order');
const SLOT = 60_000;
const T0 = 1_800_000_000_000;

const rollup = (name: string, start: number, labels: Record<string, string> = {}): Rollup => ({
  name,
  kind: 'counter',
  labels,
  start,
  end: start + SLOT,
  count: 1,
  sum: 1,
  min: 1,
  max: 1,
  instance: 'i1',
});

/** `count` names, zero-padded so their order is their number's, in a shuffled write order. */
const numbered = (count: number, prefix = 'm'): string[] => Array.from({ length: count }, (_, i) => `${prefix}_${String(i).padStart(5, '0')}`);

describe.skipIf(!up)('RedisStorage name order', () => {
  const admin = inspector();
  let n = 0;
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  const fresh = (): string => {
    const prefix = `n2:order:${process.pid}:${n++}:`;
    prefixes.push(prefix);
    return prefix;
  };
  const open = (prefix: string, clock = new ManualClock(T0), extra: { onError?: (e: Error) => void } = {}): RedisStorage => {
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1h', now: () => clock.now(), ...extra });
    stores.push(storage);
    return storage;
  };
  /** The page and how it was read, through the adapter's own name reader. */
  const page = async (prefix: string, query: { since: number; limit?: number; match?: string }): Promise<{ names: string[]; stats: PageStats }> => {
    const reader = new RedisNames(admin, new RedisKeys(prefix), 3_600_000, () => T0);
    const stats = {} as PageStats;
    const listed: StoredMetricName[] = await reader.list(query, T0 - 3_600_000, stats);
    return { names: listed.map((x) => x.name), stats };
  };
  const writeAll = async (storage: RedisStorage, rollups: Rollup[]): Promise<void> => {
    for (let i = 0; i < rollups.length; i += 2_000) await storage.writeRollups(rollups.slice(i, i + 2_000));
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  it('walks the names in order for a page of many, skipping those that ended before since or do not match', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const names = numbered(400);
    // Every third name ended long ago; the rest in the last minutes. Written out of order.
    const rollups = names.map((name, i) => rollup(name, i % 3 === 0 ? T0 - 50 * SLOT : T0 - 2 * SLOT, { i: String(i % 2) }));
    await writeAll(storage, [...rollups].reverse());
    const since = T0 - 10 * SLOT;
    const live = names.filter((_, i) => i % 3 !== 0);
    const first = await page(prefix, { since, limit: 10 });
    expect(first.stats.plan).toBe('order');
    expect(first.names).toEqual(live.slice(0, 10));
    // The adapter answers the same, with kinds, ends and series.
    const listed = await storage.listMetricNames({ since, limit: 3 });
    expect(listed).toEqual(live.slice(0, 3).map((name) => ({ name, kind: 'counter', lastSeen: T0 - SLOT, series: 1 })));
    // match before limit, on the walk too: names ending in 7.
    const sevens = await page(prefix, { since, limit: 5, match: '7' });
    expect(sevens.stats.plan).toBe('order');
    expect(sevens.names).toEqual(live.filter((x) => x.includes('7')).slice(0, 5));
    // Few names ended after since: read by score and sorted, the same order.
    const latest = [live[9]!, live[3]!, live[200]!, live[0]!];
    await storage.writeRollups(latest.map((name) => rollup(name, T0 - SLOT)));
    const recent = await page(prefix, { since: T0 - 1, limit: 3 });
    expect(recent.stats.plan).toBe('score');
    expect(recent.names).toEqual([live[0], live[3], live[9]]);
  });

  it('goes on from where a call stopped when the page needs more names than one call looks at, or reads by score when the walk finds too few', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const names = numbered(PAGE_BUDGET + 2_000);
    await writeAll(storage, names.map((name) => rollup(name, T0 - 2 * SLOT)));
    // A page longer than one call looks at: the walk goes on from where it stopped.
    const long = await page(prefix, { since: 0, limit: PAGE_BUDGET + 1_000 });
    expect(long.stats).toEqual({ plan: 'order', calls: 2 });
    expect(long.names).toEqual(names.slice(0, PAGE_BUDGET + 1_000));
    // Only the last names match: the first call finds none, so the rest is read by score.
    const last = names.at(-1)!.slice(0, -1);
    const rare = await page(prefix, { since: 0, limit: 5, match: last });
    expect(rare.stats).toEqual({ plan: 'score', calls: 2 });
    expect(rare.names).toEqual(names.filter((x) => x.startsWith(last)).slice(0, 5));
    // A stretch of names older than the bound at the start of the order: the same.
    await storage.writeRollups(names.slice(-200).map((name) => rollup(name, T0 - SLOT)));
    const recent = await page(prefix, { since: T0 - 1, limit: 150 });
    expect(recent.names).toEqual(names.slice(-200, -50));
  });

  it('reads a store written before the name order existed: the first page rebuilds it from the name index', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const names = numbered(300, 'old');
    await writeAll(storage, names.map((name) => rollup(name, T0 - 2 * SLOT)));
    // What the previous version left: the name index and kinds, no order, no mark.
    const keys = new RedisKeys(prefix);
    await admin.del(keys.nameLex, keys.nameLexMark);
    const read = await page(prefix, { since: 0, limit: 7 });
    expect(read.stats.plan).toBe('order');
    expect(read.names).toEqual(names.slice(0, 7));
    expect(await admin.zcard(keys.nameLex)).toBe(300);
    expect(await admin.pttl(keys.nameLex)).toBeGreaterThan(0);
  });

  it('lists a name missing from the order (an older version wrote it) within a minute: the order is rebuilt when it differs from the index', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const names = numbered(300);
    await writeAll(storage, names.map((name) => rollup(name, T0 - 2 * SLOT)));
    const keys = new RedisKeys(prefix);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    // An older version's write: the index has the name, the order does not.
    await admin.zrem(keys.nameLex, names[1]!);
    // Rebuilt at most once a minute: until then the walk does not see it.
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual([names[0], names[2], names[3]]);
    const [seconds] = await admin.time();
    await admin.set(keys.nameLexMark, String(Number(seconds) * 1000 - 61_000), 'PX', 600_000);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    // A name retention took out of the index (the write's trim) is skipped while the order still holds it.
    await admin.zrem(keys.nameIndex, names[0]!, names[2]!);
    await admin.srem(keys.names, names[0]!, names[2]!);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual([names[1], names[3], names[4]]);
    expect(await admin.zcard(keys.nameLex)).toBe(300);
    // A purge rebuilds the order from what the index kept: nothing, and no key is left.
    await storage.purgeBefore(T0);
    expect(await admin.exists(keys.nameLex)).toBe(0);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual([]);
  });

  it('puts every name a write stores into the order in the write script, whatever the adapter wrote before', async () => {
    const prefix = fresh();
    const keys = new RedisKeys(prefix);
    const writer = open(prefix);
    const purger = open(prefix);
    const names = numbered(100);
    await writer.writeRollups([...names.map((name) => rollup(name, T0 - 2 * SLOT)), rollup('m_00005x', T0 - 40 * SLOT)]);
    expect((await page(prefix, { since: 0, limit: 10 })).names).toContain('m_00005x');
    // Another adapter's purge takes the name out of the index and the order; the writer, which
    // stored it before, writes it again: it is walked at once, not after a mend.
    expect(await purger.purgeBefore(T0 - 30 * SLOT)).toBe(1);
    expect(await admin.zscore(keys.nameLex, 'm_00005x')).toBeNull();
    await writer.writeRollups([rollup('m_00005x', T0 - SLOT)]);
    expect((await page(prefix, { since: 0, limit: 10 })).names).toEqual([...names.slice(0, 6), 'm_00005x', ...names.slice(6, 9)]);
    // A name the order lost while a stale one keeps the sizes equal (no mend runs): written again, walked again.
    await admin.zrem(keys.nameLex, names[2]!);
    await admin.zadd(keys.nameLex, 0, 'a_stale');
    expect(await admin.zcard(keys.nameLex)).toBe(await admin.zcard(keys.nameIndex));
    await writer.writeRollups([rollup(names[2]!, T0 - SLOT)]);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    // Every write renews the order's TTL with the index's (a short retention lets neither expire
    // while writes go on), not only a write of a new name.
    await admin.pexpire(keys.nameLex, 1_000);
    await writer.writeRollups([rollup(names[0]!, T0 - SLOT)]);
    expect(await admin.pttl(keys.nameLex)).toBeGreaterThan(3_000_000);
  });

  it('leaves rejected rollups\' names out of the order: only what the write stored goes in', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const keys = new RedisKeys(prefix);
    const hostile = `bad name "q" ${'x'.repeat(200_000)}`;
    await expect(storage.writeRollups([rollup('good_total', T0 - 2 * SLOT), rollup(hostile, T0 - 2 * SLOT), rollup('also bad', T0 - 2 * SLOT)])).rejects.toMatchObject({ permanent: true, rejected: [1, 2] });
    expect(await admin.zrange(keys.nameIndex, 0, -1)).toEqual(['good_total']);
    expect(await admin.zrange(keys.nameLex, 0, -1)).toEqual(['good_total']);
  });

  it('keeps the order\'s TTL through a purge, and drops what the purge drops from the index', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const keys = new RedisKeys(prefix);
    await storage.writeRollups([rollup('a_total', T0 - 2 * SLOT), rollup('b_total', T0 - 40 * SLOT)]);
    await storage.purgeBefore(T0 - 30 * SLOT);
    expect(await admin.zrange(keys.nameLex, 0, -1)).toEqual(['a_total']);
    const ttl = await admin.pttl(keys.nameLex);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3_600_000);
    // A purge that empties the index leaves no order either (stale names included).
    await admin.zadd(keys.nameLex, 0, 'stale_total');
    await storage.purgeBefore(T0);
    expect(await admin.exists(keys.nameLex, keys.nameIndex)).toBe(0);
    // An order that outlived its index (a page renewed it last) holds only stale names: the next write starts it anew.
    await admin.zadd(keys.nameLex, 0, 'stale_total');
    await storage.writeRollups([rollup('c_total', T0 - SLOT)]);
    expect(await admin.zrange(keys.nameLex, 0, -1)).toEqual(['c_total']);
  });

  it('rebuilds an order that is gone while the index is not, whatever the mark says', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const keys = new RedisKeys(prefix);
    const names = numbered(50);
    await storage.writeRollups(names.map((name) => rollup(name, T0 - 2 * SLOT)));
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    expect(await admin.pttl(keys.nameLexMark)).toBeGreaterThan(500_000);
    // The order expired (an older version kept the index alive) right after a mend.
    await admin.del(keys.nameLex);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    expect(await admin.zcard(keys.nameLex)).toBe(50);
  });

  it('mends the order within a minute after an older version\'s write, even when the sizes agree', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const keys = new RedisKeys(prefix);
    const names = numbered(50);
    await storage.writeRollups(names.map((name) => rollup(name, T0 - 2 * SLOT)));
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    // Writes of this version leave nothing to mend: the mark stays a minute old without a mend.
    const [seconds] = await admin.time();
    const old = String(Number(seconds) * 1000 - 61_000);
    await admin.set(keys.nameLexMark, old, 'PX', 600_000);
    await storage.writeRollups([rollup(names[7]!, T0 - SLOT)]);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    expect(await admin.get(keys.nameLexMark)).toBe(old);
    // What an older version's write leaves: a name in the index, not in the order, and the
    // change logs' sequence moved; a stale name keeps the sizes equal.
    await admin.zrem(keys.nameLex, names[1]!);
    await admin.zadd(keys.nameLex, 0, 'a_stale');
    await admin.hincrby(keys.changeState, 'seq', 1);
    expect((await page(prefix, { since: 0, limit: 3 })).names).toEqual(names.slice(0, 3));
    expect(await admin.zscore(keys.nameLex, 'a_stale')).toBeNull();
  });

  it('agrees with a sort of every name for random queries over names that sort tricky (prefixes, case, punctuation)', async () => {
    const prefix = fresh();
    const storage = open(prefix);
    const base = ['a', 'A', 'a_', 'a:', 'a_b', 'ab', 'B', 'b', '_', ':', 'Z_z', 'z_Z'];
    const names = numbered(250).flatMap((x, i) => (i < base.length ? [x, base[i]!] : [x]));
    const ends = new Map(names.map((name, i) => [name, T0 - ((i * 7) % 40) * SLOT]));
    await writeAll(storage, names.map((name) => rollup(name, ends.get(name)! - SLOT)));
    let seed = 7;
    const random = (k: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % k);
    for (let round = 0; round < 20; round++) {
      const since = T0 - random(45) * SLOT;
      const limit = 1 + random(60);
      const match = ['', 'a', '_0', 'Z', ':', '00'][random(6)]!;
      const expected = names
        .filter((x) => ends.get(x)! > since && (match === '' || x.toLowerCase().includes(match.toLowerCase())))
        .sort(byCodePoint)
        .slice(0, limit);
      expect((await page(prefix, { since, limit, match })).names, JSON.stringify({ since, limit, match })).toEqual(expected);
    }
  });
});
