import { inspect } from 'node:util';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPulsewatchError } from '../../src/core/errors.js';
import { RedisStorage, type RedisStorageOptions } from '../../src/redis.js';
import { redisStorageOptionsSchema } from '../../src/storage/redis/redis-storage.js';
import type { Rollup } from '../../src/storage/contract.js';
import { deleteUnder, inspector, keysUnder, privateRedis, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { histogramRollup } from '../helpers/redis-fixtures.js';

const up = await redisAvailable('RedisStorage');
const SLOT = 60_000;

function codeOf(error: unknown): string {
  return isPulsewatchError(error) ? error.code : `not a pulsewatch error: ${String(error)}`;
}

async function failure(call: () => unknown): Promise<Error> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

function counter(name: string, start: number, labels: Record<string, string> = {}, sum = 1): Rollup {
  return { name, kind: 'counter', labels, start, end: start + SLOT, count: 1, sum, min: sum, max: sum };
}

describe('RedisStorage options', () => {
  const construct = (options: unknown) => failure(() => new RedisStorage(options as RedisStorageOptions));

  it('rejects neither client nor url, naming the option', async () => {
    const error = await construct({});
    expect(codeOf(error)).toBe('ERR_PULSEWATCH_CONFIG');
    expect(error.message).toMatch(/client.*give `client`.*or `url`/);
  });

  it('rejects both client and url', async () => {
    const fake = { pipeline() {}, multi() {}, eval() {}, set() {} };
    expect((await construct({ client: fake, url: REDIS_URL })).message).toMatch(/url: give either `client` or `url`, not both/);
  });

  it('rejects a client that is not an ioredis instance', async () => {
    expect((await construct({ client: { ping() {} } })).message).toMatch(/client: must be an ioredis Redis or Cluster instance/);
  });

  it('rejects an empty keyPrefix and a bad retention', async () => {
    expect((await construct({ url: REDIS_URL, keyPrefix: '' })).message).toMatch(/keyPrefix: must not be empty/);
    expect((await construct({ url: REDIS_URL, retention: 0 })).message).toMatch(/retention: must be greater than 0/);
    expect((await construct({ url: REDIS_URL, retention: 'an hour' })).message).toMatch(/retention: expected a duration/);
  });

  it('rejects a Cluster whose keyPrefix has no hash tag, and takes one that has', async () => {
    const cluster = { isCluster: true, pipeline() {}, multi() {}, eval() {}, set() {} };
    expect((await construct({ client: cluster })).message).toMatch(/keyPrefix: with a Cluster it must contain a hash tag/);
    expect(() => new RedisStorage({ client: cluster as never, keyPrefix: '{pulsewatch}:' })).not.toThrow();
  });

  it('rejects a URL that is not redis:// or rediss://, or not a URL, without showing its password', async () => {
    const wrongScheme = await construct({ url: 'http://bob:hunter2secret@example.com:6379' });
    expect(wrongScheme.message).toMatch(/url: expected a redis:\/\/ or rediss:\/\/ URL/);
    const notUrl = await construct({ url: 'redis://bob:hunter2secret@exa mple.com:notaport' });
    expect(notUrl.message).toMatch(/url: is not a valid URL/);
    for (const error of [wrongScheme, notUrl]) {
      expect(codeOf(error)).toBe('ERR_PULSEWATCH_CONFIG');
      expect(error.message).not.toContain('hunter2secret');
      expect(inspect(error, { depth: 20 })).not.toContain('hunter2secret');
    }
  });

  it('applies defaults without touching the caller object', () => {
    const options = { url: REDIS_URL };
    const parsed = redisStorageOptionsSchema.parse(options);
    expect(parsed).toMatchObject({ keyPrefix: 'pulsewatch:', retention: 3_600_000 });
    expect(options).toEqual({ url: REDIS_URL });
    const storage = new RedisStorage(options);
    expect(storage.name).toBe('redis');
    return storage.close();
  });
});

describe.skipIf(!up)('RedisStorage on Redis', () => {
  const admin = inspector();
  const prefixes: string[] = [];
  const stores: RedisStorage[] = [];
  const make = (options: Partial<RedisStorageOptions> = {}): RedisStorage => {
    const keyPrefix = options.keyPrefix ?? uniquePrefix();
    prefixes.push(keyPrefix);
    const target = options.client === undefined ? { url: options.url ?? REDIS_URL } : {};
    const storage = new RedisStorage({ retention: '1d', ...options, ...target, keyPrefix } as RedisStorageOptions);
    stores.push(storage);
    return storage;
  };
  let base: number;

  beforeEach(() => {
    base = Math.floor(Date.now() / SLOT) * SLOT - 30 * SLOT;
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const p of prefixes.splice(0)) await deleteUnder(admin, p);
  });
  afterAll(() => admin.disconnect());

  describe('key layout', () => {
    it('keeps rollups in one sorted set per series scored by slot start, indexed by name with the labels', async () => {
      const storage = make();
      const p = prefixes[0]!;
      await storage.writeRollups([counter('http_total', base, { route: '/a' }, 1), counter('http_total', base + SLOT, { route: '/a' }, 2), counter('http_total', base, { route: '/b' })]);
      const keys = (await keysUnder(admin, p)).sort();
      const seriesKeys = keys.filter((k) => k.startsWith(`${p}r:http_total:`));
      expect(seriesKeys).toHaveLength(2);
      for (const k of seriesKeys) expect(k).toMatch(/:r:http_total:[0-9a-f]{20}$/);
      const changeLog = [`${p}chg:http_total`, `${p}chgt:http_total`, `${p}chgstate`];
      expect(keys).toEqual([`${p}idx:http_total`, `${p}len:http_total`, `${p}names`, `${p}nameidx`, `${p}namekind`, `${p}namelex`, ...changeLog, ...seriesKeys].sort());
      expect(await admin.zrange(`${p}namelex`, 0, -1, 'WITHSCORES')).toEqual(['http_total', '0']);
      expect(await admin.zrange(`${p}nameidx`, 0, -1, 'WITHSCORES')).toEqual(['http_total', String(base + 2 * SLOT)]);
      expect(await admin.hgetall(`${p}namekind`)).toEqual({ http_total: 'counter' });
      expect(await admin.smembers(`${p}names`)).toEqual(['http_total']);
      expect(await admin.zrange(`${p}idx:http_total`, 0, -1, 'WITHSCORES')).toEqual(expect.arrayContaining(['{"route":"/a"}', String(base + 2 * SLOT), '{"route":"/b"}', String(base + SLOT)]));
      const members = await Promise.all(seriesKeys.map((k) => admin.zrange(k, 0, -1, 'WITHSCORES')));
      const a = members.find((m) => m.length === 4)!;
      expect(Number(a[1])).toBe(base);
      expect(JSON.parse(a[0]!)).toEqual({ kind: 'counter', start: base, end: base + SLOT, count: 1, sum: 1, min: 1, max: 1 });
    });

    it('keeps two prefixes on one Redis apart', async () => {
      const one = make();
      const two = make();
      await one.writeRollups([counter('shared_total', base, {}, 1)]);
      await two.writeRollups([counter('shared_total', base, {}, 2)]);
      await one.saveRule({ id: 'r', name: 'one', createdAt: 1, updatedAt: 1 });
      expect((await one.queryRollups({ name: 'shared_total' })).map((r) => r.sum)).toEqual([1]);
      expect((await two.queryRollups({ name: 'shared_total' })).map((r) => r.sum)).toEqual([2]);
      expect(await two.listRules()).toEqual([]);
      expect(await one.tryAcquire('lease', 10_000)).toBe(true);
      expect(await two.tryAcquire('lease', 10_000)).toBe(true);
      expect(await two.purgeBefore(Infinity)).toBe(1);
      expect((await one.queryRollups({ name: 'shared_total' })).map((r) => r.sum)).toEqual([1]);
      for (const k of await keysUnder(admin, prefixes[0]!)) expect(k.startsWith(prefixes[1]!)).toBe(false);
    });
  });

  describe('TTLs', () => {
    it('sets a TTL of at most `retention` on every rollup key, renewed on each write; records have none', async () => {
      const storage = make({ retention: '10m' });
      const p = prefixes[0]!;
      const now = Date.now();
      await storage.writeRollups([counter('ttl_total', now - SLOT, { route: '/a' })]);
      await storage.saveRule({ id: 'r', name: 'r', createdAt: 1, updatedAt: 1 });
      await storage.saveAlert({ id: 'a', status: 'firing' } as never);
      for (const key of await keysUnder(admin, p)) {
        const ttl = await admin.pttl(key);
        if (key.includes(':r:') || key.endsWith('idx:ttl_total') || key.endsWith('len:ttl_total') || key.endsWith('chg:ttl_total') || key.endsWith('chgt:ttl_total') || key.endsWith('names') || key.endsWith('nameidx') || key.endsWith('namekind') || key.endsWith('namelex')) {
          expect(ttl, key).toBeGreaterThan(0);
          expect(ttl, key).toBeLessThanOrEqual(600_000);
        } else {
          expect(ttl, key).toBe(-1);
        }
      }
    });

    it('takes a lease with SET NX PX: PTTL is the ttl, and the key is free again once it passed', async () => {
      const storage = make();
      expect(await storage.tryAcquire('notify:a', 5_000)).toBe(true);
      const ttl = await admin.pttl(`${prefixes[0]}lease:notify:a`);
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
      expect(await storage.tryAcquire('notify:a', 5_000)).toBe(false);
      // A second long enough that a loaded machine cannot let it pass between the two calls.
      expect(await storage.tryAcquire('short', 1_000)).toBe(true);
      expect(await storage.tryAcquire('short', 1_000)).toBe(false);
      const deadline = Date.now() + 10_000;
      let again = false;
      while (!again && Date.now() < deadline) again = await storage.tryAcquire('short', 1_000); // Redis' clock: poll
      expect(again).toBe(true);
    });
  });

  describe('purgeBefore', () => {
    it('leaves no empty index, name or series key behind once everything is purged', async () => {
      const storage = make();
      const p = prefixes[0]!;
      await storage.writeRollups([counter('p_total', base, { a: '1' }), counter('p_total', base + SLOT, { a: '2' }), counter('q_total', base)]);
      await storage.saveRule({ id: 'r', name: 'r', createdAt: 1, updatedAt: 1 });
      expect(await storage.purgeBefore(base + SLOT)).toBe(2);
      expect((await storage.queryRollups({ name: 'p_total' })).map((r) => r.labels)).toEqual([{ a: '2' }]);
      expect(await admin.zrange(`${p}idx:p_total`, 0, -1)).toEqual(['{"a":"2"}']);
      expect(await admin.exists(`${p}idx:q_total`)).toBe(0);
      expect(await admin.smembers(`${p}names`)).toEqual(['p_total']);
      expect(await storage.purgeBefore(base + 2 * SLOT)).toBe(1);
      const left = (await keysUnder(admin, p)).filter((k) => !k.endsWith(':len:p_total') && !k.endsWith(':len:q_total'));
      // The change logs' counter and epoch stay, as the records' sequence does.
      expect(left.sort()).toEqual([`${p}rules`, `${p}rules:order`, `${p}seq`, `${p}chgstate`].sort());
    });

    it('counts each record once when two instances purge at the same time', async () => {
      const one = make();
      const two = make({ keyPrefix: prefixes[0]! });
      await one.writeRollups(Array.from({ length: 50 }, (_, i) => counter('c_total', base + (i % 10) * SLOT, { s: String(i % 5) }, i)));
      for (let i = 0; i < 20; i++) await one.saveDeadLetter({ id: `d${i}`, channel: 'ops', notification: {} as never, error: 'x', attempts: 1, failedAt: base });
      const counts = await Promise.all([one.purgeBefore(base + 20 * SLOT), two.purgeBefore(base + 20 * SLOT)]);
      expect(counts[0] + counts[1]).toBe(50 + 20);
    });
  });

  describe('retention', () => {
    it('skips rollups older than retention, hides them from reads and trims them on the next write', async () => {
      let now = base + 10 * SLOT;
      const storage = make({ retention: 5 * SLOT, now: () => now });
      const p = prefixes[0]!;
      await storage.writeRollups([0, 4, 5, 9].map((slot) => counter('ret_total', base + slot * SLOT, {}, slot)));
      // slots 0-4 ended at or before now - 5 slots: slot 0 and 4 are skipped
      expect((await storage.queryRollups({ name: 'ret_total' })).map((r) => r.sum)).toEqual([5, 9]);
      now += 3 * SLOT;
      expect((await storage.queryRollups({ name: 'ret_total' })).map((r) => r.sum)).toEqual([9]);
      const [key] = (await keysUnder(admin, `${p}r:`)) as [string];
      expect(await admin.zcard(key)).toBe(2); // still there, hidden
      await storage.writeRollups([counter('ret_total', base + 12 * SLOT, {}, 12)]);
      expect(await admin.zcard(key)).toBe(2); // slot 5 trimmed by ZREMRANGEBYSCORE
      expect((await storage.queryRollups({ name: 'ret_total' })).map((r) => r.sum)).toEqual([9, 12]);
    });
  });

  describe('the write script', () => {
    it('is sent by its SHA after the first write, and again in full when Redis no longer holds it', async () => {
      // A server of its own: on the shared one, other test files running meanwhile load the script
      // again between the flush and the write (or lose theirs to the flush).
      const own = await privateRedis();
      try {
        const client = own.client;
        const storage = make({ client } as Partial<RedisStorageOptions>);
        const sent: string[] = [];
        const call = client.call.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { call: unknown }).call = (command: string, ...rest: unknown[]) => {
          sent.push(command);
          return call(command, ...rest);
        };
        await storage.writeRollups([counter('sha_total', base)]);
        await storage.writeRollups([counter('sha_total', base + SLOT)]);
        expect(sent).toEqual(['EVAL', 'EVALSHA']);
        await call('SCRIPT', 'FLUSH'); // as after a restart or a failover
        sent.length = 0;
        await storage.writeRollups([counter('sha_total', base + 2 * SLOT)]);
        expect(sent).toEqual(['EVALSHA', 'EVAL']); // NOSCRIPT: nothing ran, so it is sent in full
        expect((await storage.queryRollups({ name: 'sha_total' })).map((r) => r.start)).toEqual([base, base + SLOT, base + 2 * SLOT]);
      } finally {
        await own.stop();
      }
    });
  });

  describe('round trips', () => {
    it('writes a batch in one round trip (one socket write), whatever its size and series', async () => {
      const client = inspector();
      try {
        await client.ping();
        const storage = make({ client } as Partial<RedisStorageOptions>);
        const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
        const write = stream.write.bind(stream);
        let writes = 0;
        stream.write = (...args: unknown[]) => {
          writes++;
          return write(...args);
        };
        const batch = Array.from({ length: 100 }, (_, i) => histogramRollup('rt_seconds', base, i % 10, i % 7));
        // A name new to the store costs nothing more: the script puts it into the name order.
        await storage.writeRollups(batch);
        expect(writes).toBe(1);
        writes = 0;
        await storage.writeRollups(batch);
        expect(writes).toBe(1);
        writes = 0;
        await storage.writeRollups([histogramRollup('rt_seconds', base, 20, 1), { ...counter('other_total', base), labels: { x: 'y' } }]);
        expect(writes).toBe(1);
        writes = 0;
        await storage.writeRollups([histogramRollup('rt_seconds', base, 21, 3), { ...counter('other_total', base), labels: { x: 'z' } }]);
        expect(writes).toBe(1);
        writes = 0;
        expect(await storage.queryRollups({ name: 'rt_seconds', labels: { route: '/api/r1' } })).toHaveLength(new Set(batch.filter((r) => r.labels.route === '/api/r1').map((r) => r.start)).size + 1);
        expect(writes).toBe(2); // index + slot lengths, then the matching series
      } finally {
        client.disconnect();
      }
    });

    it(
      'stores a batch of 10,000 histogram rollups and reads every one back',
      async () => {
        const storage = make();
        const batch = Array.from({ length: 10_000 }, (_, i) => histogramRollup('big_seconds', base - 24 * 60 * SLOT, i % 100, Math.floor(i / 100)));
        // 100 series x 100 one-minute slots, a day ago plus a bit: inside the 1 d retention
        for (const r of batch) r.start = base - 100 * SLOT + (r.start - (base - 24 * 60 * SLOT)), (r.end = r.start + SLOT);
        await storage.writeRollups(batch);
        const read = await storage.queryRollups({ name: 'big_seconds' });
        expect(read).toHaveLength(10_000);
        const one = await storage.queryRollups({ name: 'big_seconds', labels: { route: '/api/r42' } });
        expect(one).toEqual(batch.filter((r) => r.labels.route === '/api/r42').sort((a, b) => a.start - b.start));
      },
      60_000,
    );
  });

  describe('failures', () => {
    it('rejects with a StorageError that names the call and keeps the cause, without the password', async () => {
      const storage = make({ url: 'redis://bob:hunter2secret@127.0.0.1:1' } as Partial<RedisStorageOptions>);
      const error = await failure(() => storage.writeRollups([counter('x_total', base)]));
      expect(codeOf(error)).toBe('ERR_PULSEWATCH_STORAGE');
      expect(error.message).toMatch(/^RedisStorage: writeRollups failed: .*ECONNREFUSED/);
      expect(error.cause).toBeInstanceOf(Error);
      expect(error.message).not.toContain('hunter2secret');
      expect(inspect(error, { depth: 20 })).not.toContain('hunter2secret'); // nor in the cause chain
    });

    it('reports a wrong password without showing it', async () => {
      const storage = make({ url: 'redis://bob:hunter2secret@127.0.0.1:6379' } as Partial<RedisStorageOptions>);
      const error = await failure(() => storage.queryRollups({ name: 'x_total' }));
      expect(codeOf(error)).toBe('ERR_PULSEWATCH_STORAGE');
      expect(error.message).toMatch(/queryRollups failed.*WRONGPASS/);
      expect(inspect(error, { depth: 20 })).not.toContain('hunter2secret');
    });

    it('never sends an invalid rollup: stores the valid ones and rejects permanently naming the bad index', async () => {
      const storage = make();
      const error = await failure(() => storage.writeRollups([counter('ok_total', base), { ...counter('bad_total', base), start: Number.NaN }]));
      expect(codeOf(error)).toBe('ERR_PULSEWATCH_STORAGE');
      expect(error).toMatchObject({ permanent: true, rejected: [1] });
      expect(await storage.queryRollups({ name: 'ok_total' })).toEqual([counter('ok_total', base)]);
      expect((await keysUnder(admin, prefixes[0]!)).some((key) => key.includes('bad_total'))).toBe(false);
    });

    it('rejects with a StorageError when the signal is already aborted', async () => {
      const storage = make();
      const error = await failure(() => storage.queryRollups({ name: 'x' }, { signal: AbortSignal.abort(new Error('stop')) }));
      expect(codeOf(error)).toBe('ERR_PULSEWATCH_STORAGE');
    });
  });

  describe('close()', () => {
    it('quits a client it created; later calls reject with a StorageError', async () => {
      const storage = make();
      await storage.writeRollups([counter('c_total', base)]);
      const client = (storage as unknown as { client: { status: string } }).client;
      await storage.close();
      expect(client.status).toBe('end');
      expect(codeOf(await failure(() => storage.queryRollups({ name: 'c_total' })))).toBe('ERR_PULSEWATCH_STORAGE');
      await storage.close(); // twice is fine
    });

    it('leaves a client it was given open', async () => {
      const client = inspector();
      try {
        const storage = make({ client } as Partial<RedisStorageOptions>);
        await storage.writeRollups([counter('c_total', base)]);
        await storage.close();
        expect(await client.ping()).toBe('PONG');
        expect(codeOf(await failure(() => storage.tryAcquire('k', 1_000)))).toBe('ERR_PULSEWATCH_STORAGE');
      } finally {
        client.disconnect();
      }
    });
  });
});
