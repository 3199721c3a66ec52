import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RedisStorage } from '../../src/redis.js';
import type { Rollup } from '../../src/storage/contract.js';
import { canonicalLabels } from '../../src/core/labels.js';
import { encodeRollup } from '../../src/storage/redis/redis-codec.js';
import { RedisKeys } from '../../src/storage/redis/redis-keys.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';

const up = await redisAvailable('RedisStorage write batch');
const SLOT = 60_000;
const T0 = 1_800_000_000_000;

/** A histogram rollup of series `s`; labels and instance with multi-byte characters (the script cuts members by bytes). */
function rollup(s: number, start: number, instance = 'pod-é-1'): Rollup {
  return {
    name: 'batch_seconds',
    kind: 'histogram',
    labels: { route: `/ü/${s}`, method: s % 2 ? 'GET' : 'POST' },
    start,
    end: start + SLOT,
    count: 3 + s,
    sum: 1.5 + s,
    min: 0.25,
    max: 1,
    hdr: 'HISTFAAAACB4nJNpmSzMwMDAxgABzFCaEUzKfYEIAEcRA3U=',
    resolution: 1e-6,
    service: 'api ☃',
    instance,
  };
}

describe.skipIf(!up)('RedisStorage write batch (change log entry built by the writer)', () => {
  const admin = inspector();
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  const open = (clock: ManualClock): { storage: RedisStorage; keys: RedisKeys } => {
    const prefix = `pwWB:${uniquePrefix()}`;
    prefixes.push(prefix);
    const storage = new RedisStorage({ url: REDIS_URL, keyPrefix: prefix, retention: '1h', now: () => clock.now() });
    stores.push(storage);
    return { storage, keys: new RedisKeys(prefix) };
  };
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  it('stores each rollup, one change log entry of labels/member lines, and an index of exactly the batch series', async () => {
    const clock = new ManualClock(T0);
    const { storage, keys } = open(clock);
    const { cursor } = await storage.readRollupChanges!('batch_seconds', undefined);
    // 20 series (past the index's listpack widening threshold), two slots of series 0 in one batch.
    const batch = [...Array.from({ length: 20 }, (_, s) => rollup(s, T0 - 3 * SLOT)), rollup(0, T0 - 2 * SLOT)];
    await storage.writeRollups(batch);

    const changes = await storage.readRollupChanges!('batch_seconds', cursor);
    expect(changes.complete).toBe(true);
    expect(changes.rollups).toEqual([batch[0]!, batch[20]!, ...batch.slice(1, 20)]);
    const [entry] = await admin.zrange(keys.changes('batch_seconds'), 0, -1);
    const lines = entry!.split('\n');
    expect(lines.slice(1)).toEqual([batch[0]!, batch[20]!, ...batch.slice(1, 20)].map((r) => `${canonicalLabels(r.labels)}\t${encodeRollup(r)}`));
    expect(lines[0]).not.toContain('\t');

    const index = await admin.zrange(keys.index('batch_seconds'), 0, -1, 'WITHSCORES');
    const expected = new Map(batch.slice(0, 20).map((r) => [canonicalLabels(r.labels), String(r.labels.route === '/ü/0' ? T0 - SLOT : T0 - 2 * SLOT)]));
    expect(new Map(Array.from({ length: index.length / 2 }, (_, i) => [index[2 * i]!, index[2 * i + 1]!]))).toEqual(expected);

    const stored = await storage.queryRollups({ name: 'batch_seconds', from: 0, to: T0 });
    expect(stored).toHaveLength(21);
    const order = (a: Rollup, b: Rollup): number => a.labels.route!.localeCompare(b.labels.route!) || a.start - b.start;
    expect([...stored].sort(order)).toEqual([...batch].sort(order));
  });

  it('keeps one rollup per series, start and instance when a batch of many series is written again with new values', async () => {
    const clock = new ManualClock(T0);
    const { storage } = open(clock);
    const first = Array.from({ length: 30 }, (_, s) => rollup(s, T0 - 3 * SLOT));
    await storage.writeRollups(first);
    await storage.writeRollups(first); // a retry
    const again = first.map((r) => ({ ...r, count: r.count + 100 }));
    await storage.writeRollups([...again, ...first.map((r) => ({ ...r, instance: 'other' }))]);
    const stored = await storage.queryRollups({ name: 'batch_seconds', from: 0, to: T0 });
    expect(stored).toHaveLength(60);
    expect(stored.filter((r) => r.instance === 'pod-é-1').map((r) => r.count).sort((a, b) => a - b)).toEqual(again.map((r) => r.count));
  });
});
