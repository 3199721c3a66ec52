import { describe, expect, it } from 'vitest';
import { isNotificationError, isTimeoutError, StorageError, type PulsewatchError } from '../src/core/errors.js';
import type { DroppedEvent } from '../src/core/events.js';
import type { Notifier } from '../src/notifiers/contract.js';
import type { NotificationFailedEvent } from '../src/notifiers/events.js';
import { createMonitor, type Monitor } from '../src/monitor.js';
import type { MonitorOptions } from '../src/monitor-options.js';
import { CLOSE_GRACE_MS } from '../src/monitor-close.js';
import { MemoryStorage } from '../src/storage/memory/memory-storage.js';
import type { StorageAdapter } from '../src/storage/contract.js';
import { capturingNotifier } from '../src/testing/capturing-notifier.js';
import { ManualClock } from '../src/testing/manual-clock.js';
import { delegatingStorage } from './helpers/delegating-storage.js';
import { makeNotification, T0 } from './helpers/notifier-fixtures.js';

/** Work that never settles: what a paused Redis or a wedged SMTP connection looks like from here. */
const never = (): Promise<never> => new Promise<never>(() => {});

interface Setup {
  clock: ManualClock;
  monitor: Monitor;
  errors: PulsewatchError[];
  dropped: DroppedEvent[];
  failed: NotificationFailedEvent[];
  /** Starts close(); `settled()` says whether it has resolved yet. */
  close(): { done: Promise<void>; settled: () => boolean };
}

function setup(options: MonitorOptions & { storage?: StorageAdapter } = {}): Setup {
  const clock = new ManualClock(T0);
  const monitor = createMonitor({ flush: { closeTimeout: '2s' }, ...options, clock });
  const errors: PulsewatchError[] = [];
  const dropped: DroppedEvent[] = [];
  const failed: NotificationFailedEvent[] = [];
  monitor.on('error', (e) => errors.push(e));
  monitor.on('dropped', (e) => dropped.push(e));
  monitor.on('notificationFailed', (e) => failed.push(e));
  return {
    clock,
    monitor,
    errors,
    dropped,
    failed,
    close() {
      let settled = false;
      const done = monitor.close().then(() => void (settled = true));
      return { done, settled: () => settled };
    },
  };
}

