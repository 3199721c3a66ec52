// One diagnostics policy (issue 16, item 1): listeners never throw into the host, and what
// nobody listens for is logged through the `logger` option.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PulsewatchError } from '../src/core/errors.js';
import { createMonitor } from '../src/monitor.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { FlakyStorage } from './helpers/flaky-storage.js';
import { T0 } from './helpers/monitor-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

/** Collects uncaught exceptions and unhandled rejections while `run` runs (and settles). */
async function escaped(run: () => Promise<void>): Promise<unknown[]> {
  const caught: unknown[] = [];
  const onError = (error: unknown) => caught.push(error);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  try {
    await run();
  } finally {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  }
  return caught;
}

describe('a throwing listener never escapes', () => {
  it('recordMetric() returns with a throwing metricRecorded listener, in strict mode too', () => {
    for (const strict of [false, true]) {
      const monitor = createMonitor({ clock: new ManualClock(T0), strict, logger: false });
      const errors: PulsewatchError[] = [];
      monitor.on('error', (e) => errors.push(e));
      monitor.on('metricRecorded', () => {
        throw new Error('listener bug');
      });
      expect(() => monitor.recordMetric({ metricType: 'queue_wait', value: 3 })).not.toThrow();
      expect(errors.map((e) => e.message)).toEqual(['a "metricRecorded" listener threw: listener bug']);
      void monitor.close();
    }
  });

  it('counter.inc(-1) returns with a throwing error listener', () => {
    const monitor = createMonitor({ clock: new ManualClock(T0), logger: false });
    monitor.on('error', () => {
      throw new Error('error listener bug');
    });
    expect(() => monitor.counter({ name: 'requests_total' }).inc(-1)).not.toThrow();
    void monitor.close();
  });

  it('nothing reaches the process as an uncaught exception or unhandled rejection: records, timers, flushes, close', async () => {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    const monitor = createMonitor({ clock, storage, flush: { maxBuffered: 1, closeTimeout: 2_000 }, logger: false });
    for (const event of ['metricRecorded', 'flushed', 'dropped', 'error'] as const) {
      monitor.on(event, () => {
        throw new Error(`${event} listener bug`);
      });
    }
    const caught = await escaped(async () => {
      monitor.recordMetric({ metricType: 'queue_wait', value: 3 });
      monitor.recordJobExecution('export', true, 1_500);
      monitor.counter({ name: 'a_total' }).inc(-1);
      await monitor.flush();
      storage.fail();
      monitor.counter({ name: 'a_total' }).inc();
      await clock.advanceAsync(30_000); // the slot and flush timers fire, the write fails
      const closing = monitor.close();
      await clock.advanceAsync(2_000);
      await closing;
    });
    expect(caught).toEqual([]);
  });
});

describe('the logger option', () => {
  it('close() with the store down and nobody listening logs once, by default with console.warn', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() });
    storage.fail();
    const monitor = createMonitor({ clock, storage, flush: { closeTimeout: 5_000, retry: { initialDelay: 100, jitter: 0 } } });
    monitor.counter({ name: 'requests_total' }).inc();
    const closing = monitor.close();
    await clock.advanceAsync(5_000);
    await closing;
    expect(warn).toHaveBeenCalledTimes(1);
    // One line: the loss first, then what else went wrong (the failed writes, at least).
    const line = String(warn.mock.calls[0]![0]);
    expect(line).toMatch(/^pulsewatch: while closing: \d+ rollups or notifications were dropped \(shutdown\); /);
    expect(line).toContain('storage failed (attempt 1)');
  });

  it('writes to a logger you pass, and nowhere with logger: false', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const lines: string[] = [];
    const logged = createMonitor({ clock: new ManualClock(T0), logger: { warn: (m) => lines.push(m) } });
    logged.counter({ name: 'x_total' }).inc(-1);
    const silent = createMonitor({ clock: new ManualClock(T0), logger: false });
    silent.counter({ name: 'x_total' }).inc(-1);
    await Promise.all([logged.close(), silent.close()]);
    expect(lines).toEqual(['pulsewatch: metric "x_total": dropped -1: counter increments must be finite and >= 0; listen to the monitor\'s "error" event to handle these']);
    expect(warn).not.toHaveBeenCalled();
  });

  it('rejects a logger without warn(), naming the option', () => {
    expect(() => createMonitor({ logger: {} as never })).toThrow(/invalid monitor options: logger: /);
    expect(() => createMonitor({ logger: true as never })).toThrow(/logger/);
  });
});
