import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { RedisKeys } from '../../src/storage/redis/redis-keys.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage listMetricNames');
const SLOT = 60_000;
const T0 = 1_800_000_000_000;

function rollup(name: string, start: number, labels: Record<string, string> = {}, kind: Rollup['kind'] = 'counter'): Rollup {
  return { name, kind, labels, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, instance: 'i1' };
}

describe.skipIf(!up)('RedisStorage listMetricNames', () => {
  const admin = inspector();
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  const open = (prefix: string, clock: ManualClock): RedisStorage => {
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1h', now: () => clock.now() });
    stores.push(storage);
    return storage;
  };
  const fresh = (): string => {
    const prefix = `pwK:${uniquePrefix()}`;
    prefixes.push(prefix);
    return prefix;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  it('lists the names of a store written before the name index existed, on the first call of an adapter', async () => {
    const clock = new ManualClock(T0);
    const prefix = fresh();
    const writer = open(prefix, clock);
    await writer.writeRollups([rollup('old_gauge', T0 - 2 * SLOT, { a: '1' }, 'gauge'), rollup('old_total', T0 - 3 * SLOT), rollup('old_total', T0 - 2 * SLOT, { b: '2' })]);
    // What a version without the index left behind: the names set and per-name keys only.
    await admin.del(`${prefix}nameidx`, `${prefix}namekind`);
    const reader = open(prefix, clock);
    expect(await reader.listMetricNames({ since: 0 })).toEqual([
      { name: 'old_gauge', kind: 'gauge', lastSeen: T0 - SLOT, series: 1 },
      { name: 'old_total', kind: 'counter', lastSeen: T0 - SLOT, series: 2 },
    ]);
    expect(await admin.zrange(`${prefix}nameidx`, 0, -1)).toEqual(['old_gauge', 'old_total']);
    expect(await admin.pttl(`${prefix}nameidx`)).toBeGreaterThan(0);
  });

  it('lists a name an older version wrote while this one runs (rolling deploy) within a minute', async () => {
    const clock = new ManualClock(T0);
    const prefix = `pwFK:${uniquePrefix()}`;
    prefixes.push(prefix);
    const writer = open(prefix, clock);
    const reader = open(prefix, clock);
    await writer.writeRollups([rollup('new_total', T0 - 2 * SLOT)]);
    expect((await reader.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['new_total']);
    // What an older version's write leaves: the names set and per-name keys, no index entry.
    await writer.writeRollups([rollup('only_on_old_total', T0 - 2 * SLOT)]);
    await admin.zrem(`${prefix}nameidx`, 'only_on_old_total');
    await admin.hdel(`${prefix}namekind`, 'only_on_old_total');
    // Looked for at most once a minute.
    expect((await reader.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['new_total']);
    await clock.advanceAsync(60_000);
    expect(await reader.listMetricNames({ since: 0 })).toEqual([
      { name: 'new_total', kind: 'counter', lastSeen: T0 - SLOT, series: 1 },
      { name: 'only_on_old_total', kind: 'counter', lastSeen: T0 - SLOT, series: 1 },
    ]);
  });

  it('drops from the names set, when catching up, a name whose series index expired', async () => {
    const clock = new ManualClock(T0);
    const prefix = `pwFK:${uniquePrefix()}`;
    prefixes.push(prefix);
    const storage = open(prefix, clock);
    await storage.writeRollups([rollup('gone_total', T0 - 2 * SLOT), rollup('kept_total', T0 - 2 * SLOT)]);
    // What retention leaves of a name no longer written: its index expired, its index entry trimmed.
    await admin.del(new RedisKeys(prefix).index('gone_total'));
    await admin.zrem(`${prefix}nameidx`, 'gone_total');
    expect((await storage.listMetricNames({ since: 0 })).map((n) => n.name)).toEqual(['kept_total']);
    expect(await admin.smembers(`${prefix}names`)).toEqual(['kept_total']);
  });

  it('drops names retention hides from the index on the minute trim, with their kinds', async () => {
    const clock = new ManualClock(T0);
    const prefix = fresh();
    const storage = open(prefix, clock);
    await storage.writeRollups([rollup('early_total', T0 - SLOT)]);
    clock.advance(2 * 3_600_000);
    expect(await storage.listMetricNames({ since: 0 })).toEqual([]);
    await storage.writeRollups([rollup('late_total', clock.now() - SLOT)]);
    expect(await admin.zrange(`${prefix}nameidx`, 0, -1)).toEqual(['late_total']);
    expect(await admin.hkeys(`${prefix}namekind`)).toEqual(['late_total']);
  });

  it('keeps the kind of the latest slot when an older slot of another kind is written later', async () => {
    const clock = new ManualClock(T0);
    const storage = open(fresh(), clock);
    await storage.writeRollups([rollup('mixed', T0 - 2 * SLOT, {}, 'gauge')]);
    await storage.writeRollups([rollup('mixed', T0 - 4 * SLOT, { x: 'y' }, 'counter')]);
    expect(await storage.listMetricNames({ since: 0 })).toEqual([{ name: 'mixed', kind: 'gauge', lastSeen: T0 - SLOT, series: 2 }]);
  });

  it('rejects a since that is not a number as a permanent StorageError', async () => {
    const storage = open(fresh(), new ManualClock(T0));
    await expect(storage.listMetricNames({ since: Number.NaN })).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_STORAGE', permanent: true });
  });
});
