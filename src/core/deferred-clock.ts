import type { Clock, TimerHandle } from './clock.js';

/** A timer asked for before the start: armed on the inner clock by {@link DeferredClock.start}. */
class HeldTimer {
  inner: TimerHandle | undefined;
  cleared = false;

  constructor(
    readonly fn: () => void,
    readonly ms: number,
    readonly options: { keepAlive?: boolean } | undefined,
  ) {}
}

/**
 * The clock a monitor hands its parts. Cloudflare's runtime refuses timers in a worker's global
 * scope, where a monitor is usually created: so timers asked for while the monitor is being
 * built (the rule engine's evaluation tick) are held, and armed when the monitor starts. After
 * the build, any use of the clock (a record's timer, a rule's `createdAt`, a health check's
 * timeout) is a use of the monitor: `firstUse` is called then, and starts it. After
 * {@link start} (or {@link close}) it is the inner clock, with one field check per call.
 */
export class DeferredClock implements Clock {
  /** Timers held until the start; undefined once started or closed. */
  private held: HeldTimer[] | undefined = [];
  /** False while the monitor is being built: its parts read the time and ask for timers without using it. */
  private built = false;

  constructor(
    readonly inner: Clock,
    private readonly firstUse: () => void,
  ) {}

  /** Marks the end of the build: from now on a use of the clock starts the monitor. */
  ready(): void {
    this.built = true;
  }

  /** True until {@link start} or {@link close}. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  now(): number {
    if (this.held !== undefined && this.built) this.firstUse();
    return this.inner.now();
  }

  monotonic(): number {
    if (this.held !== undefined && this.built) this.firstUse();
    return this.inner.monotonic();
  }

  setTimeout(fn: () => void, ms: number, options?: { keepAlive?: boolean }): TimerHandle {
    if (this.held !== undefined && this.built) this.firstUse();
    if (this.held === undefined) return this.inner.setTimeout(fn, ms, options);
    const timer = new HeldTimer(fn, ms, options);
    this.held.push(timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    if (!(handle instanceof HeldTimer)) return this.inner.clearTimeout(handle);
    handle.cleared = true;
    if (handle.inner !== undefined) this.inner.clearTimeout(handle.inner);
    if (this.held !== undefined) this.held = this.held.filter((t) => t !== handle);
  }

  /**
   * Arms the held timers on the inner clock (each for its full delay, from now) and passes every
   * later call straight through. Throws what the inner clock throws (a runtime that still refuses
   * timers); the timers armed so far stay armed, the rest stay held for the next call.
   */
  start(): void {
    const held = this.held;
    if (held === undefined) return;
    while (held.length > 0) {
      const timer = held[0]!;
      timer.inner = this.inner.setTimeout(timer.fn, timer.ms, timer.options);
      held.shift();
    }
    this.held = undefined;
  }

  /** Passes every later call straight through; timers still held are never armed (the monitor is closing). */
  close(): void {
    this.held = undefined;
  }
}
