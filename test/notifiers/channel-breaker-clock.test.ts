import { afterEach, describe, expect, it, vi } from 'vitest';
import { BreakerOpenError } from '../../src/core/errors.js';
import { createChannelBreaker, type ChannelBreakerState } from '../../src/notifiers/channel-breaker.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { makeNotification, notifierHarness } from '../helpers/notifier-fixtures.js';

/** A breaker on a ManualClock that opens after 2 failures and half-opens 10 s later, its moves recorded. */
function breakerOnClock(): { clock: ManualClock; breaker: ReturnType<typeof createChannelBreaker>; moves: string[] } {
  const clock = new ManualClock();
  const moves: string[] = [];
  const breaker = createChannelBreaker('notifier:test', { failureThreshold: 2, resetTimeout: 10_000 }, clock, (from: ChannelBreakerState, to: ChannelBreakerState) =>
    moves.push(`${from}->${to}`),
  );
  return { clock, breaker, moves };
}

const fails = (ok: boolean): boolean => !ok;

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a channel breaker on the monitor clock', () => {
  it('goes half-open when the ManualClock passes resetTimeout, and arms no global timer', async () => {
    const globalTimer = vi.spyOn(globalThis, 'setTimeout');
    const { clock, breaker, moves } = breakerOnClock();
    await breaker.run(async () => false, fails);
    await breaker.run(async () => false, fails);
    expect(breaker.state).toBe('open');
    await expect(breaker.run(async () => true, fails)).rejects.toBeInstanceOf(BreakerOpenError);
    clock.advance(9_999);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('halfOpen');
    expect(moves).toEqual(['closed->open', 'open->halfOpen']);
    expect(globalTimer).not.toHaveBeenCalled();
  });

  it('closes on a successful trial and reopens on a failed one, re-arming the reset on the clock', async () => {
    const { clock, breaker, moves } = breakerOnClock();
    await breaker.run(async () => false, fails);
    await breaker.run(async () => false, fails);
    clock.advance(10_000);
    expect(await breaker.run(async () => false, fails)).toBe(false); // the trial fails: open again
    expect(breaker.state).toBe('open');
    clock.advance(10_000);
    expect(await breaker.run(async () => true, fails)).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(moves).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open', 'open->halfOpen', 'halfOpen->closed']);
  });

  it('wakes a waiter when the clock half-opens it, and dispose() cancels the reset timer', async () => {
    const { clock, breaker } = breakerOnClock();
    await breaker.run(async () => false, fails);
    await breaker.run(async () => false, fails);
    const waiting = breaker.whenNotOpen(new AbortController().signal);
    clock.advance(10_000);
    await waiting;
    expect(breaker.state).toBe('halfOpen');

    const second = breakerOnClock();
    await second.breaker.run(async () => false, fails);
    await second.breaker.run(async () => false, fails);
    expect(second.clock.pendingTimers).toBe(1);
    second.breaker.dispose();
    expect(second.clock.pendingTimers).toBe(0);
    second.clock.advance(10_000);
    expect(second.breaker.state).toBe('open');
  });

  it("lets the monitor's ManualClock alone recover a channel (no fake global timers)", async () => {
    const capture = capturingNotifier({ name: 'capture' }).failAlways();
    const h = notifierHarness([capture], { retries: 0, breaker: { failureThreshold: 1, resetTimeout: 30_000 } });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:1' }), []);
    await failed;
    capture.recover();
    const sent = h.nextSent();
    h.monitor.notifications.dispatch(makeNotification({ id: 'n:2' }), []);
    await h.clock.idle();
    expect(h.phase('capture')).toBe('breakerOpen');
    h.clock.advance(30_000);
    expect((await sent)[0]!.notification.id).toBe('n:2');
    expect(h.events.breakers.map((e) => [e.to, e.at - h.events.breakers[0]!.at])).toEqual([
      ['open', 0],
      ['halfOpen', 30_000],
      ['closed', 30_000],
    ]);
    await h.monitor.close();
  });
});