describe('close() is bounded by flush.closeTimeout plus the grace (issue 14, item 8)', () => {
  it('abandons a notifier whose close() never resolves, and names it', async () => {
    const hanging: Notifier = { name: 'smtp', send: async () => {}, close: never };
    const s = setup({ notifiers: [hanging] });
    const closing = s.close();
    await s.clock.advanceAsync(2_000);
    expect(closing.settled()).toBe(false); // the grace is for exactly this bookkeeping
    await s.clock.advanceAsync(CLOSE_GRACE_MS);
    expect(closing.settled()).toBe(true);
    await closing.done;
    const error = s.errors.find(isNotificationError);
    expect(error?.message).toBe(`channel "smtp": the notifier's close() did not finish within ${2_000 + CLOSE_GRACE_MS / 2} ms; abandoned`);
  });

  it('abandons a dead-letter write that hangs: the notification ends as failed, not dead-lettered, and is counted as a shutdown drop', async () => {
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: never });
    const failing = capturingNotifier({ name: 'hook' }).failAlways();
    // The dead-letter save's own deadline (the attempt timeout) lies past close()'s budget: close() ends it.
    const s = setup({ storage, notifiers: [failing], notifications: { retries: 0, timeout: '1m' } });
    s.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    // The dispatcher's shutdown arms its abandonment when it starts, after the rule engine stopped.
    const dispatcherClosing = new Promise<void>((resolve) => {
      const close = s.monitor.notifications.close.bind(s.monitor.notifications);
      s.monitor.notifications.close = (ms, grace) => (resolve(), close(ms, grace));
    });
    const closing = s.close();
    await dispatcherClosing;
    // advance(), not advanceAsync(): the save never answers, so nothing is idle before a deadline ends it.
    s.clock.advance(2_000 + CLOSE_GRACE_MS / 2);
    await closing.done;
    // Settled with the clock at closeTimeout plus the dispatcher's half of the grace: within the bound.
    expect(s.clock.now() - T0).toBeLessThanOrEqual(2_000 + CLOSE_GRACE_MS);
    expect(s.failed).toHaveLength(1);
    expect(s.failed[0]).toMatchObject({ channel: 'hook', deadLettered: false, notification: { id: 'n:1' } });
    expect(s.errors.some((e) => e instanceof StorageError && e.message.includes('did not finish before close() gave up; the notification is lost'))).toBe(true);
    expect(s.dropped).toContainEqual({ reason: 'shutdown', count: 1 });
    // Nothing is left running for idle() to wait on.
    await s.monitor.idle();
  });

  it('settles within closeTimeout plus the grace even when the clock jumps past every deadline before the dispatcher starts closing', async () => {
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: never });
    const failing = capturingNotifier({ name: 'hook' }).failAlways();
    const s = setup({ storage, notifiers: [failing], notifications: { retries: 0, timeout: '1m' } });
    s.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    const closing = s.close();
    s.clock.advance(2_000 + CLOSE_GRACE_MS);
    await closing.done;
    expect(s.clock.now() - T0).toBe(2_000 + CLOSE_GRACE_MS);
    expect(s.errors.find(isTimeoutError)?.message).toContain('closing the notifiers');
  });

  it('abandons an onClose hook that never resolves at closeTimeout, and still writes the rollups', async () => {
    const storage = new MemoryStorage({ now: () => T0 });
    const s = setup({ storage });
    s.monitor.counter({ name: 'requests_total' }).inc(3);
    s.monitor.onClose(never);
    const closing = s.close();
    await s.clock.advanceAsync(1_999);
    expect(closing.settled()).toBe(false);
    await s.clock.advanceAsync(1);
    // Settles with the clock standing at closeTimeout: nothing after the hook waits on a timer.
    await closing.done;
    const timeout = s.errors.find(isTimeoutError);
    expect(timeout?.message).toContain('an onClose hook');
    expect((await storage.queryRollups({ name: 'requests_total' })).map((r) => r.sum)).toEqual([3]);
    expect(s.dropped).toEqual([]);
  });

  it('abandons a store the monitor created whose close() never resolves', async () => {
    const s = setup();
    (s.monitor.storage as MemoryStorage).close = never;
    const closing = s.close();
    await s.clock.advanceAsync(2_000 + CLOSE_GRACE_MS - 1);
    expect(closing.settled()).toBe(false);
    await s.clock.advanceAsync(1);
    expect(closing.settled()).toBe(true);
    await closing.done;
    expect(s.errors.find(isTimeoutError)?.message).toContain('storage.close()');
  });

  it('reports a rollup write that never answers as dropped at closeTimeout', async () => {
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', writeRollups: never });
    const s = setup({ storage });
    s.monitor.counter({ name: 'requests_total' }).inc();
    const closing = s.close();
    // advance(), not advanceAsync(): the write never answers, so nothing would be idle before closeTimeout.
    s.clock.advance(2_000);
    // Settles with the clock standing at closeTimeout.
    await closing.done;
    // requests_total and the monitor's own gauge: nothing was written, everything is counted.
    expect(s.dropped).toEqual([{ reason: 'shutdown', count: 2 }]);
  });

  it('settles on the system clock with everything hanging at once (a real hang, not a manual clock)', async () => {
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: never, writeRollups: never });
    const failing = capturingNotifier({ name: 'hook' }).failAlways();
    const hanging: Notifier = { name: 'smtp', send: never, close: never };
    const monitor = createMonitor({ storage, notifiers: [failing, hanging], notifications: { retries: 0 }, flush: { closeTimeout: 50 } });
    const errors: PulsewatchError[] = [];
    monitor.on('error', (e) => errors.push(e));
    monitor.counter({ name: 'requests_total' }).inc();
    monitor.onClose(never);
    monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    const started = performance.now();
    await monitor.close();
    // Bounded by 50 ms + the 1 s grace; the margin is for a loaded machine, not for the code.
    expect(performance.now() - started).toBeLessThan(50 + CLOSE_GRACE_MS + 2_000);
    expect(errors.some(isTimeoutError)).toBe(true);
  });
});
