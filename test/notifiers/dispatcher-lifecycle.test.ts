import { describe, expect, it } from 'vitest';
import { ClosedError, isNotFoundError, NotificationError } from '../../src/core/errors.js';
import type { Notifier } from '../../src/notifiers/contract.js';
import { createMonitor } from '../../src/monitor.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { sampleValue } from '../helpers/monitor-harness.js';
import { delegatingStorage } from '../helpers/delegating-storage.js';
import { MemoryStorage } from '../../src/storage/memory/memory-storage.js';
import { makeNotification, notifierHarness, until } from '../helpers/notifier-fixtures.js';

describe('the circuit breaker of a channel', () => {
  const options = { retries: 0, breaker: { failureThreshold: 3, resetTimeout: 10_000 } };

  // The reset timer runs on the monitor's clock: the ManualClock alone drives recovery.
  it('opens after consecutive failed attempts and holds later notifications instead of losing them', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], options);
    const failed = h.nextFailed(3);
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await failed;
    expect(h.events.breakers).toEqual([{ name: 'notifier:capture', from: 'closed', to: 'open', at: h.clock.now() }]);
    const text = h.monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'pulsewatch_notification_breaker_state{channel="capture",state="open"}')).toBe(1);
    expect(sampleValue(text, 'pulsewatch_notification_breaker_state{channel="capture",state="closed"}')).toBe(0);

    capture.recover();
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:4' }), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('breakerOpen');
    expect(capture.calls).toHaveLength(3); // n:4 was not tried while open
    h.clock.advance(9_999);
    await h.clock.idle();
    expect(capture.calls).toHaveLength(3);
    const sent = h.nextSent();
    h.clock.advance(1); // resetTimeout: half-open, one trial, which succeeds
    expect((await sent)[0]!.notification.id).toBe('n:4');
    expect(h.events.breakers.map((e) => `${e.from}->${e.to}`)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->closed']);
    expect(h.events.failed.map((e) => e.notification.id)).toEqual(['n:1', 'n:2', 'n:3']);
    await h.monitor.close();
  });

  it('opens again when the half-open trial fails, and the trial counts as an attempt', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { ...options, retries: 1, backoff: { initialDelay: 100, jitter: 0 } });
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:2' }), []);
    // n:1: attempt, 100 ms backoff, attempt (2 failures, dead-lettered); n:2: attempt -> 3rd failure opens.
    await h.clock.idle();
    expect(h.phase('capture')).toBe('backoff');
    h.clock.advance(100);
    await h.clock.idle();
    expect(h.events.breakers).toHaveLength(1);
    expect(h.phase('capture')).toBe('backoff');
    h.clock.advance(100); // n:2's backoff ends, but the breaker is open: it waits
    await h.clock.idle();
    expect(h.phase('capture')).toBe('breakerOpen');
    expect(capture.calls).toHaveLength(3);
    const failed = h.nextFailed();
    h.clock.advance(10_000); // the trial for n:2 fails: open again, and n:2 is out of retries
    expect((await failed)[0]).toMatchObject({ attempts: 2, notification: { id: 'n:2' } });
    expect(capture.calls).toHaveLength(4);
    expect(h.events.breakers.map((e) => e.to)).toEqual(['open', 'halfOpen', 'open']);
    await h.monitor.close();
  });

  it('is not opened by answers that retrying cannot fix (the receiver is up)', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways(new NotificationError('capture', 'HTTP 400', { status: 400, retryable: false }));
    const h = notifierHarness([capture], options);
    const failed = h.nextFailed(5);
    for (let i = 1; i <= 5; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await failed;
    expect(h.events.breakers).toEqual([]);
  });

  it('is reset by a success: only consecutive failures count', async () => {
    const capture = capturingNotifier({ name: 'capture' });
    const h = notifierHarness([capture], options);
    for (const fail of [true, true, false, true, true]) {
      if (fail) capture.failNext(1);
      const done = fail ? h.nextFailed() : h.nextSent();
      h.monitor.notifications.dispatch(makeNotification(), []);
      await done;
    }
    expect(h.events.breakers).toEqual([]);
  });
});

