import { scheduleAligned, type Clock } from '../core/clock.js';

type Listener = () => void;

/**
 * What opossum accepts as `rotateBucketController`: something that emits `'rotate'`. Opossum
 * calls `on`, `removeListener` and `listenerCount(event, listener)` on it (the last with Node's
 * two-argument form, which is why this is not an eventemitter3 instance: its `listenerCount`
 * ignores the listener, and a second breaker would then never subscribe).
 */
export interface RotationSource {
  on(event: string, listener: Listener): this;
  removeListener(event: string, listener: Listener): this;
  listenerCount(event: string, listener?: Listener): number;
}

/**
 * Rotates the rolling-window buckets of every breaker with the same bucket length on one timer
 * of the monitor's clock (opossum would start a `setInterval` per breaker). The timer runs only
 * while some breaker listens.
 */
class BucketRotation implements RotationSource {
  private readonly listeners = new Set<Listener>();
  private stop: (() => void) | undefined;

  constructor(
    private readonly clock: Clock,
    private readonly interval: number,
  ) {}

  on(event: string, listener: Listener): this {
    if (event !== 'rotate') return this;
    this.listeners.add(listener);
    this.stop ??= scheduleAligned(this.clock, this.interval, () => {
      for (const rotate of this.listeners) rotate();
    });
    return this;
  }

  removeListener(event: string, listener: Listener): this {
    if (event === 'rotate' && this.listeners.delete(listener) && this.listeners.size === 0) this.close();
    return this;
  }

  listenerCount(event: string, listener?: Listener): number {
    if (event !== 'rotate') return 0;
    return listener === undefined ? this.listeners.size : Number(this.listeners.has(listener));
  }

  close(): void {
    this.stop?.();
    this.stop = undefined;
  }
}

/** A source that never rotates: for breakers whose rolling window nothing reads. */
export const NO_ROTATION: RotationSource = Object.freeze({
  on() {
    return this;
  },
  removeListener() {
    return this;
  },
  listenerCount: () => 0,
});

/** The rotation timers of one monitor's breakers: one per distinct bucket length. */
export class BucketRotations {
  private readonly byInterval = new Map<number, BucketRotation>();

  constructor(private readonly clock: Clock) {}

  /** The shared source for buckets of `interval` ms. */
  for(interval: number): RotationSource {
    let rotation = this.byInterval.get(interval);
    if (rotation === undefined) {
      rotation = new BucketRotation(this.clock, interval);
      this.byInterval.set(interval, rotation);
    }
    return rotation;
  }

  /** Stops every rotation timer. */
  close(): void {
    for (const rotation of this.byInterval.values()) rotation.close();
  }
}
