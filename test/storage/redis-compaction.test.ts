import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage compaction');
const SLOT = 30_000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const H = Date.UTC(2026, 0, 1, 10);

function slot(start: number, instance: string): Rollup {
  return { name: 'req_total', kind: 'counter', labels: { route: '/a' }, start, end: start + SLOT, count: 1, sum: 1, min: 1, max: 1, instance };
}

const count = (rollups: readonly Rollup[]): number => rollups.reduce((a, r) => a + r.count, 0);

describe.skipIf(!up)('RedisStorage compacted members', () => {
  const admin = inspector();
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  const open = (clock: ManualClock, retention: string): RedisStorage => {
    const prefix = `pwC2:${uniquePrefix()}`;
    prefixes.push(prefix);
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention, now: () => clock.now() });
    stores.push(storage);
    return storage;
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  it('a read after the compacted spans lowers its bound by the longest slot only, a read inside them by the span', async () => {
    const DAY = 24 * HOUR;
    const D = Date.UTC(2026, 0, 1);
    const clock = new ManualClock(D + 4 * DAY);
    const store = open(clock, '30d');
    await store.writeRollups([slot(D, 'a'), slot(D, 'b'), slot(D + 2 * HOUR, 'a')]);
    expect(await store.compactRollups({ span: DAY, before: D + DAY })).toEqual({ merged: 3, written: 1, done: true });
    const recent = clock.now() - 5 * MINUTE;
    await store.writeRollups([slot(recent, 'a')]);
    // The lower bounds of the series reads (the store's client, watched; members are read as bytes).
    const client = (store as unknown as { client: { pipeline(): { zrangebyscoreBuffer(...args: unknown[]): unknown } } }).client;
    const pipeline = client.pipeline.bind(client);
    const bounds: unknown[] = [];
    client.pipeline = () => {
      const p = pipeline();
      const range = p.zrangebyscoreBuffer.bind(p);
      p.zrangebyscoreBuffer = (...args: unknown[]) => {
        if (String(args[0]).includes(':r:')) bounds.push(args[1]);
        return range(...args);
      };
      return p;
    };
    expect(count(await store.queryRollups({ name: 'req_total', from: recent }))).toBe(1);
    expect(count(await store.queryRollups({ name: 'req_total', from: D + HOUR }))).toBe(4); // inside the day: its rollup is found
    expect(bounds).toEqual([`(${recent - SLOT}`, `(${D + HOUR - DAY}`]);
  });

  it("a write's trim keeps a compacted hour that retention still covers", async () => {
    const clock = new ManualClock(H + 2 * HOUR);
    const store = open(clock, '2h');
    const written: Rollup[] = [];
    for (let s = H; s < H + HOUR; s += SLOT) written.push(slot(s, 'a'), slot(s, 'b'));
    await store.writeRollups(written);
    expect(await store.compactRollups({ span: HOUR, before: H + HOUR })).toEqual({ merged: 240, written: 1, done: true });
    clock.advance(10 * MINUTE); // the cutoff is 10 minutes into the compacted hour: it ends after it
    await store.writeRollups([slot(clock.now() - SLOT, 'a')]); // a write that trims
    expect(count(await store.queryRollups({ name: 'req_total', from: H }))).toBe(241);
  });
});
