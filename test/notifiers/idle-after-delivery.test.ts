import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../src/monitor.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { makeNotification, T0 } from '../helpers/notifier-fixtures.js';

describe('clock.idle() after a delivery that failed', () => {
  // KNOWN GAP, reported for src/notifiers/dispatcher.ts: the channel's stretch ends as the result
  // is handed out, and the dispatcher's settle() (save the dead letter, then emit
  // notificationFailed) is tracked only in its own set, not with clock.track(). With a store whose
  // save takes a round trip (Redis, PostgreSQL), idle() resolves before the event. Turn `it.fails`
  // into `it` once dispatchTo() and retry() hand settle()'s promise to ctx.clock.track().
  it.fails('waits for its dead letter to be saved and notificationFailed to be emitted', async () => {
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
