import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isPulsewatchError, StorageError, ValidationError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/monitor.js';
import type { Rollup } from '../../src/storage/contract.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { Recorder } from '../../src/metrics/recorder.js';
import { FlakyStorage } from '../helpers/flaky-storage.js';
import { createHarness, droppedCount, sampleValue, T0, type Harness } from '../helpers/monitor-harness.js';

const SLOT = 30_000;

/** Rollups of `name` the store holds, as the host would read them. */
function stored(h: Harness, name: string): Promise<Rollup[]> {
  return h.storage.inner.queryRollups({ name });
}

const total = (rollups: readonly Rollup[], field: 'count' | 'sum'): number => rollups.reduce((n, r) => n + r[field], 0);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('recording', () => {
  it('is synchronous: the value is visible at once and storage is not touched until a flush', () => {
    const h = createHarness();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['route'] });
    requests.inc({ route: '/a' }, 3);
    expect(requests.get({ route: '/a' })).toBe(3);
    expect(h.storage.attempts).toHaveLength(0);
  });

  it('never throws into the caller for invalid values; it reports them as error events instead', () => {
    const h = createHarness();
    const latency = h.monitor.histogram({ name: 'latency_seconds' });
    const requests = h.monitor.counter({ name: 'requests_total' });
    expect(() => latency.observe(Number.NaN)).not.toThrow();
    expect(() => latency.observe(-1)).not.toThrow();
    expect(() => requests.inc(-5)).not.toThrow();
    expect(h.events.errors).toHaveLength(3);
    expect(h.events.errors.every((e) => e instanceof ValidationError)).toBe(true);
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_dropped_total{reason="invalid_value"}')).toBe(3);
  });

  it('never throws into the caller while storage is down', async () => {
    const h = createHarness();
    h.storage.fail();
    const latency = h.monitor.histogram({ name: 'latency_seconds' });
    for (let i = 0; i < 5; i++) {
      expect(() => latency.observe(0.1)).not.toThrow();
      await h.clock.advanceAsync(SLOT);
    }
    expect(h.storage.failedAttempts.length).toBeGreaterThan(0);
  });
});

describe('flush interval', () => {
  it('writes nothing before the default 30 s interval and writes the closed slot when it elapses', async () => {
    const h = createHarness();
    h.monitor.counter({ name: 'requests_total' }).inc();
    await h.clock.advanceAsync(SLOT - 1);
    expect(h.storage.attempts).toHaveLength(0);
    await h.clock.advanceAsync(1);
    expect(await stored(h, 'requests_total')).toHaveLength(1);
  });

  it('is independent of the slot length: with a 1 minute interval a closed 30 s slot waits for the flush', async () => {
    const h = createHarness({ flush: { interval: '1m' } });
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc(1);
    await h.clock.advanceAsync(SLOT);
    expect(h.storage.attempts).toHaveLength(0);
    expect(h.monitor.bufferedRollups).toBeGreaterThan(0);
    requests.inc(2);
    await h.clock.advanceAsync(SLOT);
    expect((await stored(h, 'requests_total')).map((r) => r.sum)[0]).toBe(1);
    await h.clock.advanceAsync(2 * SLOT);
    expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([1, 2]);
  });

  // The slot and flush timers may fire in either order at a shared instant; the flush closes a
  // due slot itself so the slot that just ended is written in that flush.
  it('writes the slot that ends on a flush tick in that flush', async () => {
    const h = createHarness({ flush: { interval: '1m' } });
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc(1);
    await h.clock.advanceAsync(SLOT);
    requests.inc(2);
    await h.clock.advanceAsync(SLOT);
    expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([1, 2]);
    expect(h.monitor.bufferedRollups).toBe(0);
  });

  it('emits flushed with the number of rollups and batches written', async () => {
    const h = createHarness();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 3; i++) requests.inc({ n: i });
    await h.clock.advanceAsync(SLOT);
    // The manual clock does not move during a write, so the measured duration is exactly 0.
    expect(h.events.flushed).toEqual([{ rollups: h.storage.written.length, batches: 1, durationMs: 0 }]);
    expect(h.storage.userRollups).toHaveLength(3);
  });

  it('does not emit flushed when there was nothing to write', async () => {
    const h = createHarness();
    h.storage.fail();
    h.monitor.counter({ name: 'requests_total' }).inc();
    await h.clock.advanceAsync(SLOT);
    expect(h.events.flushed).toEqual([]);
  });
});

