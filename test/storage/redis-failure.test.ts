/**
 * Store failure for real: a monitor writes through RedisStorage while a TCP proxy between the
 * adapter and Redis is cut and restored. The adapter's own client fails fast while disconnected
 * (no offline queue, no per-request retries), so each write rejects at once and the recorder
 * keeps the batch and retries it on the monitor's (manual) clock.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isPulsewatchError, type PulsewatchError } from '../../src/core/errors.js';
import type { DroppedEvent } from '../../src/core/events.js';
import { createMonitor, type Monitor } from '../../src/monitor.js';
import { RedisStorage } from '../../src/redis.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { deleteUnder, inspector, redisAvailable, uniquePrefix } from '../helpers/redis-env.js';
import { RedisProxy } from '../helpers/redis-proxy.js';

const up = await redisAvailable('RedisStorage failure');
const SLOT = 1_000;

/** Polls (real time) until `check` resolves true; the network needs real time to settle. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const succeeds = (call: () => Promise<unknown>) => () => call().then(() => true, () => false);
const fails = (call: () => Promise<unknown>) => () => call().then(() => false, () => true);

describe.skipIf(!up)('RedisStorage when the connection to Redis is cut and restored', () => {
  const admin = inspector();
  let proxy: RedisProxy;
  let prefix: string;
  let clock: ManualClock;
  let storage: RedisStorage;
  let monitor: Monitor | undefined;
  let errors: PulsewatchError[];
  let dropped: DroppedEvent[];

  const start = (maxBuffered: number): Monitor => {
    monitor = createMonitor({
      storage,
      clock,
      histogram: { slotLength: SLOT },
      flush: { interval: SLOT, batchSize: 10, maxBuffered, retry: { initialDelay: 2 * SLOT, maxDelay: 8 * SLOT, jitter: 0 } },
    });
    monitor.on('error', (e) => errors.push(e));
    monitor.on('dropped', (e) => dropped.push(e));
    return monitor;
  };
  const probe = () => storage.queryRollups({ name: 'probe' });

  beforeEach(async () => {
    proxy = await RedisProxy.start();
    prefix = uniquePrefix();
    clock = new ManualClock(Math.floor(Date.now() / SLOT) * SLOT);
    storage = new RedisStorage({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: prefix, now: () => clock.now() });
    errors = [];
    dropped = [];
  });
  afterEach(async () => {
    proxy.restore();
    if (monitor !== undefined) {
      // close() retries on the monitor's clock: keep it moving until close() is done.
      let closed = false;
      const closing = monitor.close().finally(() => (closed = true));
      while (!closed) await clock.advanceAsync(SLOT);
      await closing;
      monitor = undefined;
    }
    await storage.close();
    await proxy.stop();
    await deleteUnder(admin, prefix);
  });
  afterAll(() => admin.disconnect());

  it(
    'never throws, keeps and retries what it accepted, reports StorageErrors, and writes it all once Redis is back',
    async () => {
      const m = start(10_000);
      const requests = m.counter({ name: 'orders_total', labelNames: ['shop'] });
      const latency = m.histogram({ name: 'checkout_seconds' });
      let accepted = 0;
      const record = (n: number): void => {
        for (let i = 0; i < n; i++) {
          expect(() => requests.inc({ shop: `s${i % 5}` })).not.toThrow();
          expect(() => latency.observe(0.05 + i / 1000)).not.toThrow();
          accepted++;
        }
      };

      record(10);
      await clock.advanceAsync(SLOT);
      await m.flush();
      expect(m.bufferedRollups).toBe(0);
      expect(errors).toEqual([]);

      proxy.cut();
      await until('the adapter to notice the cut', fails(probe));
      for (let slot = 0; slot < 6; slot++) {
        record(10);
        await clock.advanceAsync(SLOT);
        await m.flush();
      }
      expect(m.bufferedRollups).toBeGreaterThanOrEqual(6 * 6); // 6 slots x (5 counter series + 1 histogram)
      // Every failure reaches the monitor as a StorageError; the recorder's say what they kept.
      for (const error of errors) expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
      const writeErrors = () => errors.filter((e) => /^writing \d+ rollups/.test(e.message));
      expect(writeErrors().length).toBeGreaterThan(0);
      for (const error of writeErrors()) {
        expect(error.message).toMatch(/kept for retry/);
        expect(isPulsewatchError(error.cause) && error.cause.code).toBe('ERR_PULSEWATCH_STORAGE'); // the adapter's own error
        expect((error.cause as Error).message).toMatch(/^RedisStorage: writeRollups failed/);
      }
      expect(dropped.filter((d) => d.reason === 'buffer_full')).toEqual([]);
      const failuresWhileDown = writeErrors().length;

      proxy.restore();
      await until('the adapter to reconnect', succeeds(probe));
      // The retry is due on the monitor's clock: nothing is written until it fires.
      const backlog = m.bufferedRollups;
      expect(backlog).toBeGreaterThanOrEqual(6 * 6);
      expect(await storage.queryRollups({ name: 'orders_total' })).toHaveLength(5); // the first slot only
      await clock.advanceAsync(8 * SLOT);
      await m.flush();
      await until('the backlog to drain', async () => {
        await m.flush();
        return m.bufferedRollups === 0;
      });
      expect(writeErrors().length).toBe(failuresWhileDown);

      const orders = await storage.queryRollups({ name: 'orders_total' });
      expect(orders.reduce((n, r) => n + r.sum, 0)).toBe(accepted);
      expect(new Set(orders.map((r) => r.labels.shop))).toEqual(new Set(['s0', 's1', 's2', 's3', 's4']));
      const checkout = await storage.queryRollups({ name: 'checkout_seconds' });
      expect(checkout.reduce((n, r) => n + r.count, 0)).toBe(accepted);
      expect(checkout.every((r) => typeof r.hdr === 'string' && r.hdr.length > 0)).toBe(true);
    },
    30_000,
  );

  it(
    'keeps at most flush.maxBuffered rollups while Redis is unreachable, counting the oldest it drops',
    async () => {
      const m = start(20);
      const requests = m.counter({ name: 'orders_total', labelNames: ['shop'] });
      proxy.cut();
      await until('the adapter to notice the cut', fails(probe));
      for (let slot = 0; slot < 5; slot++) {
        for (let i = 0; i < 10; i++) requests.inc({ shop: `s${i}` });
        await clock.advanceAsync(SLOT);
        await m.flush();
      }
      expect(m.bufferedRollups).toBeLessThanOrEqual(20);
      const lost = dropped.filter((d) => d.reason === 'buffer_full').reduce((n, d) => n + d.count, 0);
      expect(lost).toBeGreaterThan(0);
      expect(errors.every((e) => e.code === 'ERR_PULSEWATCH_STORAGE')).toBe(true);

      proxy.restore();
      await until('the adapter to reconnect', succeeds(probe));
      await clock.advanceAsync(8 * SLOT);
      await until('the backlog to drain', async () => {
        await m.flush();
        return m.bufferedRollups === 0;
      });
      // What survived the bound is written: the newest slots, each with its 10 series.
      const orders = await storage.queryRollups({ name: 'orders_total' });
      expect(orders.length).toBeGreaterThan(0);
      const last = Math.max(...orders.map((r) => r.start));
      expect(orders.filter((r) => r.start === last)).toHaveLength(10);
    },
    30_000,
  );
});

describe('RedisStorage when the connection stays open but goes silent', () => {
  it('fails a call after commandTimeout instead of holding it, and works again once data flows', async (ctx) => {
    if (!(await redisAvailable('RedisStorage silent connection'))) return ctx.skip();
    const proxy = await RedisProxy.start();
    const prefix = uniquePrefix();
    const storage = new RedisStorage({ url: `redis://127.0.0.1:${proxy.port}`, keyPrefix: prefix, commandTimeout: 200 });
    try {
      expect(await storage.tryAcquire('warm-up', 60_000)).toBe(true);
      proxy.stall();
      const error = await storage.tryAcquire('silent', 60_000).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isPulsewatchError(error) && error.code).toBe('ERR_PULSEWATCH_STORAGE');
      expect((error as Error).message).toMatch(/timed out/i);
      proxy.restore();
      // The adapter dropped the silent connection; the client reconnects (a real socket: wait for it).
      let after: unknown;
      for (let i = 0; i < 100; i++) {
        after = await storage.tryAcquire('after', 60_000).catch((e: unknown) => e);
        if (after === true) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(after).toBe(true);
    } finally {
      await storage.close();
      await proxy.stop();
      const admin = inspector();
      await deleteUnder(admin, prefix);
      admin.disconnect();
    }
  });
});
