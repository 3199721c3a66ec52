import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, isConfigError, StorageError } from '../src/core/errors.js';
import { createMonitor } from '../src/monitor.js';
import type { MonitorOptions } from '../src/monitor-options.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { FlakyStorage } from './helpers/flaky-storage.js';
import { createHarness, T0 } from './helpers/monitor-harness.js';

function configError(options: unknown): ConfigError {
  try {
    createMonitor(options as MonitorOptions);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected createMonitor to throw');
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

describe('options', () => {
  it.each([
    [{ flush: { interval: 0 } }, 'flush.interval', 'greater than 0'],
    [{ flush: { interval: 'soon' } }, 'flush.interval', '"soon"'],
    [{ flush: { interval: -5 } }, 'flush.interval', 'got -5'],
    [{ flush: { batchSize: 0 } }, 'flush.batchSize', '>0'],
    [{ flush: { batchSize: 1.5 } }, 'flush.batchSize', 'int'],
    [{ flush: { maxBuffered: -1 } }, 'flush.maxBuffered', '>0'],
    [{ flush: { closeTimeout: '10 parsecs' } }, 'flush.closeTimeout', '"10 parsecs"'],
    [{ flush: { retry: { initialDelay: 0 } } }, 'flush.retry.initialDelay', 'greater than 0'],
    [{ flush: { retry: { factor: 0.5 } } }, 'flush.retry.factor', '>=1'],
    [{ flush: { retry: { jitter: 2 } } }, 'flush.retry.jitter', '<=1'],
    [{ flush: 5 }, 'flush', 'expected object'],
    [{ histogram: { slotLength: 'x' } }, 'histogram.slotLength', '"x"'],
    [{ service: '' }, 'service', '>=1'],
    [{ storage: {} }, 'storage', 'must have a non-empty name and a close() method'],
    [{ clock: { now: () => 0 } }, 'clock', 'must implement now, monotonic'],
  ])('rejects %o with a ConfigError naming the option path and the problem', (options, path, problem) => {
    const error = configError(options);
    expect(error.code).toBe('ERR_PULSEWATCH_CONFIG');
    expect(isConfigError(error)).toBe(true);
    expect(error.message).toContain(`${path}: `);
    expect(error.message).toContain(problem);
    expect(error.cause).toBeDefined();
  });

  it('applies the documented defaults', () => {
    const { options } = createMonitor({ clock: new ManualClock() });
    expect(options.service).toBe('app');
    expect(options.flush).toEqual({
      interval: 30_000,
      batchSize: 100,
      concurrency: 4,
      maxBuffered: 10_000,
      closeTimeout: 10_000,
      retry: { initialDelay: 1_000, maxDelay: 60_000, factor: 2, jitter: 0.2 },
    });
    expect(options.histogram.slotLength).toBe(30_000);
  });

  it('accepts durations as strings', () => {
    const { options } = createMonitor({ clock: new ManualClock(), flush: { interval: '1m', closeTimeout: '2.5s' } });
    expect(options.flush.interval).toBe(60_000);
    expect(options.flush.closeTimeout).toBe(2_500);
  });

  it('never writes to the caller’s options object (frozen and passed in)', () => {
    const clock = new ManualClock();
    const storage = new MemoryStorage();
    const options = deepFreeze({ service: 'api', flush: { batchSize: 10, retry: { jitter: 0 } }, histogram: {}, limits: {} });
    const before = JSON.stringify(options);
    const monitor = createMonitor({ ...options, clock, storage });
    expect(JSON.stringify(options)).toBe(before);
    expect(monitor.options).not.toBe(options);
    expect(monitor.options.flush.batchSize).toBe(10);
    expect(monitor.options.flush.maxBuffered).toBe(10_000);
    expect(Object.isFrozen(monitor.options)).toBe(true);
  });

  it('lets two monitors share one options object without sharing state', async () => {
    const options = deepFreeze({ flush: { batchSize: 5 } });
    const a = createHarness(options);
    const b = createHarness(options);
    a.monitor.counter({ name: 'requests_total' }).inc(2);
    b.monitor.counter({ name: 'requests_total' }).inc(7);
    await a.monitor.close();
    await b.monitor.close();
    expect((await a.storage.inner.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([2]);
    expect((await b.storage.inner.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([7]);
  });
});

describe('close()', () => {
  it('stops every timer of the monitor', async () => {
    const { clock, monitor } = createHarness();
    monitor.counter({ name: 'requests_total' }).inc(); // the first use starts the timers
    expect(clock.pendingTimers).toBeGreaterThan(0);
    await monitor.close();
    expect(clock.pendingTimers).toBe(0);
  });

  it('returns the same promise when called twice and writes once', async () => {
    const { monitor, storage } = createHarness();
    monitor.counter({ name: 'requests_total' }).inc();
    const first = monitor.close();
    expect(monitor.close()).toBe(first);
    await first;
    expect(storage.userRollups).toHaveLength(1);
  });

  it('closes the storage the monitor created, and leaves a storage passed in open', async () => {
    const own = createMonitor({ clock: new ManualClock() });
    own.counter({ name: 'requests_total' }).inc();
    await own.close();
    await expect(own.storage.queryRollups({ name: 'requests_total' })).rejects.toBeInstanceOf(StorageError);

    const { monitor, storage } = createHarness();
    await monitor.close();
    expect(storage.closeCalls).toBe(0);
    await expect(storage.queryRollups({ name: 'requests_total' })).resolves.toEqual([]);
  });

  it('writes to the monitor-created store before closing it', async () => {
    const clock = new ManualClock(T0);
    const monitor = createMonitor({ clock });
    const storage = monitor.storage as MemoryStorage;
    let written: number | undefined;
    const write = storage.writeRollups.bind(storage);
    storage.writeRollups = async (rollups, o) => {
      await write(rollups, o);
      written = rollups.filter((r) => r.name === 'requests_total').length;
    };
    monitor.counter({ name: 'requests_total' }).inc();
    await monitor.close();
    expect(written).toBe(1);
  });

  it('resolves with storage down once the close timeout has passed, on the manual clock', async () => {
    const clock = new ManualClock(T0);
    const storage = new FlakyStorage({ now: () => clock.now() }).fail();
    const monitor = createMonitor({ clock, storage, flush: { closeTimeout: '3s' } });
    monitor.on('error', () => {});
    monitor.counter({ name: 'requests_total' }).inc();
    let closed = false;
    const closing = monitor.close().then(() => (closed = true));
    await clock.advanceAsync(2_999);
    expect(closed).toBe(false);
    await clock.advanceAsync(1);
    await closing;
    expect(closed).toBe(true);
  });
});

describe('timers on the system clock', () => {
  const fixture = fileURLToPath(new URL('./helpers/idle-monitor.ts', import.meta.url));

  /** Runs the fixture in a child Node process; kills it if it has not exited after `limitMs`. */
  function runChild(mode: string, limitMs = 10_000): Promise<{ code: number | null; exitedByItself: boolean; stdout: string; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      let killed = false;
      const limit = setTimeout(() => {
        killed = true;
        child.kill('SIGKILL');
      }, limitMs);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(limit);
        resolve({ code, exitedByItself: !killed, stdout, stderr });
      });
    });
  }

  // Liveness checks, not timing assertions: each child would otherwise run for good (the flush
  // and slot timers re-arm forever), so the generous limit only turns a hang into a failure.
  it('do not keep a Node process alive: an idle monitor that recorded lets the process exit', async () => {
    const result = await runChild('idle');
    expect(result.stderr).toBe('');
    expect(result.exitedByItself).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('recorded');
  });

  it('do not keep it alive while a failed write waits for its retry either', async () => {
    const result = await runChild('failing');
    expect(result.stderr).toBe('');
    expect(result.exitedByItself).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/recorded, buffered=[1-9]/);
  });

  it('but close() holds the process until its retry has written the data', async () => {
    const result = await runChild('closing');
    expect(result.stderr).toBe('');
    expect(result.exitedByItself).toBe(true);
    expect(result.stdout).toMatch(/closed, written=[1-9]/);
  });
});

describe('onClose()', () => {
  it('runs hooks once when the monitor closes, reports one that throws, and lets a hook be removed', async () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    const calls: string[] = [];
    const errors: string[] = [];
    monitor.on('error', (e) => errors.push(e.message));
    monitor.onClose(() => {
      calls.push('a');
    });
    monitor.onClose(() => {
      throw new Error('hook failed');
    });
    const remove = monitor.onClose(() => {
      calls.push('removed');
    });
    remove();
    await Promise.all([monitor.close(), monitor.close()]);
    expect(calls).toEqual(['a']);
    expect(errors).toEqual(['an onClose hook threw: hook failed']);
  });
});