describe('batches', () => {
  it('writes at most flush.batchSize (default 100) rollups per storage call, in order', async () => {
    const h = createHarness();
    const latency = h.monitor.histogram({ name: 'latency_seconds', labelNames: ['n'] });
    for (let i = 0; i < 250; i++) latency.observe(0.01, { n: i });
    await h.clock.advanceAsync(SLOT);
    const all = h.storage.written.length;
    expect(all).toBeGreaterThanOrEqual(250);
    expect(h.storage.batchSizes).toEqual([100, 100, all - 200]);
    expect(h.events.flushed).toEqual([{ rollups: all, batches: 3, durationMs: 0 }]);
    expect(h.storage.userRollups.map((r) => r.labels.n)).toEqual(Array.from({ length: 250 }, (_, i) => String(i)));
  });

  it('respects a custom batch size', async () => {
    const h = createHarness({ flush: { batchSize: 7 } });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 20; i++) requests.inc({ n: i });
    await h.clock.advanceAsync(SLOT);
    const sizes = h.storage.batchSizes;
    expect(sizes.every((s) => s <= 7)).toBe(true);
    expect(sizes.slice(0, -1).every((s) => s === 7)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(h.storage.written.length);
    expect(h.storage.userRollups).toHaveLength(20);
  });

  it('writes flush.concurrency batches at once (default 4), and never more, even when flushes overlap', async () => {
    for (const [concurrency, expected] of [[undefined, 4], [3, 3], [1, 1]] as const) {
      const h = createHarness({ flush: { batchSize: 2, ...(concurrency === undefined ? {} : { concurrency }) } });
      const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
      for (let i = 0; i < 20; i++) requests.inc({ n: i });
      const release = h.storage.hold();
      // Three flushes at once, their writes held by the store until all the first group arrived.
      h.clock.set(T0 + SLOT);
      const flushes = [h.monitor.flush(), h.monitor.flush(), h.monitor.flush()];
      await h.storage.whenHeld(expected);
      release();
      await Promise.all(flushes);
      expect(h.storage.maxConcurrentWrites, `concurrency ${concurrency}`).toBe(expected);
      expect(h.storage.userRollups).toHaveLength(20);
      await h.monitor.close();
    }
  });
});

