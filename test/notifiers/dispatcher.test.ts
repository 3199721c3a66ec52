import { describe, expect, it } from 'vitest';
import { isNotificationError, NotificationError } from '../../src/core/errors.js';
import type { Notifier } from '../../src/notifiers/contract.js';
import { deadLetterId } from '../../src/notifiers/dispatcher.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { makeNotification, notifierHarness, resolvedNotification, T0, until } from '../helpers/notifier-fixtures.js';
import { sampleValue } from '../helpers/monitor-harness.js';

describe('dispatch', () => {
  it('returns at once and delivers to every channel when none is named', async () => {
    const a = capturingNotifier({ name: 'a' });
    const b = capturingNotifier({ name: 'b' });
    const h = notifierHarness([a, b]);
    const n = makeNotification();
    const sent = h.nextSent(2);
    expect(h.monitor.notifications.dispatch(n, [])).toBeUndefined();
    expect(a.calls).toHaveLength(0); // no notifier code ran inside dispatch()
    const events = await sent;
    expect(events.map((e) => e.channel).sort()).toEqual(['a', 'b']);
    expect(events.every((e) => e.attempts === 1)).toBe(true);
    expect(a.sent).toEqual([n]);
    expect(b.sent).toEqual([n]);
  });

  it('sends only to the named channels', async () => {
    const a = capturingNotifier({ name: 'a' });
    const b = capturingNotifier({ name: 'b' });
    const h = notifierHarness([a, b]);
    h.monitor.notifications.dispatch(makeNotification(), ['b']);
    await h.monitor.notifications.idle();
    expect(a.sent).toHaveLength(0);
    expect(b.sent).toHaveLength(1);
  });

  it('gives each channel its own copy, taken at dispatch time', async () => {
    const mutating: Notifier = {
      name: 'mutating',
      async send(n) {
        (n.alert.labels as Record<string, string>).route = 'changed';
      },
    };
    const capture = capturingNotifier({ name: 'capture' });
    const h = notifierHarness([mutating, capture]);
    const n = makeNotification();
    h.monitor.notifications.dispatch(n, ['mutating', 'capture']);
    (n.alert as { message: string }).message = 'changed after dispatch';
    await h.monitor.notifications.idle();
    expect(capture.sent[0]!.alert.labels.route).toBe('/checkout');
    expect(capture.sent[0]!.alert.message).not.toBe('changed after dispatch');
  });

  it('delivers one channel in order: a resolution never overtakes its firing message, even across retries', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failNext(1);
    const h = notifierHarness([capture]);
    h.monitor.notifications.dispatch(makeNotification(), []);
    h.monitor.notifications.dispatch(resolvedNotification(), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('backoff');
    await h.clock.advanceAsync(1_000);
    await h.monitor.notifications.idle();
    expect(capture.sent.map((n) => n.status)).toEqual(['firing', 'resolved']);
  });

  it('turns an unknown channel into a failed, dead-lettered notification instead of throwing', async () => {
    const h = notifierHarness([capturingNotifier({ name: 'a' })]);
    const failed = h.nextFailed();
    expect(() => h.monitor.notifications.dispatch(makeNotification(), ['nope'])).not.toThrow();
    const [event] = await failed;
    expect(event!.channel).toBe('nope');
    expect(event!.deadLettered).toBe(true);
    expect(event!.error.retryable).toBe(false);
    expect(h.events.errors.some((e) => isNotificationError(e) && e.channel === 'nope')).toBe(true);
  });
});