describe('dead letters', () => {
  it('retryDeadLetter re-queues one, deletes it when delivered, and counts every attempt', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await failed;
    const [letter] = await h.monitor.notifications.listDeadLetters();
    capture.recover();
    const sent = h.nextSent();
    await expect(h.monitor.notifications.retryDeadLetter(letter!.id)).resolves.toBe('sent');
    expect((await sent)[0]).toMatchObject({ channel: 'capture', attempts: 2, notification: { id: letter!.notification.id } });
    expect(await h.monitor.notifications.listDeadLetters()).toEqual([]);
    expect(capture.sent).toHaveLength(1);
  });

  it('retryDeadLetter replaces the dead letter when delivery fails again', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await failed;
    const [letter] = await h.monitor.notifications.listDeadLetters();
    await expect(h.monitor.notifications.retryDeadLetter(letter!.id)).resolves.toBe('failed');
    const letters = await h.monitor.notifications.listDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ id: letter!.id, attempts: 2 });
  });

  it('retryDeadLetter shares one delivery between concurrent calls for the same id', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failNext(1);
    const h = notifierHarness([capture], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await failed;
    const [letter] = await h.monitor.notifications.listDeadLetters();
    const [a, b] = await Promise.all([h.monitor.notifications.retryDeadLetter(letter!.id), h.monitor.notifications.retryDeadLetter(letter!.id)]);
    expect([a, b]).toEqual(['sent', 'sent']);
    expect(capture.sent).toHaveLength(1);
  });

  it('retryDeadLetter rejects with NotFoundError for an unknown id', async () => {
    const h = notifierHarness([capturingNotifier({ name: 'capture' })]);
    const error = await h.monitor.notifications.retryDeadLetter('capture:nope').catch((e: unknown) => e);
    expect(isNotFoundError(error)).toBe(true);
    expect((error as Error).message).toBe('dead letter "capture:nope" not found');
  });

  it('retryDeadLetter rejects with NotFoundError when the channel is no longer configured', async () => {
    const h = notifierHarness([capturingNotifier({ name: 'capture' })]);
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), ['gone']);
    await failed;
    const [letter] = await h.monitor.notifications.listDeadLetters();
    await expect(h.monitor.notifications.retryDeadLetter(letter!.id)).rejects.toMatchObject({ code: 'ERR_PULSEWATCH_NOT_FOUND', kind: 'notifier', id: 'gone' });
  });

  it('reports a dead letter the store refused, and says it was not kept', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { retries: 0 });
    h.monitor.storage.saveDeadLetter = async () => {
      throw new Error('store down');
    };
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    expect((await failed)[0]!.deadLettered).toBe(false);
    expect(h.events.errors.some((e) => e.code === 'ERR_PULSEWATCH_STORAGE' && e.message.includes('the notification is lost'))).toBe(true);
  });
});

