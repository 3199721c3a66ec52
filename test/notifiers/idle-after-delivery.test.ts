import { describe, expect, it } from 'vitest';
import type { PulsewatchError } from '../../src/core/errors.js';
import type { NotificationFailedEvent } from '../../src/notifiers/events.js';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { makeNotification, T0 } from '../helpers/notifier-fixtures.js';

describe('clock.idle() after a delivery that failed', () => {
  // The channel's stretch ends as the result is handed out; the dispatcher's settle() (save the
  // dead letter, then emit notificationFailed) is handed to the clock as well, so idle() waits
  // for the event even when the save takes a round trip (Redis, PostgreSQL).
  it('waits for its dead letter to be saved and notificationFailed to be emitted', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage();
    // A store whose save takes a round trip, as Redis or PostgreSQL does, not a few microtasks.
    const storage = delegatingStorage(inner, {
      name: 'round-trip',
      saveDeadLetter: async (letter, options) => {
        await new Promise((resolve) => setImmediate(resolve));
        await inner.saveDeadLetter(letter, options);
      },
    });
    const pager = capturingNotifier({ name: 'pager' }).failNext(1);
    const monitor = createMonitor({ clock, storage, notifiers: [pager], notifications: { retries: 0 } });
    const failed: string[] = [];
    monitor.on('notificationFailed', (e) => void failed.push(e.channel));
    monitor.on('error', () => {});
    monitor.notifications.dispatch(makeNotification(), []);
    await clock.idle();
    try {
      expect(failed).toEqual(['pager']);
    } finally {
      await monitor.close();
    }
  });
});

describe('a dead-letter save that never answers is bounded by the attempt timeout', () => {
  const never = (): Promise<never> => new Promise<never>(() => {});

  it('on a ManualClock: idle() waits for it until the clock passes the timeout, then the notification is reported lost', async () => {
    const clock = new ManualClock(T0);
    let saving!: () => void;
    const saveStarted = new Promise<void>((resolve) => (saving = resolve));
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: () => (saving(), never()) });
    const pager = capturingNotifier({ name: 'pager' }).failNext(1);
    const monitor = createMonitor({ clock, storage, notifiers: [pager], notifications: { retries: 0, timeout: '5s' } });
    const failed: NotificationFailedEvent[] = [];
    const errors: PulsewatchError[] = [];
    monitor.on('notificationFailed', (e) => void failed.push(e));
    monitor.on('error', (e) => void errors.push(e));
    monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    let idled = false;
    const idle = monitor.idle().then(() => void (idled = true));
    await saveStarted;
    expect(idled).toBe(false);
    // advance(), not advanceAsync(): the save never answers; only its deadline ends it.
    clock.advance(4_999);
    expect(failed).toEqual([]);
    clock.advance(1);
    await idle;
    expect(failed).toMatchObject([{ channel: 'pager', deadLettered: false, notification: { id: 'n:1' } }]);
    expect(errors.map((e) => e.message)).toContain('saving dead letter "pager:n:1" to "paused" storage did not finish within 5000 ms; the notification is lost');
    await monitor.close();
  });

  it('on the system clock: monitor.idle() resolves once the timeout has passed, not later', async () => {
    const storage = delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: never });
    const pager = capturingNotifier({ name: 'pager' }).failNext(1);
    const monitor = createMonitor({ storage, notifiers: [pager], notifications: { retries: 0, timeout: 200 } });
    const failed: NotificationFailedEvent[] = [];
    monitor.on('notificationFailed', (e) => void failed.push(e));
    monitor.on('error', () => {});
    const started = performance.now();
    monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    await monitor.idle();
    // The bound is the 200 ms deadline; the margin is for a loaded machine, not for the code.
    expect(performance.now() - started).toBeLessThan(200 + 2_000);
    expect(failed).toMatchObject([{ deadLettered: false }]);
    await monitor.close();
  });
});

describe('clock.idle() after a dead letter is retried', () => {
  it('waits for the replaced dead letter and notificationFailed when the retry fails again', async () => {
    const clock = new ManualClock(T0);
    const inner = new MemoryStorage();
    const storage = delegatingStorage(inner, {
      name: 'round-trip',
      saveDeadLetter: async (letter, options) => {
        await new Promise((resolve) => setImmediate(resolve));
        await inner.saveDeadLetter(letter, options);
      },
    });
    const pager = capturingNotifier({ name: 'pager' }).failAlways();
    const monitor = createMonitor({ clock, storage, notifiers: [pager], notifications: { retries: 0 } });
    const failed: NotificationFailedEvent[] = [];
    monitor.on('notificationFailed', (e) => void failed.push(e));
    monitor.on('error', () => {});
    monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    await clock.idle();
    const [letter] = await monitor.notifications.listDeadLetters();
    const outcome = monitor.notifications.retryDeadLetter(letter!.id);
    await clock.idle();
    expect(failed.map((e) => e.attempts)).toEqual([1, 2]);
    expect((await monitor.notifications.listDeadLetters()).map((d) => d.attempts)).toEqual([2]);
    expect(await outcome).toBe('failed');
    await monitor.close();
  });
});