describe('retries', () => {
  it('retries with exponential backoff on the clock, then succeeds and reports the attempts', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failNext(2);
    const h = notifierHarness([capture]);
    const sent = h.nextSent();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('backoff');
    expect(capture.calls).toHaveLength(1);
    await h.clock.advanceAsync(999);
    expect(capture.calls).toHaveLength(1); // first retry is due after exactly 1 s
    await h.clock.advanceAsync(1);
    await h.clock.idle();
    expect(capture.calls).toHaveLength(2);
    expect(h.phase('capture')).toBe('backoff');
    await h.clock.advanceAsync(1_999);
    expect(capture.calls).toHaveLength(2); // then 2 s (factor 2)
    await h.clock.advanceAsync(1);
    const [event] = await sent;
    expect(event!.attempts).toBe(3);
    expect(h.events.failed).toHaveLength(0);
  });

  it('dead-letters after `retries` retries, with the last error, and reports it', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways(new NotificationError('capture', 'HTTP 500 from the receiver', { status: 500 }));
    const h = notifierHarness([capture]);
    const failed = h.nextFailed();
    const n = makeNotification();
    h.monitor.notifications.dispatch(n, []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('backoff');
    await h.clock.advanceAsync(1_000);
    await h.clock.idle();
    expect(capture.calls).toHaveLength(2);
    expect(h.phase('capture')).toBe('backoff');
    await h.clock.advanceAsync(2_000);
    const [event] = await failed;
    expect(capture.calls).toHaveLength(3); // 1 + retries (2)
    expect(event).toMatchObject({ channel: 'capture', attempts: 3, deadLettered: true });
    expect(event!.error.status).toBe(500);
    const letters = await h.monitor.notifications.listDeadLetters();
    expect(letters).toEqual([
      { id: deadLetterId('capture', n), channel: 'capture', notification: n, error: 'channel "capture": HTTP 500 from the receiver', attempts: 3, failedAt: T0 + 3_000 },
    ]);
    expect(h.events.errors.filter(isNotificationError)).toHaveLength(1);
  });

  it('does not retry an error marked not retryable (a 4xx other than 408/429)', async () => {
    const capture = capturingNotifier({ name: 'capture' }).failNext(1, new NotificationError('capture', 'HTTP 400', { status: 400, retryable: false }));
    const h = notifierHarness([capture]);
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    const [event] = await failed;
    expect(event!.attempts).toBe(1);
    expect(capture.calls).toHaveLength(1);
  });

  it('treats an error that is not a NotificationError as retryable and wraps it without its secrets', async () => {
    const leaky: Notifier = {
      name: 'leaky',
      async send() {
        throw new Error('POST https://hooks.example.com/services/T000/B000/XXXXSECRET failed with Bearer abcdef123456');
      },
    };
    const h = notifierHarness([leaky], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    const [event] = await failed;
    expect(event!.error.retryable).toBe(true);
    const letter = (await h.monitor.notifications.listDeadLetters())[0]!;
    for (const text of [event!.error.message, letter.error, String((event!.error.cause as Error).message)]) {
      expect(text).not.toContain('XXXXSECRET');
      expect(text).not.toContain('abcdef123456');
      expect(text).toContain('hooks.example.com');
    }
  });
});

describe('timeouts and hanging channels', () => {
  it('aborts an attempt when the timeout passes on the clock, through the signal given to send', async () => {
    const capture = capturingNotifier({ name: 'capture' }).hang();
    const h = notifierHarness([capture], { timeout: 5_000, retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await until(() => capture.calls.length === 1);
    // advance(), not advanceAsync(): the send hangs until the timeout aborts it.
    h.clock.advance(4_999);
    expect(capture.calls[0]!.outcome).toBe('pending');
    h.clock.advance(1);
    const [event] = await failed;
    expect(capture.calls[0]!.outcome).toBe('aborted');
    expect(event!.error.message).toBe('channel "capture": send timed out after 5000 ms');
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_notification_attempts_total{channel="capture",result="timeout"}')).toBe(1);
  });

  it("uses a notifier's own timeout over the dispatcher's", async () => {
    const slow: Notifier = { name: 'slow', timeout: 100, send: (_n, { signal }) => new Promise((_r, reject) => signal.addEventListener('abort', () => reject(signal.reason))) };
    const h = notifierHarness([slow], { timeout: 60_000, retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await until(() => h.phase('slow') === 'sending');
    h.clock.advance(100); // the send hangs until the timeout aborts it
    expect((await failed)[0]!.error.message).toContain('timed out after 100 ms');
  });

  it('gives up on a notifier that ignores its signal, without waiting for it', async () => {
    const deaf: Notifier = { name: 'deaf', send: () => new Promise(() => {}) };
    const h = notifierHarness([deaf], { timeout: 1_000, retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await until(() => h.phase('deaf') === 'sending');
    h.clock.advance(1_000); // the send never ends: only the timeout does
    expect((await failed)[0]!.error.message).toContain('timed out');
  });

  it('keeps delivering on other channels while one hangs', async () => {
    const stuck = capturingNotifier({ name: 'stuck' }).hang();
    const fine = capturingNotifier({ name: 'fine' });
    const h = notifierHarness([stuck, fine], { timeout: 60_000 });
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `alert-1:${i}` }), []);
    await fine.waitFor(3);
    expect(fine.sent.map((n) => n.id)).toEqual(['alert-1:1', 'alert-1:2', 'alert-1:3']);
    expect(stuck.calls).toHaveLength(1);
    expect(h.monitor.notifications.status().find((s) => s.name === 'stuck')).toMatchObject({ phase: 'sending', queued: 2 });
    await h.monitor.notifications.close(0);
  });
});

describe('the queue bound', () => {
  it('dead-letters the oldest waiting notification past maxQueued', async () => {
    const stuck = capturingNotifier({ name: 'stuck' }).hang();
    const h = notifierHarness([stuck], { maxQueued: 2, timeout: 60_000 });
    const failed = h.nextFailed();
    for (let i = 1; i <= 4; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    // n:1 is in flight; n:2..n:4 wait, one too many: n:2 goes.
    const [event] = await failed;
    expect(event!.notification.id).toBe('n:2');
    expect(event!.error.message).toContain('full queue (maxQueued 2)');
    expect(event!.attempts).toBe(0);
    expect(h.monitor.notifications.status()[0]!.queued).toBe(2);
    expect(sampleValue(h.monitor.exportPrometheusMetrics(), 'pulsewatch_notification_queue_size{channel="stuck"}')).toBe(2);
    await h.monitor.notifications.close(0);
  });
});
