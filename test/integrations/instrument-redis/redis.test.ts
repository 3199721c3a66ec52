import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMonitor, type Monitor, type PulsewatchError } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { instrumentRedis, REDIS_METRICS } from '../../../src/integrations/instrument/redis.js';
import { closeAfterEach } from '../../helpers/closing.js';
import { deleteUnder, inspector, REDIS_URL, redisAvailable, uniquePrefix } from '../../helpers/redis-env.js';
import { labelValues, samplesOf, valueOf } from '../instrument-helpers/exposition.js';

const reachable = await redisAvailable('instrumentRedis');
const prefix = uniquePrefix();
const clients: Redis[] = [];
const closing = closeAfterEach();

function client(options: RedisOptions = {}): Redis {
  const c = new Redis(REDIS_URL, { keyPrefix: prefix, ...options });
  c.on('error', () => {});
  clients.push(c);
  return c;
}

/**
 * A client past its handshake: ioredis sends `info` and `client setinfo` itself on connect,
 * which an instrumentation counts like any command (the second fails on Redis < 7.2).
 */
async function connected(): Promise<Redis> {
  const c = client();
  await c.ping();
  return c;
}

function monitorWith(options: { clock?: ManualClock } = {}): { monitor: Monitor; errors: PulsewatchError[] } {
  const monitor = closing(createMonitor({ service: 'redis-test', ...options }));
  const errors: PulsewatchError[] = [];
  monitor.on('error', (e) => errors.push(e));
  return { monitor, errors };
}

const ops = (monitor: Monitor, command: string, name = 'default'): number | undefined => valueOf(monitor, REDIS_METRICS.operations, { client: name, command });

afterAll(async () => {
  if (reachable) {
    const i = inspector();
    await deleteUnder(i, prefix);
    i.disconnect();
  }
  for (const c of clients) c.disconnect();
});

