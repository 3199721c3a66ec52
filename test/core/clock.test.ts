import { afterEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { ManualClock } from '../../src/testing.js';

describe('ManualClock', () => {
  it('fires due timers in time order when advanced, and only those', () => {
    const clock = new ManualClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.setTimeout(() => fired.push('c'), 300);
    clock.advance(250);
    expect(fired).toEqual(['a', 'b']);
    expect(clock.now()).toBe(250);
    expect(clock.pendingTimers).toBe(1);
  });

  it('fires timers created by timers within the same advance', () => {
    const clock = new ManualClock(0);
    const at: number[] = [];
    const tick = () => {
      at.push(clock.now());
      clock.setTimeout(tick, 10);
    };
    clock.setTimeout(tick, 10);
    clock.advance(35);
    expect(at).toEqual([10, 20, 30]);
  });

  it('does not fire cleared timers', () => {
    const clock = new ManualClock(0);
    let fired = false;
    const handle = clock.setTimeout(() => (fired = true), 5);
    clock.clearTimeout(handle);
    clock.advance(10);
    expect(fired).toBe(false);
  });
});

describe('systemClock', () => {
  it('creates unref’d timers unless asked to keep the process alive', () => {
    const loose = systemClock.setTimeout(() => {}, 60_000) as NodeJS.Timeout;
    const held = systemClock.setTimeout(() => {}, 60_000, { keepAlive: true }) as NodeJS.Timeout;
    expect(loose.hasRef()).toBe(false);
    expect(held.hasRef()).toBe(true);
    systemClock.clearTimeout(loose);
    systemClock.clearTimeout(held);
  });
});

describe('systemClock with delays past 2^31 - 1 ms', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires a 30-day timer after 30 days, not after 1 ms, and clears it', () => {
    vi.useFakeTimers();
    const day = 86_400_000;
    let fired = 0;
    systemClock.setTimeout(() => fired++, 30 * day);
    const cleared = systemClock.setTimeout(() => fired++, 30 * day);
    systemClock.clearTimeout(cleared);
    vi.advanceTimersByTime(1_000);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(30 * day - 1_001);
    expect(fired).toBe(0);
    vi.advanceTimersByTime(1);
    expect(fired).toBe(1);
    vi.advanceTimersByTime(60 * day);
    expect(fired).toBe(1);
  });
});