describe('rollups', () => {
  it('carries name, kind, labels, slot-aligned start and end, service, count, sum, min, max, hdr and resolution', async () => {
    // Created 12.345 s into a slot: the first slot is still the epoch-aligned one.
    const h = createHarness({ service: 'checkout' }, T0 + 12_345);
    const latency = h.monitor.histogram({ name: 'latency_seconds', labelNames: ['route'] });
    const values = [0.05, 0.125, 0.25, 0.5, 2];
    for (const v of values) latency.observe(v, { route: '/pay' });
    await h.clock.advanceAsync(SLOT - 12_345);

    const [rollup, ...rest] = await stored(h, 'latency_seconds');
    expect(rest).toEqual([]);
    expect(rollup).toMatchObject({
      name: 'latency_seconds',
      kind: 'histogram',
      labels: { route: '/pay' },
      start: T0,
      end: T0 + SLOT,
      service: 'checkout',
      count: 5,
      sum: 2.925,
      min: 0.05,
      max: 2,
      resolution: 1e-6,
    });
    const decoded = decodeFromCompressedBase64(rollup!.hdr!);
    expect(decoded.totalCount).toBe(5);
    // Encoded in integer units of `resolution` (µs here), within HDR's 2 significant digits.
    expect(decoded.maxValue * rollup!.resolution!).toBeCloseTo(2, 1);
    expect(decoded.minNonZeroValue * rollup!.resolution!).toBeCloseTo(0.05, 2);
  });

  it('encodes a busy slot (more values than are kept raw) with the same total count', async () => {
    const h = createHarness();
    const latency = h.monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds' });
    for (let i = 1; i <= 1000; i++) latency.observe(i);
    await h.clock.advanceAsync(SLOT);
    const [rollup] = await stored(h, 'latency_milliseconds');
    expect(rollup).toMatchObject({ count: 1000, sum: 500_500, min: 1, max: 1000, resolution: 1e-3 });
    const decoded = decodeFromCompressedBase64(rollup!.hdr!);
    expect(decoded.totalCount).toBe(1000);
    expect(decoded.getValueAtPercentile(50) * rollup!.resolution!).toBeGreaterThan(490);
    expect(decoded.getValueAtPercentile(50) * rollup!.resolution!).toBeLessThan(510);
  });

  it('aligns every later slot to the epoch, with the default service name', async () => {
    const h = createHarness({ histogram: { slotLength: '10s' }, flush: { interval: '10s' } }, T0 + 3_000);
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc();
    await h.clock.advanceAsync(7_000);
    requests.inc(2);
    await h.clock.advanceAsync(4_000);
    requests.inc(3);
    await h.clock.advanceAsync(6_000);
    const rollups = await stored(h, 'requests_total');
    expect(rollups.map((r) => [r.start - T0, r.end - T0, r.sum])).toEqual([
      [0, 10_000, 1],
      [10_000, 20_000, 5],
    ]);
    expect(rollups.every((r) => r.service === 'app')).toBe(true);
  });

  it('writes counters (increments and amount in the slot, running total as last) and gauges (last value)', async () => {
    const h = createHarness();
    const jobs = h.monitor.counter({ name: 'jobs_total', labelNames: ['status'] });
    const queue = h.monitor.gauge({ name: 'queue_depth' });
    jobs.inc({ status: 'ok' }, 2);
    jobs.inc({ status: 'ok' }, 5);
    queue.set(4);
    queue.set(9);
    queue.set(6);
    await h.clock.advanceAsync(SLOT);
    jobs.inc({ status: 'ok' }, 1);
    await h.clock.advanceAsync(SLOT);

    const counters = await stored(h, 'jobs_total');
    expect(counters.map((r) => ({ kind: r.kind, labels: r.labels, count: r.count, sum: r.sum, min: r.min, max: r.max, last: r.last }))).toEqual([
      { kind: 'counter', labels: { status: 'ok' }, count: 2, sum: 7, min: 2, max: 5, last: 7 },
      { kind: 'counter', labels: { status: 'ok' }, count: 1, sum: 1, min: 1, max: 1, last: 8 },
    ]);
    const gauges = await stored(h, 'queue_depth');
    expect(gauges[0]).toMatchObject({ kind: 'gauge', count: 3, sum: 19, min: 4, max: 9, last: 6 });
    // A gauge is state: an untouched slot still gets a rollup holding the current value.
    expect(gauges[1]).toMatchObject({ kind: 'gauge', count: 1, min: 6, max: 6, last: 6 });
  });
});

