import type { Clock, TimerHandle } from '../core/clock.js';

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/**
 * A {@link Clock} that only moves when told to. Pass it as `createMonitor({ clock })` and call
 * `advance(ms)` to fire every timer that falls due, in time order.
 */
export class ManualClock implements Clock {
  private current: number;
  private timers: ManualTimer[] = [];
  private nextId = 1;

  /** Starts at `start` (ms since the epoch; default 2026-01-01T00:00:00Z). */
  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  /** The current manual time in ms. */
  now(): number {
    return this.current;
  }

  /** Same as {@link ManualClock.now}: durations measured with a manual clock move only with it. */
  monotonic(): number {
    return this.current;
  }

  /** Registers a timer that fires when the clock is advanced past it. */
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    return timer.id;
  }

  /** Cancels a pending timer. */
  clearTimeout(handle: TimerHandle): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing due timers in order (timers they create fire too if due). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.current = Math.max(this.current, timer.at);
      timer.fn();
    }
    this.current = target;
  }

  /**
   * Like {@link ManualClock.advance}, but lets promise callbacks run after each timer fires, so
   * async work the timers start (flushes, retries) settles before the next one.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await settle();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.current = Math.max(this.current, timer.at);
      timer.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }

  /** Sets the time without firing timers (for tests of late or early timestamps). */
  set(ms: number): void {
    this.current = ms;
  }

  private nextDue(target: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) if (t.at <= target && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    if (best) this.timers.splice(this.timers.indexOf(best), 1);
    return best;
  }
}

// A few macrotask turns let chains of awaited promises (queue -> adapter -> retry) settle.
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => globalThis.setTimeout(resolve, 0));
}