describe('instrumentRedis on a real Redis', () => {
  it('counts each command once by name, pipelines and transactions included', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor, errors } = monitorWith();
    const redis = await connected();
    instrumentRedis(monitor, redis);
    await redis.set('a', '1');
    await redis.get('a');
    await redis.get('missing');
    await redis.pipeline().incr('n').incr('n').get('n').exec();
    await redis.multi().hset('h', 'f', 'v').hget('h', 'f').exec();
    expect(ops(monitor, 'set')).toBe(1);
    expect(ops(monitor, 'get')).toBe(3);
    expect(ops(monitor, 'incr')).toBe(2);
    expect(ops(monitor, 'multi')).toBe(1);
    expect(ops(monitor, 'exec')).toBe(1);
    expect(ops(monitor, 'hset')).toBe(1);
    expect(valueOf(monitor, `${REDIS_METRICS.duration}_count`, { client: 'default', command: 'get' })).toBe(3);
    expect(samplesOf(monitor, REDIS_METRICS.errors)).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('counts auto-pipelined commands once each', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const redis = client({ enableAutoPipelining: true });
    await redis.ping();
    instrumentRedis(monitor, redis);
    const values = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? redis.get(`auto:${i}`) : redis.incr(`auto:${i}`))));
    expect(values.filter((v) => v === 1)).toHaveLength(25);
    expect(ops(monitor, 'get')).toBe(25);
    expect(ops(monitor, 'incr')).toBe(25);
  });

  it('times a command from its send to its reply, on the monitor clock', async (ctx) => {
    if (!reachable) return ctx.skip();
    const clock = new ManualClock();
    const { monitor } = monitorWith({ clock });
    const redis = await connected();
    instrumentRedis(monitor, redis);
    const pending = redis.set('timed', 'x');
    clock.advance(3);
    expect(await pending).toBe('OK');
    const labels = { client: 'default', command: 'set' };
    expect(valueOf(monitor, `${REDIS_METRICS.duration}_sum`, labels)).toBeCloseTo(0.003, 9);
    expect(valueOf(monitor, `${REDIS_METRICS.duration}_bucket`, { ...labels, le: '0.0025' })).toBe(0);
    expect(valueOf(monitor, `${REDIS_METRICS.duration}_bucket`, { ...labels, le: '0.005' })).toBe(1);
  });

  it('counts reply errors by their code and leaves the rejection to the caller', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const redis = client();
    instrumentRedis(monitor, redis);
    await redis.set('str', 'x');
    const wrongType = await redis.lpush('str', 'y').catch((e: unknown) => e);
    expect(String(wrongType)).toMatch(/WRONGTYPE/);
    const unknown = await redis.call('nosuchcommand', 'k').catch((e: unknown) => e);
    expect(String(unknown)).toMatch(/ERR unknown command/);
    expect(valueOf(monitor, REDIS_METRICS.errors, { client: 'default', command: 'lpush', code: 'WRONGTYPE' })).toBe(1);
    expect(valueOf(monitor, REDIS_METRICS.errors, { client: 'default', command: 'nosuchcommand', code: 'ERR' })).toBe(1);
    expect(ops(monitor, 'lpush')).toBe(1);
  });

  it('counts a command to a closed connection as an error with code none', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const redis = client();
    instrumentRedis(monitor, redis);
    await redis.ping();
    await redis.quit();
    await expect(redis.get('a')).rejects.toThrow(/Connection is closed/);
    expect(valueOf(monitor, REDIS_METRICS.errors, { client: 'default', command: 'get', code: 'none' })).toBe(1);
  });

  it('never puts keys or values in a label, and bounds the command names', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const redis = await connected();
    instrumentRedis(monitor, redis, { maxCommands: 3 });
    await redis.set('session:sk_live_secret', 'password=hunter2');
    await redis.get('session:sk_live_secret');
    await redis.call('ECHO', 'hunter2');
    await redis.exists('x');
    await redis.del('x');
    const text = monitor.exportPrometheusMetrics();
    for (const secret of ['hunter2', 'sk_live', 'session']) expect(text).not.toContain(secret);
    expect(labelValues(monitor, REDIS_METRICS.operations, 'command')).toEqual(['echo', 'get', 'other', 'set']);
    expect(ops(monitor, 'other')).toBe(2);
  });

  it('counts a command queued while disconnected once, when it is finally answered', async (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    const redis = client({ lazyConnect: true });
    instrumentRedis(monitor, redis);
    // Sent before the connection exists: ioredis queues it, connects, and sends it again from its queue.
    expect(await redis.set('queued', '1')).toBe('OK');
    expect(ops(monitor, 'set')).toBe(1);
    expect(valueOf(monitor, `${REDIS_METRICS.duration}_count`, { client: 'default', command: 'set' })).toBe(1);
    // The handshake ioredis sent on its own is counted too, as the commands it is.
    expect(ops(monitor, 'info')).toBe(1);
  });

  it('is idempotent per monitor, counts once per monitor with two, and uninstruments cleanly', async (ctx) => {
    if (!reachable) return ctx.skip();
    const a = monitorWith().monitor;
    const b = monitorWith().monitor;
    const redis = client();
    const removeA = instrumentRedis(a, redis);
    expect(instrumentRedis(a, redis)).toBe(removeA);
    const removeB = instrumentRedis(b, redis, { name: 'cache' });
    await redis.get('k');
    expect(ops(a, 'get')).toBe(1);
    expect(ops(b, 'get', 'cache')).toBe(1);
    removeA();
    await redis.get('k');
    expect(ops(a, 'get')).toBe(1);
    expect(ops(b, 'get', 'cache')).toBe(2);
    removeB();
    // B's wrapper was on top: removing it puts A's (now a pass-through) back, and A's removal already ran.
    await redis.get('k');
    expect(ops(b, 'get', 'cache')).toBe(2);
    const single = client();
    const remove = instrumentRedis(a, single);
    remove();
    expect(Object.prototype.hasOwnProperty.call(single, 'sendCommand')).toBe(false);
  });

  it('never throws into a command when recording fails: the failure goes to the error event', async (ctx) => {
    if (!reachable) return ctx.skip();
    const clock = new ManualClock();
    const { monitor, errors } = monitorWith({ clock });
    const redis = await connected();
    instrumentRedis(monitor, redis);
    const monotonic = clock.monotonic;
    clock.monotonic = () => {
      throw new Error('clock broke');
    };
    try {
      expect(await redis.set('k', 'v')).toBe('OK');
    } finally {
      clock.monotonic = monotonic;
    }
    expect(errors.map((e) => e.code)).toEqual(['ERR_PULSEWATCH_INTERNAL']);
  });

  it('refuses a client without sendCommand and a bad option', (ctx) => {
    if (!reachable) return ctx.skip();
    const { monitor } = monitorWith();
    expect(() => instrumentRedis(monitor, {} as Redis)).toThrow(/ioredis Redis or Cluster/);
    expect(() => instrumentRedis(monitor, client(), { maxCommands: 0 })).toThrow(/maxCommands/);
  });
});
