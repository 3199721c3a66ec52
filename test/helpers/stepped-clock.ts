import { ManualClock } from '../../src/testing/manual-clock.js';

/** A ManualClock whose wall time can be stepped (`offset`) without moving its monotonic time, as a real clock's can (NTP, a VM resumed). */
export class SteppedClock extends ManualClock {
  offset = 0;
  override now(): number {
    return super.now() + this.offset;
  }
  override monotonic(): number {
    return super.now();
  }
}
