/**
 * Stored data read back is hostile input: a torn write, a hand edit or another tool's value in
 * a series set, the series index or the change log must not fail the read of the good ones. The
 * bad ones are skipped and reported once per call (a side failure naming how many, with a few
 * shortened examples).
 */
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StorageError } from '../../src/core/errors.js';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup } from '../../src/storage/contract.js';
import type { AlertRecord } from '../../src/storage/records.js';
import { RedisKeys } from '../../src/storage/redis/redis-keys.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { alert as fixture } from '../../src/testing/storage-conformance-fixtures.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage reads of stored garbage');
const SLOT = 30_000;
const NAME = 'jobs_total';

describe.skipIf(!up)('RedisStorage reads values it did not write whole', () => {
  const admin = inspector();
  const prefix = `pwGB:${uniquePrefix()}`;
  const keys = new RedisKeys(prefix);
  // Aligned to the compaction test's span (10 slots): its rollups fill one span.
  const clock = new ManualClock(Math.floor(Date.now() / (10 * SLOT)) * 10 * SLOT);
  const failures: StorageError[] = [];
  const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, now: () => clock.now(), onError: (e) => failures.push(e) });
  const base = clock.now() - 10 * SLOT;
  const rollup = (slot: number, route: string): Rollup => ({
    name: NAME,
    kind: 'counter',
    labels: { route },
    start: base + slot * SLOT,
    end: base + (slot + 1) * SLOT,
    count: 1,
    sum: slot + 1,
    min: 1,
    max: 1,
    last: 1,
    service: 'api',
    instance: 'i-1',
  });
  /** A member cut short, as a torn write leaves it. */
  const torn = (slot: number): string => `{"instance":"i-2","kind":"counter","start":${base + slot * SLOT},"end":${base + (slot + 1) * SLOT},"count":1,"sum":1`;

  beforeEach(async () => {
    await deleteUnder(admin, prefix);
    failures.length = 0;
  });

  afterAll(async () => {
    await storage.close();
    await deleteUnder(admin, prefix);
    admin.disconnect();
  });

  it('queryRollups skips an undecodable member or series index entry, returns the others and reports them once', async () => {
    const good = [rollup(0, '/a'), rollup(0, '/b'), rollup(1, '/a'), rollup(1, '/b')];
    await storage.writeRollups(good);
    await admin.zadd(keys.series(NAME, '{"route":"/a"}'), base + 2 * SLOT, torn(2));
    await admin.zadd(keys.series(NAME, '{"route":"/b"}'), base, 'null');
    // Series index entries that do not decode to labels: torn, and not an object.
    await admin.zadd(keys.index(NAME), clock.now(), '{"route":"/c');
    await admin.zadd(keys.index(NAME), clock.now(), '[]');

    expect(await storage.queryRollups({ name: NAME })).toEqual(good);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toBeInstanceOf(StorageError);
    expect(failures[0]!.message).toMatch(/^RedisStorage: queryRollups skipped 4 stored values of "jobs_total"/);
    // At most three examples, each shortened.
    expect(failures[0]!.message).toContain(JSON.stringify(torn(2).slice(0, 100)));
    expect(failures[0]!.message).toContain(', ...');
    expect(failures[0]!.message).not.toContain(REDIS_URL);

    // A label filter, and a series whose only member is bad.
    failures.length = 0;
    expect(await storage.queryRollups({ name: NAME, labels: { route: '/a' } })).toEqual([good[0], good[2]]);
    expect(failures.map((f) => f.message.match(/skipped \d+/)?.[0])).toEqual(['skipped 3']);
  });

  it('readRollupChanges skips an undecodable line, returns the others, reports once and moves its cursor past it', async () => {
    const { cursor } = await storage.readRollupChanges(NAME, undefined);
    await storage.writeRollups([rollup(0, '/a'), rollup(0, '/b')]);
    // The batch's entry gains a torn line and a line without a tab (labels, tab, member: neither).
    const [entry, score] = (await admin.zrange(keys.changes(NAME), 0, -1, 'WITHSCORES')) as [string, string];
    await admin.zrem(keys.changes(NAME), entry);
    await admin.zadd(keys.changes(NAME), score, `${entry}\n{"route":"/a"}\t${torn(0)}\n1107\n{"route":"/b"}\t{"kind":"counter","start":1,`);

    const read = await storage.readRollupChanges(NAME, cursor);
    expect(read.complete).toBe(true);
    expect(read.rollups).toEqual([rollup(0, '/a'), rollup(0, '/b')]);
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/^RedisStorage: readRollupChanges skipped 3 change log lines of "jobs_total"/);

    // The cursor is past the entry: it is not read (nor reported) again.
    const again = await storage.readRollupChanges(NAME, read.cursor);
    expect(again).toEqual({ rollups: [], cursor: read.cursor, complete: true });
    expect(failures).toHaveLength(1);

    // The decoder's kept label sets, instance and service are as they were: the next batch reads whole.
    await storage.writeRollups([rollup(1, '/a'), rollup(1, '/b')]);
    const next = await storage.readRollupChanges(NAME, read.cursor);
    expect(next.rollups).toEqual([rollup(1, '/a'), rollup(1, '/b')]);
    expect(failures).toHaveLength(1);
  });

  it('compactRollups merges the good rollups of a span, leaves an undecodable member or series where it is and reports them once', async () => {
    const good = Array.from({ length: 10 }, (_, slot) => rollup(slot, '/a'));
    await storage.writeRollups(good);
    await admin.zadd(keys.series(NAME, '{"route":"/a"}'), base + 3 * SLOT, torn(3));
    await admin.zadd(keys.index(NAME), clock.now(), '{"route":"/c');
    const result = await storage.compactRollups({ span: 10 * SLOT, before: base + 10 * SLOT, limit: 1_000 });
    expect(result).toEqual({ merged: 10, written: 1, done: true });
    expect(failures.map((f) => f.message.match(/^RedisStorage: compactRollups skipped \d+ stored values?/)?.[0])).toEqual(['RedisStorage: compactRollups skipped 2 stored values']);
    const back = await storage.queryRollups({ name: NAME });
    expect(back.map((r) => [r.start, r.end, r.sum])).toEqual([[base, base + 10 * SLOT, 55]]);
    // The torn member is still stored (never merged away nor dropped unread).
    expect(await admin.zrangebyscore(keys.series(NAME, '{"route":"/a"}'), base + 3 * SLOT, base + 3 * SLOT)).toEqual([torn(3)]);
  });

  it('purgeBefore removes the rollups that ended, keeps a member whose end does not decode and reports it', async () => {
    await storage.writeRollups([rollup(0, '/a'), rollup(1, '/a'), rollup(0, '/b')]);
    await admin.zadd(keys.series(NAME, '{"route":"/b"}'), base + SLOT, torn(1));
    expect(await storage.purgeBefore(base + 2 * SLOT)).toBe(3);
    expect(failures.map((f) => f.message.match(/^RedisStorage: purgeBefore skipped \d+ stored rollups?/)?.[0])).toEqual(['RedisStorage: purgeBefore skipped 1 stored rollup']);
    expect(await admin.zrange(keys.series(NAME, '{"route":"/b"}'), 0, -1)).toEqual([torn(1)]);
  });

  it('queryAlerts by status keeps a record whose status is spelled with a JSON escape', async () => {
    const alert = (id: string, status: AlertRecord['status']): AlertRecord => ({ ...fixture(id, clock.now()), status });
    await storage.saveAlert(alert('a1', 'firing'));
    // Valid JSON of the same record, as another JSON writer may store it.
    await admin.hset(keys.alerts, 'a2', JSON.stringify(alert('a2', 'firing')).replace('"status":"firing"', '"status":"fir\\u0069ng"'));
    await admin.hset(keys.alerts, 'a3', JSON.stringify(alert('a3', 'pending')).replace('"status":"pending"', '"status":"p\\u0065nding"'));
    expect((await storage.queryAlerts({ status: 'firing' })).map((a) => a.id).sort()).toEqual(['a1', 'a2']);
    expect((await storage.queryAlerts({ status: 'pending' })).map((a) => a.id)).toEqual(['a3']);
  });

  it('queryAlerts and listRules skip a record that does not parse to an object, and report it', async () => {
    await storage.saveAlert({ ...fixture('a1', clock.now()), status: 'firing' });
    await admin.hset(keys.alerts, 'torn', '{"id":"torn","status":"firing","ruleId":"r');
    await admin.hset(keys.alerts, 'null', 'null');
    expect((await storage.queryAlerts({ status: 'firing' })).map((a) => a.id)).toEqual(['a1']);
    expect((await storage.queryAlerts({})).map((a) => a.id)).toEqual(['a1']);
    // With a status, only the records holding its token are parsed: the torn one, not `null`.
    expect(failures.map((f) => f.message.match(/^RedisStorage: queryAlerts skipped \d+ stored records?/)?.[0])).toEqual([
      'RedisStorage: queryAlerts skipped 1 stored record',
      'RedisStorage: queryAlerts skipped 2 stored records',
    ]);

    failures.length = 0;
    const rule = { id: 'r1', name: 'High latency', createdAt: 1 } as unknown as Parameters<typeof storage.saveRule>[0];
    await storage.saveRule(rule);
    await admin.hset(keys.rules, 'torn', '{"id":"torn"');
    expect(await storage.listRules()).toEqual([rule]);
    expect(failures.map((f) => f.message.match(/^RedisStorage: listRules skipped \d+ stored records?/)?.[0])).toEqual(['RedisStorage: listRules skipped 1 stored record']);
  });
});
