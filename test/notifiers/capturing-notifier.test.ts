import { describe, expect, it } from 'vitest';
import { NotificationError } from '../../src/core/errors.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { makeNotification, notifierHarness, until } from '../helpers/notifier-fixtures.js';

const send = (n: ReturnType<typeof capturingNotifier>, id = 'n:1', signal = new AbortController().signal) => n.send(makeNotification({ id }), { signal });

describe('capturingNotifier', () => {
  it('records what it delivered, in order, as copies', async () => {
    const capture = capturingNotifier();
    expect(capture).toMatchObject({ name: 'capture', delivery: 'events' });
    const n = makeNotification();
    await capture.send(n, { signal: new AbortController().signal });
    await send(capture, 'n:2');
    expect(capture.sent.map((s) => s.id)).toEqual(['alert-1:1', 'n:2']);
    expect(capture.sent[0]).toEqual(n);
    expect(capture.sent[0]).not.toBe(n);
  });

  it('failNext(n) fails the next n sends, then delivers again', async () => {
    const capture = capturingNotifier().failNext(2);
    await expect(send(capture)).rejects.toBeInstanceOf(NotificationError);
    await expect(send(capture)).rejects.toBeInstanceOf(NotificationError);
    await expect(send(capture)).resolves.toBeUndefined();
    expect(capture.calls.map((c) => c.outcome)).toEqual(['failed', 'failed', 'sent']);
  });

  it('fails with the given error, always until recover()', async () => {
    const boom = new Error('boom');
    const capture = capturingNotifier().failAlways(boom);
    for (let i = 0; i < 3; i++) await expect(send(capture)).rejects.toBe(boom);
    capture.recover();
    await expect(send(capture)).resolves.toBeUndefined();
  });

  it('hang() never answers until the signal aborts', async () => {
    const capture = capturingNotifier().hang();
    const controller = new AbortController();
    const pending = send(capture, 'n:1', controller.signal);
    // Nothing but the abort can end it (no timer, no I/O): it rejects with the abort's reason.
    expect(capture.calls[0]!.outcome).toBe('pending');
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    expect(capture.calls[0]!.outcome).toBe('aborted');
  });

  it('waitFor(n) resolves once n notifications arrived, and can be cancelled', async () => {
    const capture = capturingNotifier({ name: 'c', delivery: 'state' });
    const h = notifierHarness([capture]);
    const waiting = capture.waitFor(2);
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:2' }), []);
    expect((await waiting).map((n) => n.id)).toEqual(['n:1', 'n:2']);
    await expect(capture.waitFor(1)).resolves.toHaveLength(2); // already there
    const controller = new AbortController();
    const never = capture.waitFor(5, { signal: controller.signal });
    controller.abort(new Error('cancelled'));
    await expect(never).rejects.toThrow('cancelled');
  });

  it('clear() forgets what was recorded', async () => {
    const capture = capturingNotifier();
    await send(capture);
    capture.clear();
    expect(capture.sent).toEqual([]);
    expect(capture.calls).toEqual([]);
  });

  it('lets a rule test see retries: failNext(1) is delivered on the second attempt', async () => {
    const capture = capturingNotifier().failNext(1);
    const h = notifierHarness([capture]);
    h.monitor.notifications.dispatch(makeNotification(), []);
    await until(() => h.phase('capture') === 'backoff');
    await h.clock.advanceAsync(1_000);
    await capture.waitFor(1);
    expect(capture.calls.map((c) => c.outcome)).toEqual(['failed', 'sent']);
  });
});
