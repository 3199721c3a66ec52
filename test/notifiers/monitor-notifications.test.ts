import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/errors.js';
import { createMonitor } from '../../src/monitor.js';
import { webhookNotifier } from '../../src/notifiers/webhook.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { makeNotification, T0 } from '../helpers/notifier-fixtures.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

let receiver: Receiver;
beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

describe('notifications through a real monitor', () => {
  it('createMonitor({ clock, notifiers }) then monitor.notifications.dispatch() delivers and emits events', async () => {
    const capture = capturingNotifier({ name: 'capture' });
    const monitor = createMonitor({ clock: new ManualClock(T0), service: 'api', notifiers: [webhookNotifier({ url: receiver.url, name: 'hook' }), capture] });
    const sent: string[] = [];
    monitor.on('notificationSent', (e) => sent.push(e.channel));
    expect(monitor.notifications.notifiers.map((n) => n.name)).toEqual(['hook', 'capture']);
    monitor.notifications.dispatch(makeNotification(), []);
    await monitor.notifications.idle();
    expect(sent.sort()).toEqual(['capture', 'hook']);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ version: '4', receiver: 'hook', status: 'firing' });
    expect(capture.sent).toHaveLength(1);
    await monitor.close();
  });

  it('validates the delivery options, naming the option', () => {
    let error: unknown;
    try {
      createMonitor({ notifications: { retries: -1 } });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^invalid monitor options: notifications\.retries: /);
    expect(() => createMonitor({ notifications: { backoff: { jitter: 2 } } })).toThrow(/notifications\.backoff\.jitter/);
  });

  it('monitor.close() dead-letters what a failing channel could not deliver, into the store the caller owns', async () => {
    const storage = new MemoryStorage();
    const failing = capturingNotifier({ name: 'failing' }).failAlways();
    const monitor = createMonitor({ clock: new ManualClock(T0), storage, notifiers: [failing], notifications: { retries: 2, backoff: { initialDelay: 60_000 } } });
    monitor.on('error', () => {});
    monitor.notifications.dispatch(makeNotification(), []);
    await monitor.close(); // retries go at once while closing; no clock advance needed
    expect(failing.calls).toHaveLength(3);
    const letters = await storage.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ channel: 'failing', attempts: 3, notification: { id: 'alert-1:1' } });
  });
});