describe('storage failures', () => {
  it('emit error with a StorageError (ERR_PULSEWATCH_STORAGE) carrying the cause, and flush() still resolves', async () => {
    const h = createHarness();
    const cause = new Error('ECONNREFUSED');
    h.storage.fail(cause);
    h.monitor.counter({ name: 'requests_total' }).inc();
    await expect(h.monitor.flush()).resolves.toBeUndefined();
    expect(h.events.errors).toHaveLength(1);
    const error = h.events.errors[0]!;
    expect(error).toBeInstanceOf(StorageError);
    expect(isPulsewatchError(error)).toBe(true);
    expect(error.code).toBe('ERR_PULSEWATCH_STORAGE');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain('flaky');
  });

  it('never reject into the host, even with no error listener and a storage that throws synchronously', async () => {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    storage.writeRollups = () => {
      throw new Error('sync failure');
    };
    const monitor = createMonitor({ clock, storage });
    monitor.counter({ name: 'requests_total' }).inc();
    await expect(monitor.flush()).resolves.toBeUndefined();
    await clock.advanceAsync(5 * SLOT);
    expect(monitor.bufferedRollups).toBeGreaterThan(0);
    const closing = monitor.close();
    await clock.advanceAsync(10_000);
    await expect(closing).resolves.toBeUndefined();
    expect(monitor.bufferedRollups).toBe(0);
  });

  it('are retried with exponential backoff, capped at maxDelay', async () => {
    const h = createHarness({ flush: { interval: '1h', retry: { initialDelay: 1_000, factor: 2, maxDelay: 5_000, jitter: 0 } } });
    h.storage.fail();
    h.monitor.counter({ name: 'requests_total' }).inc();
    await h.monitor.flush();
    await h.clock.advanceAsync(30_000);
    const times = h.storage.attempts.map((a) => a.at! - T0);
    expect(times.slice(0, 7)).toEqual([0, 1_000, 3_000, 7_000, 12_000, 17_000, 22_000]);
  });

  it('start the backoff over after a successful write', async () => {
    const h = createHarness({ flush: { retry: { jitter: 0 } } });
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc();
    h.storage.failNext(2);
    await h.clock.advanceAsync(SLOT + 3_000);
    expect(h.storage.attempts.map((a) => [a.at! - T0, a.ok])).toEqual([
      [30_000, false],
      [31_000, false],
      [33_000, true],
    ]);
    requests.inc();
    h.storage.failNext(1);
    await h.clock.advanceAsync(SLOT);
    expect(h.storage.attempts.slice(3).map((a) => [a.at! - T0, a.ok])).toEqual([
      [60_000, false],
      [61_000, true],
    ]);
  });

  it('take up to the jitter fraction off each delay', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const h = createHarness({ flush: { interval: '1h', retry: { initialDelay: 1_000, jitter: 0.25 } } });
    h.storage.fail();
    h.monitor.counter({ name: 'requests_total' }).inc();
    await h.monitor.flush();
    await h.clock.advanceAsync(3_000);
    expect(h.storage.attempts.map((a) => a.at! - T0)).toEqual([0, 750, 750 + 1_500]);
  });

  it('put a failed batch back at the head, ahead of the rollups queued behind it (one batch at a time: in order)', async () => {
    const h = createHarness({ flush: { batchSize: 2, concurrency: 1, retry: { jitter: 0 } } });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 5; i++) requests.inc({ n: i });
    h.storage.failNext(1);
    await h.clock.advanceAsync(SLOT + 1_000);
    expect(h.storage.attempts.map((a) => a.ok)).toEqual([false, true, true, true]);
    expect(h.storage.userRollups.map((r) => r.labels.n)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('retry only the failed batch of several written at once: nothing lost, nothing written twice', async () => {
    const h = createHarness({ flush: { batchSize: 2, concurrency: 3, retry: { jitter: 0 } } });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 6; i++) requests.inc({ n: i });
    h.storage.failNext(1); // the first of the three batches in flight
    await h.clock.advanceAsync(SLOT);
    expect(h.storage.attempts.slice(0, 3).map((a) => a.ok)).toEqual([false, true, true]);
    expect(h.events.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^writing 2 rollups to "flaky" storage failed \(attempt 1\)/)]);
    await h.clock.advanceAsync(1_000);
    const labels = h.storage.userRollups.map((r) => r.labels.n);
    expect([...labels].sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    expect(labels).toHaveLength(6); // nothing twice
    // One failed attempt; every other attempt succeeded once, and wrote what the store holds.
    expect(h.storage.failedAttempts).toHaveLength(1);
    const writtenByAttempts = h.storage.batchSizes.reduce((a, b) => a + b, 0);
    expect(writtenByAttempts).toBe(h.storage.written.length);
    expect(new Set(h.storage.written.map((r) => `${r.name}${JSON.stringify(r.labels)}${r.start}`)).size).toBe(h.storage.written.length);
    expect(h.monitor.bufferedRollups).toBe(0);
  });

  it('keep the data: once storage recovers everything is written, in order, with exact counts and sums', async () => {
    // Small batches, so a failed batch has newer rollups queued behind it.
    const h = createHarness({ flush: { batchSize: 3, retry: { maxDelay: 5_000, jitter: 0 } } });
    h.storage.fail();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['route'] });
    for (let slot = 1; slot <= 4; slot++) {
      requests.inc({ route: '/a' }, slot);
      requests.inc({ route: '/b' }, 10 * slot);
      await h.clock.advanceAsync(SLOT);
    }
    expect(await stored(h, 'requests_total')).toEqual([]);
    expect(h.events.errors.length).toBeGreaterThan(1);
    h.storage.recover();
    await h.clock.advanceAsync(5_000);

    const written = h.storage.userRollups;
    expect(written.map((r) => [r.start - T0, r.labels.route, r.sum])).toEqual([
      [0, '/a', 1],
      [0, '/b', 10],
      [30_000, '/a', 2],
      [30_000, '/b', 20],
      [60_000, '/a', 3],
      [60_000, '/b', 30],
      [90_000, '/a', 4],
      [90_000, '/b', 40],
    ]);
    expect(h.storage.written.map((r) => r.start)).toEqual([...h.storage.written.map((r) => r.start)].sort((a, b) => a - b));
    expect(h.monitor.bufferedRollups).toBe(0);
    expect(h.events.dropped).toEqual([]);
  });
});

