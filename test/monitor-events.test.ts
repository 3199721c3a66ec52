import { afterEach, describe, expect, it, vi } from 'vitest';
import { StorageError, type PulsewatchError } from '../src/core/errors.js';
import { createMonitor } from '../src/monitor.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { createHarness, droppedCount, T0 } from './helpers/monitor-harness.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a listener that throws never throws into the host (issue 14, item 6)', () => {
  it("an 'error' listener: counter.inc(-1) still returns, and the listeners before it got the error", () => {
    const { monitor } = createHarness();
    const heard: PulsewatchError[] = [];
    monitor.on('error', (e) => heard.push(e));
    monitor.on('error', () => {
      throw new Error('listener bug');
    });
    expect(() => monitor.counter({ name: 'requests_total' }).inc(-1)).not.toThrow();
    expect(heard).toHaveLength(1);
    expect(heard[0]!.code).toBe('ERR_PULSEWATCH_VALIDATION');
  });

  it("a 'flushed' or 'dropped' listener: flush() and close() resolve, and the throw is reported on 'error'", async () => {
    const { clock, monitor, events, storage } = createHarness({ flush: { maxBuffered: 1 } });
    monitor.on('flushed', () => {
      throw new Error('flushed listener bug');
    });
    monitor.on('dropped', () => {
      throw new Error('dropped listener bug');
    });
    monitor.counter({ name: 'a_total' }).inc();
    monitor.counter({ name: 'b_total' }).inc(); // two rollups (and the gauge) in a buffer of one: drops
    await expect(monitor.flush()).resolves.toBeUndefined();
    storage.fail();
    monitor.counter({ name: 'a_total' }).inc();
    const closing = monitor.close();
    await clock.advanceAsync(10_000); // closeTimeout: the store is down
    await expect(closing).resolves.toBeUndefined();
    const messages = events.errors.map((e) => e.message);
    expect(messages).toContain('a "flushed" listener threw: flushed listener bug');
    expect(messages).toContain('a "dropped" listener threw: dropped listener bug');
    expect(droppedCount(events, 'buffer_full')).toBeGreaterThan(0);
  });

  it("a 'metricRecorded' listener: recordJobExecution and recordMetric return, even in strict mode", () => {
    for (const strict of [false, true]) {
      const monitor = createMonitor({ clock: new ManualClock(T0), strict });
      const errors: PulsewatchError[] = [];
      monitor.on('error', (e) => errors.push(e));
      monitor.on('metricRecorded', () => {
        throw new Error('metricRecorded listener bug');
      });
      expect(() => monitor.recordJobExecution('export', true, 1_500)).not.toThrow();
      expect(() => monitor.recordMetric({ metricType: 'queue_wait', value: 3 })).not.toThrow();
      expect(errors.map((e) => e.message)).toEqual(['a "metricRecorded" listener threw: metricRecorded listener bug', 'a "metricRecorded" listener threw: metricRecorded listener bug']);
      // What the listener was told about was recorded all the same.
      expect(monitor.exportPrometheusMetrics()).toContain('job_executions_total{job="export",outcome="success"} 1');
    }
  });
});

describe('a loss nobody listens for is logged (issue 14, item 6)', () => {
  it('logs the first storage failure with console.warn, then at most one a minute with the count not shown', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clock = new ManualClock(T0);
    const { storage } = createHarness();
    storage.fail();
    const monitor = createMonitor({ clock, storage, flush: { retry: { initialDelay: 1_000, jitter: 0 } } });
    monitor.counter({ name: 'requests_total' }).inc();
    await monitor.flush();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^pulsewatch: writing \d+ rollups to "flaky" storage failed \(attempt 1\); kept for retry; listen to the monitor's "error" event/);
    await clock.advanceAsync(30_000); // retries within the minute: counted, not logged
    expect(warn).toHaveBeenCalledTimes(1);
    await clock.advanceAsync(40_000);
    expect(warn.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(warn.mock.calls[1]![0]).toMatch(/\(\d+ more since the last warning\)/);
  });

  it('stays quiet when an error listener is there', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { monitor, storage } = createHarness(); // the harness listens to 'error'
    storage.fail();
    monitor.counter({ name: 'requests_total' }).inc(-1);
    monitor.counter({ name: 'requests_total' }).inc();
    await monitor.flush();
    expect(warn).not.toHaveBeenCalled();
    expect(new StorageError('x').code).toBe('ERR_PULSEWATCH_STORAGE');
  });

  it('logs a refused value once a minute per error code, apart from storage failures', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const clock = new ManualClock(T0);
    const bare = createMonitor({ clock });
    const requests = bare.counter({ name: 'x_total' });
    requests.inc(-1);
    requests.inc(-2);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe('pulsewatch: metric "x_total": dropped -1: counter increments must be finite and >= 0; listen to the monitor\'s "error" event to handle these');
    bare.recordMetric({ metricType: 'queue_wait', value: -1 }); // the same code: counted, not logged
    expect(warn).toHaveBeenCalledTimes(1);
    clock.advance(60_000);
    requests.inc(-3);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls[1]![0]).toMatch(/dropped -3: .* \(2 more since the last warning\)/);
    await bare.close();
  });
});

describe('late-record share of the buffer (limits.lateBufferShare)', () => {
  it('bounds the late rollups by flush.maxBuffered x limits.lateBufferShare', () => {
    const { monitor, events } = createHarness({ flush: { maxBuffered: 100 }, limits: { lateBufferShare: 0.1 } });
    for (let i = 0; i < 20; i++) monitor.recordMetric({ metricType: 'late_wait', value: 1, tags: { i: String(i) }, timestamp: T0 - 60_000 });
    // 10 of 100 may wait: the default share (0.25) would have kept all 20.
    expect(droppedCount(events, 'late')).toBe(10);
  });
});

describe('on() with arguments that are not an event name and a listener', () => {
  it('throws a ConfigError, never the TypeError a hostile object would raise', () => {
    const monitor = createMonitor({ clock: new ManualClock(0) });
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    expect(() => monitor.on(proxy as never, (() => undefined) as never)).toThrow(/event name must be a string/);
    expect(() => monitor.on('error', 5 as never)).toThrow(/listener must be a function/);
    expect(() => monitor.off(proxy as never, (() => undefined) as never)).not.toThrow();
    void monitor.close();
  });
});
