import { describe, expect, it } from 'vitest';
import { ADMIT_CLOSED, ADMIT_REJECT, ADMIT_TRIAL, BreakerMachine, type BreakerRules } from '../../src/core/breaker-machine.js';
import { RollingWindow } from '../../src/core/rolling-window.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

/** A machine on a ManualClock, its moves recorded. */
function machine(rules: Partial<BreakerRules> = {}) {
  const clock = new ManualClock();
  const moves: string[] = [];
  const m = new BreakerMachine(clock, { failureThreshold: 2, resetTimeout: 1_000, ...rules }, (from, to) => moves.push(`${from}->${to}`));
  const fail = (trial = false): void => m.failure(trial, clock.monotonic());
  return { clock, m, moves, fail };
}

describe('BreakerMachine', () => {
  it('moves open -> halfOpen when ManualClock.advance() passes resetTimeout, and admits exactly one trial', () => {
    const { clock, m, moves, fail } = machine();
    fail();
    fail();
    expect(m.admit(clock.monotonic())).toBe(ADMIT_REJECT);
    clock.advance(999);
    expect(m.state).toBe('open');
    clock.advance(1);
    expect(m.state).toBe('halfOpen');
    expect(m.admit(clock.monotonic())).toBe(ADMIT_TRIAL);
    expect(m.admit(clock.monotonic())).toBe(ADMIT_REJECT);
    m.success(true);
    expect(m.admit(clock.monotonic())).toBe(ADMIT_CLOSED);
    expect(moves).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->closed']);
  });

  it('reopens on a failed trial for a full resetTimeout, and admits a new trial after it', () => {
    const { clock, m, fail } = machine();
    fail();
    fail();
    clock.advance(1_000);
    expect(m.admit(clock.monotonic())).toBe(ADMIT_TRIAL);
    fail(true);
    expect(m.state).toBe('open');
    clock.advance(999);
    expect(m.state).toBe('open');
    clock.advance(1);
    expect(m.admit(clock.monotonic())).toBe(ADMIT_TRIAL);
  });

  it('lets only the trial decide a half-open breaker: calls admitted while closed change nothing', () => {
    const { clock, m, fail } = machine();
    fail();
    fail();
    clock.advance(1_000);
    m.success(false);
    expect(m.state).toBe('halfOpen');
    fail(false);
    expect(m.state).toBe('halfOpen');
  });

  it('counts consecutive failures, reset by a success and by closing', () => {
    const { m, fail } = machine({ failureThreshold: 3 });
    fail();
    fail();
    m.success(false);
    expect(m.consecutiveFailures).toBe(0);
    fail();
    fail();
    expect(m.state).toBe('closed');
    fail();
    expect(m.state).toBe('open');
  });

  it('after dispose(), arms no reset timer and stays where it is', () => {
    const { clock, m, fail } = machine();
    fail();
    fail();
    expect(clock.pendingTimers).toBe(1);
    m.dispose();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(5_000);
    expect(m.state).toBe('open');
  });

  it('applies the percentage rule only with the window volume reached, and strictly above the percentage', () => {
    const { clock, m, fail } = machine({ failureThreshold: false, errorThresholdPercentage: 50, volumeThreshold: 4 });
    for (const ok of [true, false, true]) {
      m.admit(clock.monotonic());
      if (ok) m.success(false);
      else fail();
    }
    m.admit(clock.monotonic());
    fail();
    expect(m.state).toBe('closed'); // 2 of 4: exactly 50 %
    m.admit(clock.monotonic());
    fail();
    expect(m.state).toBe('open'); // 3 of 5
  });
});

describe('RollingWindow', () => {
  it('forgets buckets as time passes, one bucket at a time, without a timer', () => {
    const w = new RollingWindow(3_000, 3);
    w.fire(0);
    w.fail(0);
    w.fire(1_000);
    w.fire(2_999);
    expect([w.calls(2_999), w.failed(2_999)]).toEqual([3, 1]);
    expect([w.calls(3_000), w.failed(3_000)]).toEqual([2, 0]);
    expect(w.calls(4_000)).toBe(1);
    expect(w.calls(5_000)).toBe(0);
  });

  it('empties at once after a gap longer than the window', () => {
    const w = new RollingWindow(10_000, 10);
    for (let i = 0; i < 5; i++) w.fail(i * 1_000);
    expect(w.failed(4_500)).toBe(5);
    expect([w.calls(60_000), w.failed(60_000)]).toEqual([0, 0]);
  });

  it('keeps counting in the current bucket when the clock is set back', () => {
    const w = new RollingWindow(10_000, 10);
    w.fire(5_000);
    w.fire(1_000);
    expect(w.calls(5_000)).toBe(2);
  });
});