describe('buffer bound (flush.maxBuffered)', () => {
  it('defaults to 10,000 rollups', () => {
    expect(createHarness().monitor.options.flush.maxBuffered).toBe(10_000);
  });

  it('drops the oldest past the bound, emits dropped (buffer_full) and counts pulsewatch_dropped_total', async () => {
    const h = createHarness({ flush: { maxBuffered: 5, retry: { jitter: 0 } } });
    h.storage.fail();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 8; i++) requests.inc({ n: i });
    await h.clock.advanceAsync(SLOT);

    expect(h.monitor.bufferedRollups).toBe(5);
    const lost = droppedCount(h.events, 'buffer_full');
    expect(lost).toBeGreaterThanOrEqual(3);
    expect(h.events.dropped.every((d) => d.reason === 'buffer_full')).toBe(true);
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_dropped_total{reason="buffer_full"}')).toBe(lost);

    h.storage.recover();
    await h.clock.advanceAsync(1_000);
    // The newest five were kept: the last five series, in order.
    expect(h.storage.userRollups.map((r) => r.labels.n)).toEqual(['3', '4', '5', '6', '7']);
  });

  it('holds while a failing write is in flight and newer rollups arrive', async () => {
    const h = createHarness({ flush: { maxBuffered: 10, retry: { jitter: 0, initialDelay: 60_000 } } });
    h.storage.fail();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 6; i++) requests.inc({ n: i });
    const release = h.storage.hold();
    // flush() (not the timer's) at each slot end: the test waits on these writes, not on the clock.
    h.clock.set(T0 + SLOT);
    const first = h.monitor.flush();
    await h.storage.whenHeld(1); // the write of the first slot hangs
    expect(h.monitor.bufferedRollups).toBe(0);
    for (let i = 0; i < 6; i++) requests.inc({ n: i });
    h.clock.set(T0 + 2 * SLOT);
    const second = h.monitor.flush(); // the second slot queues behind it
    expect(h.monitor.bufferedRollups).toBeGreaterThan(0);
    release();
    await Promise.all([first, second]);

    expect(h.monitor.bufferedRollups).toBe(10);
    expect(droppedCount(h.events, 'buffer_full')).toBeGreaterThan(0);
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_dropped_total{reason="buffer_full"}')).toBe(
      droppedCount(h.events, 'buffer_full'),
    );
    expect(h.storage.maxConcurrentWrites).toBe(1);
  });
});