describe('close', () => {
  it('lets queued notifications go out before it resolves', async () => {
    const capture = capturingNotifier({ name: 'capture' });
    const h = notifierHarness([capture]);
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await h.monitor.notifications.close(10_000);
    expect(capture.sent.map((n) => n.id)).toEqual(['n:1', 'n:2', 'n:3']);
  });

  it('retries at once during close instead of waiting for the backoff', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failNext(1);
    const h = notifierHarness([capture], { retries: 2, backoff: { initialDelay: 60_000 } });
    h.monitor.notifications.dispatch(makeNotification(), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('backoff');
    await h.monitor.notifications.close(10_000); // no clock advance needed
    expect(capture.sent).toHaveLength(1);
  });

  it('at the deadline aborts the send in flight and dead-letters it and everything queued', async () => {
    const stuck = capturingNotifier({ name: 'stuck' }).hang();
    const h = notifierHarness([stuck], { timeout: 60_000 });
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await until(() => h.phase('stuck') === 'sending');
    let closed = false;
    const closing = h.monitor.notifications.close(5_000).then(() => (closed = true));
    // advance(), not advanceAsync(): the send hangs until the deadline aborts it, so nothing is idle before.
    h.clock.advance(4_999);
    expect(closed).toBe(false);
    h.clock.advance(1);
    await closing;
    expect(stuck.calls[0]!.outcome).toBe('aborted');
    expect(h.events.failed.map((e) => e.notification.id).sort()).toEqual(['n:1', 'n:2', 'n:3']);
    expect(h.events.failed.every((e) => e.deadLettered && e.error.message.includes('close() gave up after 5000 ms'))).toBe(true);
    expect(await h.monitor.notifications.listDeadLetters()).toHaveLength(3);
  });

  it('settles within timeoutMs + graceMs when a notifier close() and a dead-letter write never resolve (issue 14)', async () => {
    const never = (): Promise<never> => new Promise<never>(() => {});
    const stuck = capturingNotifier({ name: 'stuck' }).hang();
    const wedged: Notifier = { name: 'wedged', send: async () => {}, close: never };
    const h = notifierHarness([stuck, wedged], { timeout: 60_000 }, delegatingStorage(new MemoryStorage(), { name: 'paused', saveDeadLetter: never }));
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), ['stuck']);
    await until(() => h.phase('stuck') === 'sending');
    let closed = false;
    const closing = h.monitor.notifications.close(1_000, 200).then(() => (closed = true));
    // advance(): the send, the dead-letter write and close() never end; only the deadline does.
    h.clock.advance(1_199);
    expect(closed).toBe(false);
    h.clock.advance(1);
    await closing;
    expect(h.events.failed).toMatchObject([{ notification: { id: 'n:1' }, deadLettered: false }]);
    expect(h.events.errors.map((e) => e.message)).toContain(`channel "wedged": the notifier's close() did not finish within 1200 ms; abandoned`);
  });

  it('gives up at once on a channel whose breaker is open', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { retries: 0, breaker: { failureThreshold: 1, resetTimeout: 60_000 } });
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:2' }), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('breakerOpen');
    await h.monitor.notifications.close(10_000);
    const last = h.events.failed.find((e) => e.notification.id === 'n:2')!;
    expect(last.error.message).toContain('circuit breaker open at close()');
    expect(last.deadLettered).toBe(true);
  });

  it('turns a dispatch after close into a dead letter, and retryDeadLetter into ClosedError', async () => {
    const capture = capturingNotifier({ name: 'capture' });
    const h = notifierHarness([capture]);
    await h.monitor.notifications.close(1_000);
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    expect((await failed)[0]!.error.message).toContain('dispatched after close()');
    expect(capture.calls).toHaveLength(0);
    await expect(h.monitor.notifications.retryDeadLetter('x')).rejects.toBeInstanceOf(ClosedError);
  });

  it('closes every notifier once, reporting one that fails to close', async () => {
    let closes = 0;
    const a: Notifier = { name: 'a', send: async () => {}, close: async () => void closes++ };
    const b: Notifier = { name: 'b', send: async () => {}, close: async () => Promise.reject(new Error('pool already closed')) };
    const h = notifierHarness([a, b]);
    await Promise.all([h.monitor.notifications.close(1_000), h.monitor.notifications.close(1_000)]);
    expect(closes).toBe(1);
    expect(h.events.errors.map((e) => e.message)).toContain('channel "b": closing the notifier failed');
  });

  it('is part of monitor.close(): pending notifications go out first', async () => {
    const capture = capturingNotifier({ name: 'capture' });
    const monitor = createMonitor({ clock: new ManualClock(), notifiers: [capture] });
    monitor.notifications.dispatch(makeNotification(), []);
    await monitor.close();
    expect(capture.sent).toHaveLength(1);
  });
});

describe('self-metrics', () => {
  it('counts notifications by channel and outcome, and attempts by result', async () => {
    const ok = capturingNotifier({ name: 'ok' });
    const bad = capturingNotifier({ name: 'bad' }).failAlways();
    const h = notifierHarness([ok, bad], { retries: 1, backoff: { initialDelay: 10, jitter: 0 } });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await h.clock.idle();
    expect(h.phase('bad')).toBe('backoff');
    await h.clock.advanceAsync(10);
    await failed;
    await h.monitor.notifications.idle();
    const text = h.monitor.exportPrometheusMetrics();
    expect(sampleValue(text, 'pulsewatch_notifications_total{channel="ok",outcome="sent"}')).toBe(1);
    expect(sampleValue(text, 'pulsewatch_notifications_total{channel="ok",outcome="failed"}')).toBe(0);
    expect(sampleValue(text, 'pulsewatch_notifications_total{channel="bad",outcome="failed"}')).toBe(1);
    expect(sampleValue(text, 'pulsewatch_notification_attempts_total{channel="bad",result="failure"}')).toBe(2);
    expect(sampleValue(text, 'pulsewatch_notification_attempts_total{channel="ok",result="success"}')).toBe(1);
  });

  it('defines nothing for a monitor without notifiers', () => {
    const monitor = createMonitor({ clock: new ManualClock() });
    expect(monitor.exportPrometheusMetrics()).not.toContain('pulsewatch_notification');
  });
});
