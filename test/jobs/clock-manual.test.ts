import { describe, expect, it } from 'vitest';
import { isManualClock, systemClock, type Clock } from '../../src/core/clock.js';
import { DeferredClock } from '../../src/core/deferred-clock.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

// The jobs runner hands the clock a promise per hand-off only on a clock a test drives; it asks
// through isManualClock and Clock.manual, never by walking a DeferredClock's inner clock.
describe('isManualClock (Clock.manual)', () => {
  it('is true for a ManualClock and for the monitor clock wrapping one, false on the system clock', () => {
    expect(isManualClock(new ManualClock())).toBe(true);
    expect(isManualClock(systemClock)).toBe(false);
    expect(isManualClock(new DeferredClock(new ManualClock(), () => undefined))).toBe(true);
    // The monitor's clock tracks tasks on any clock (for idle()), yet answers for the one inside it.
    const onSystem = new DeferredClock(systemClock, () => undefined);
    expect(typeof onSystem.track).toBe('function');
    expect(isManualClock(onSystem)).toBe(false);
    expect(isManualClock(new DeferredClock(new DeferredClock(new ManualClock(), () => undefined), () => undefined))).toBe(true);
  });

  it('takes a clock at its word when it says', () => {
    const tracking: Clock = { ...systemClock, track: () => undefined, idle: async () => undefined, manual: false } as Clock;
    expect(isManualClock(tracking)).toBe(false);
    expect(isManualClock({ ...systemClock, manual: true })).toBe(true);
  });
});