describe('close()', () => {
  it('writes everything accepted before it: nothing is lost on a clean shutdown', async () => {
    const h = createHarness();
    const latency = h.monitor.histogram({ name: 'latency_milliseconds', unit: 'milliseconds', labelNames: ['route'] });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['route'] });
    const routes = ['/a', '/b', '/c'];
    const n = 3_000;
    let expectedSum = 0;
    for (let i = 0; i < n; i++) {
      const value = (i % 500) + 0.25;
      expectedSum += value;
      latency.observe(value, { route: routes[i % 3]! });
      requests.inc({ route: routes[i % 3]! });
      // Spread over two and a half slots: some flushed on the timer, the last part only by close().
      if (i % 1_200 === 1_199) await h.clock.advanceAsync(SLOT);
    }
    await h.monitor.close();

    const histograms = await stored(h, 'latency_milliseconds');
    expect(total(histograms, 'count')).toBe(n);
    expect(total(histograms, 'sum')).toBe(expectedSum);
    const counters = await stored(h, 'requests_total');
    expect(total(counters, 'sum')).toBe(n);
    for (const route of routes) {
      const own = await h.storage.inner.queryRollups({ name: 'latency_milliseconds', labels: { route } });
      expect(total(own, 'count')).toBe(n / 3);
      expect(own.reduce((c, r) => c + decodeFromCompressedBase64(r.hdr!).totalCount, 0)).toBe(n / 3);
    }
    expect(h.monitor.bufferedRollups).toBe(0);
    expect(h.events.dropped).toEqual([]);
  });

  it('writes values recorded in the current, unfinished slot without advancing the clock', async () => {
    const h = createHarness();
    h.monitor.counter({ name: 'requests_total' }).inc(42);
    await h.monitor.close();
    const [rollup] = await stored(h, 'requests_total');
    expect(rollup).toMatchObject({ sum: 42, start: T0, end: T0 });
  });

  it('waits for a write in flight and writes what arrived meanwhile', async () => {
    const h = createHarness();
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc(1);
    const release = h.storage.hold();
    h.clock.set(T0 + SLOT);
    const flushing = h.monitor.flush();
    await h.storage.whenHeld(1);
    requests.inc(2);
    const closing = h.monitor.close();
    release();
    await Promise.all([closing, flushing]);
    expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([1, 2]);
    expect(h.storage.maxConcurrentWrites).toBe(1);
  });

  it('writes rollups kept from earlier failures once storage is back', async () => {
    const h = createHarness({ flush: { retry: { initialDelay: 60_000, jitter: 0 } } });
    const requests = h.monitor.counter({ name: 'requests_total' });
    h.storage.fail();
    requests.inc(1);
    await h.clock.advanceAsync(SLOT);
    requests.inc(2);
    h.storage.recover();
    await h.monitor.close();
    expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([1, 2]);
    expect(h.events.dropped).toEqual([]);
  });

  it('with storage down, keeps retrying until flush.closeTimeout, then reports the rest as dropped (shutdown)', async () => {
    const h = createHarness({ flush: { closeTimeout: '10s', retry: { jitter: 0 } } });
    h.storage.fail();
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 4; i++) requests.inc({ n: i });
    let closed = false;
    const closing = h.monitor.close().then(() => (closed = true));
    await h.clock.advanceAsync(9_999);
    expect(closed).toBe(false);
    const attemptsBeforeDeadline = h.storage.attempts.length;
    expect(attemptsBeforeDeadline).toBeGreaterThan(1);
    expect(h.events.dropped).toEqual([]);

    await h.clock.advanceAsync(1);
    await closing;
    expect(closed).toBe(true);
    const attempts = h.storage.attempts;
    expect(attempts.length).toBe(attemptsBeforeDeadline);
    expect(attempts.every((a) => !a.ok && a.at! >= T0 && a.at! <= T0 + 10_000)).toBe(true);
    const lost = attempts.at(-1)!.size;
    expect(lost).toBeGreaterThanOrEqual(4);
    expect(h.events.dropped).toEqual([{ reason: 'shutdown', count: lost }]);
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_dropped_total{reason="shutdown"}')).toBe(lost);
    expect(h.events.errors.length).toBe(attempts.length);
    expect(h.events.errors.every((e) => e.code === 'ERR_PULSEWATCH_STORAGE')).toBe(true);
    expect(h.monitor.bufferedRollups).toBe(0);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('with storage recovering during the close timeout, writes everything and drops nothing', async () => {
    const h = createHarness({ flush: { retry: { jitter: 0 } } });
    h.storage.fail();
    h.monitor.counter({ name: 'requests_total' }).inc(7);
    const closing = h.monitor.close();
    await h.clock.advanceAsync(2_000);
    h.storage.recover();
    await h.clock.advanceAsync(8_000);
    await closing;
    expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([7]);
    expect(h.events.dropped).toEqual([]);
  });

  it('gives up on a write that never settles at flush.closeTimeout: aborts its signal and reports it as dropped', async () => {
    const h = createHarness({ flush: { closeTimeout: '5s' } });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 3; i++) requests.inc({ n: i });
    h.storage.hold(); // never released: a black-holed connection
    let closed = false;
    const closing = h.monitor.close().then(() => (closed = true));
    await h.storage.whenHeld(1);
    // advance(), not advanceAsync(): the held write never finishes, so nothing would be idle.
    h.clock.advance(4_999);
    expect(closed).toBe(false);
    expect(h.storage.attempts).toHaveLength(1);
    const attempt = h.storage.attempts[0]!;
    expect(attempt.signal?.aborted).toBe(false);

    h.clock.advance(1);
    await closing;
    expect(attempt.signal?.aborted).toBe(true);
    expect(h.storage.attempts).toHaveLength(1);
    expect(h.events.dropped).toEqual([{ reason: 'shutdown', count: attempt.size }]);
    expect(h.monitor.bufferedRollups).toBe(0);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('counts a hung write started by a flush and the rollups queued behind it exactly once', async () => {
    const h = createHarness({ flush: { closeTimeout: '5s' } });
    const requests = h.monitor.counter({ name: 'requests_total', labelNames: ['n'] });
    for (let i = 0; i < 3; i++) requests.inc({ n: i });
    h.storage.hold();
    // advance(), not advanceAsync(): the timer's flush hangs, so it never finishes on its own.
    h.clock.advance(SLOT);
    await h.storage.whenHeld(1);
    const inFlight = h.storage.attempts[0]!.size;
    requests.inc({ n: 0 });
    const closing = h.monitor.close();
    const queued = h.monitor.bufferedRollups;
    expect(queued).toBeGreaterThan(0);
    h.clock.advance(5_000); // closeTimeout: close() gives up on the hung write
    await closing;
    expect(h.events.dropped).toEqual([{ reason: 'shutdown', count: inFlight + queued }]);
    expect(h.storage.attempts).toHaveLength(1);
  });

  it('leaves no retry timers behind: a flush after close tries once and does not back off', async () => {
    const h = createHarness({ flush: { closeTimeout: '2s' } });
    h.storage.fail();
    const requests = h.monitor.counter({ name: 'requests_total' });
    requests.inc();
    const closing = h.monitor.close();
    await h.clock.advanceAsync(2_000);
    await closing;
    requests.inc();
    const before = h.storage.attempts.length;
    await h.monitor.flush();
    expect(h.storage.attempts.length).toBe(before + 1);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('with closeTimeout 0 makes one attempt and drops the rest', async () => {
    const h = createHarness({ flush: { closeTimeout: 0 } });
    h.storage.fail();
    h.monitor.counter({ name: 'requests_total' }).inc();
    await h.monitor.close();
    expect(h.storage.attempts).toHaveLength(1);
    expect(droppedCount(h.events, 'shutdown')).toBe(h.storage.attempts[0]!.size);
  });
});

describe('event listeners that throw', () => {
  it('do not reject flush(), stop the retry, or throw into the host', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (error: unknown) => uncaught.push(error);
    process.on('uncaughtException', onUncaught);
    try {
      const h = createHarness({ flush: { retry: { jitter: 0 } } });
      h.monitor.on('error', () => {
        throw new Error('listener boom');
      });
      h.storage.failNext(1);
      h.monitor.counter({ name: 'requests_total' }).inc(5);
      await expect(h.monitor.flush()).resolves.toBeUndefined();
      await h.clock.advanceAsync(1_000); // the retry still happens
      expect((await stored(h, 'requests_total')).map((r) => r.sum)).toEqual([5]);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(uncaught).toEqual([]);
  });
});

describe('Recorder', () => {
  const settings = { batchSize: 100, maxBuffered: 10_000, retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0 } };

  function rollups(n: number): Rollup[] {
    return Array.from({ length: n }, (_, i) => ({ name: 'r', kind: 'counter', labels: { i: String(i) }, start: T0, end: T0 + SLOT, count: 1, sum: i, min: i, max: i }));
  }

  function setup(overrides: Partial<typeof settings> = {}) {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    const log = { failed: [] as StorageError[], dropped: [] as [string, number][], flushed: [] as number[][], hookErrors: [] as unknown[] };
    const recorder = new Recorder(storage, clock, { ...settings, ...overrides }, {
      flushed: (r, b, d) => log.flushed.push([r, b, d]),
      dropped: (reason, count) => log.dropped.push([reason, count]),
      failed: (e) => log.failed.push(e),
      hookFailed: (e) => log.hookErrors.push(e),
    });
    return { clock, storage, recorder, log };
  }

  it('keeps a failed batch larger than the call stack allows to spread, and writes it on retry', async () => {
    const { clock, storage, recorder, log } = setup({ batchSize: 200_000, maxBuffered: 300_000 });
    recorder.add(rollups(200_000));
    storage.failNext(1);
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(log.failed).toHaveLength(1);
    expect(recorder.buffered).toBe(200_000);
    await clock.advanceAsync(1_000);
    expect(storage.written).toHaveLength(200_000);
    expect(storage.written[199_999]!.sum).toBe(199_999);
    expect(log.flushed).toEqual([[200_000, 1, 0]]);
  });

  it('keeps its state consistent when a hook throws', async () => {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    const hookErrors: unknown[] = [];
    const recorder = new Recorder(storage, clock, { ...settings, maxBuffered: 2 }, {
      flushed() {
        throw new Error('flushed listener');
      },
      dropped() {
        throw new Error('dropped listener');
      },
      failed() {
        throw new Error('failed listener');
      },
      hookFailed: (e) => hookErrors.push(e),
    });
    expect(() => recorder.add(rollups(3))).not.toThrow();
    expect(recorder.buffered).toBe(2);
    storage.failNext(1);
    await expect(recorder.flush()).resolves.toBeUndefined();
    expect(recorder.backingOff).toBe(true);
    await clock.advanceAsync(1_000);
    expect(storage.written.map((r) => r.labels.i)).toEqual(['1', '2']);
    expect(hookErrors.map((e) => (e as Error).message)).toEqual(['dropped listener', 'failed listener', 'flushed listener']);
  });

  it('reports nothing as dropped when close() writes everything', async () => {
    const { storage, recorder, log } = setup({ batchSize: 2 });
    recorder.add(rollups(5));
    await recorder.close(1_000);
    expect(storage.batchSizes).toEqual([2, 2, 1]);
    expect(log.dropped).toEqual([]);
  });
});
