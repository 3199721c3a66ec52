/** An opaque timer handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/**
 * The source of time for everything a monitor does. Every timer and timestamp goes through it,
 * so tests can drive windows, flushes and backoff with a manual clock instead of sleeping.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
  /** A monotonic time in ms (fractional), for measuring durations; never goes backwards. */
  monotonic(): number;
  /**
   * Runs `fn` once after `ms`. Timers must not keep a process alive unless `keepAlive` is set
   * (used only while `close()` is still writing data).
   */
  setTimeout(fn: () => void, ms: number, options?: { keepAlive?: boolean }): TimerHandle;
  /** Cancels a timer created by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay a JavaScript timer keeps: past it Node and browsers fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A timer longer than {@link MAX_TIMER_MS}, made of shorter ones; `current` is the one armed now. */
class LongTimer {
  current: unknown;
}

function armGlobal(fn: () => void, ms: number, keepAlive: boolean): unknown {
  const handle = globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void };
  // Unref so an idle monitor never holds a Node process open; edge runtimes have no unref.
  if (!keepAlive && typeof handle === 'object' && handle !== null && typeof handle.unref === 'function') handle.unref();
  return handle;
}

/** The real clock: `Date.now()` and unref'd global timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout(fn, ms, options) {
    const keepAlive = options?.keepAlive === true;
    if (!(ms > MAX_TIMER_MS)) return armGlobal(fn, ms, keepAlive);
    // Durations up to a year are valid options (a 30-day cooldown): re-arm in steps instead of
    // letting the platform fire a 25-day-plus timer after 1 ms, in a tight loop.
    const timer = new LongTimer();
    const step = (remaining: number): void => {
      timer.current = remaining > MAX_TIMER_MS ? armGlobal(() => step(remaining - MAX_TIMER_MS), MAX_TIMER_MS, keepAlive) : armGlobal(fn, remaining, keepAlive);
    };
    step(ms);
    return timer;
  },
  clearTimeout(handle) {
    const current = handle instanceof LongTimer ? handle.current : handle;
    globalThis.clearTimeout(current as Parameters<typeof globalThis.clearTimeout>[0]);
  },
};

/** Schedules `fn` at every multiple of `periodMs` (aligned to the epoch) until the returned stop is called. */
export function scheduleAligned(clock: Clock, periodMs: number, fn: (tickAt: number) => unknown): () => void {
  let handle: TimerHandle;
  let stopped = false;
  const arm = (): void => {
    const now = clock.now();
    const next = (Math.floor(now / periodMs) + 1) * periodMs;
    handle = clock.setTimeout(() => {
      if (stopped) return undefined;
      const task = fn(next);
      arm();
      // The task's promise goes back to the clock: a ManualClock's idle() waits for it.
      return task;
    }, next - now);
  };
  arm();
  return () => {
    stopped = true;
    clock.clearTimeout(handle);
  };
}

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (already aborted included);
 * never rejects and never leaves its timer behind. `keepAlive` as in {@link Clock.setTimeout}.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal, options?: { keepAlive?: boolean }): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clock.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const handle = clock.setTimeout(done, ms, options);
    signal.addEventListener('abort', done, { once: true });
  });
}
