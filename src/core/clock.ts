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
   * (used only while `close()` is still writing data). `fn` returns the promise of the work it
   * starts (a flush, a rule evaluation), if any, never rejecting: a clock that tracks tasks (the
   * ManualClock of `pulsewatch/testing`) waits for it in its `idle()`; others may ignore it.
   */
  setTimeout(fn: () => unknown, ms: number, options?: { keepAlive?: boolean }): TimerHandle;
  /** Cancels a timer created by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
  /**
   * Optional: counts `task` as work started on this clock although no timer returned it (a
   * notification queued by a rule evaluation, a stretch of a loop a timer woke), so a clock
   * that tracks tasks waits for it as for one a timer returned. `task` must never reject.
   */
  track?(task: PromiseLike<unknown>): void;
  /**
   * Optional: true when time moves only as a test moves it and the tasks handed to
   * {@link Clock.track} are what its `idle()` waits on (a ManualClock). A clock that wraps
   * another (the monitor's DeferredClock) answers for the one inside it. Absent: a clock with
   * `track` and `idle` counts as manual. Read it through {@link isManualClock}.
   */
  readonly manual?: boolean;
  /**
   * Optional: resolves on a later turn of the event loop (a macrotask), so that work split into
   * chunks (a snapshot over thousands of series) lets requests, I/O and timers run between its
   * chunks. It is not a timer: it never fires later than the platform's next turn, and time does
   * not move for it on a ManualClock (which resolves it at once, deterministically). Absent: the
   * system clock's turn is used (see {@link yieldTurn}). Never rejects.
   */
  yield?(): Promise<void>;
}

/** A clock that tracks the tasks its timers start, and can wait for them: see {@link Clock.track}. */
export interface TaskClock extends Clock {
  track(task: PromiseLike<unknown>): void;
  /** Resolves once every task started on this clock (returned by a timer, or tracked) has settled. */
  idle(): Promise<void>;
}

/** True for a clock that can wait for its tasks (a ManualClock, the monitor's own clock). */
export function isTaskClock(clock: Clock): clock is TaskClock {
  return typeof clock.track === 'function' && typeof (clock as Partial<TaskClock>).idle === 'function';
}

/**
 * True when `clock` is driven by a test (see {@link Clock.manual}): work that only lets its
 * `idle()` wait precisely (a promise per step of a loop) is skipped on any other clock.
 */
export function isManualClock(clock: Clock): boolean {
  return clock.manual ?? isTaskClock(clock);
}

/** True for a promise or any other thenable. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === 'object' || typeof value === 'function') && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/** The longest delay a JavaScript timer keeps: past it Node and browsers fire after 1 ms. */
const MAX_TIMER_MS = 2_147_483_647;

/** A timer longer than {@link MAX_TIMER_MS}, made of shorter ones; `current` is the one armed now. */
class LongTimer {
  current: unknown;
}

function armGlobal(fn: () => unknown, ms: number, keepAlive: boolean): unknown {
  const handle = globalThis.setTimeout(fn, ms) as unknown as { unref?: () => void };
  // Unref so an idle monitor never holds a Node process open; edge runtimes have no unref.
  if (!keepAlive && typeof handle === 'object' && handle !== null && typeof handle.unref === 'function') handle.unref();
  return handle;
}

/** A queue of turns waiting on one `MessageChannel` (runtimes without `setImmediate`: workerd, edge-runtime, browsers). */
let channel: { post(resolve: () => void): void } | undefined;

function channelTurn(): { post(resolve: () => void): void } | undefined {
  if (channel !== undefined) return channel;
  const Channel = (globalThis as { MessageChannel?: new () => { port1: { onmessage: unknown; unref?: () => void }; port2: { postMessage(m: unknown): void } } }).MessageChannel;
  if (typeof Channel !== 'function') return undefined;
  const { port1, port2 } = new Channel();
  const waiting: (() => void)[] = [];
  port1.onmessage = () => waiting.shift()?.();
  // A Node port (only used where setImmediate is missing) must not hold the process open.
  port1.unref?.();
  return (channel = {
    post(resolve) {
      waiting.push(resolve);
      port2.postMessage(0);
    },
  });
}

/**
 * One macrotask turn of the platform: `setImmediate` where it exists (Node, Bun), else a
 * `MessageChannel` message (edge runtimes, browsers: not clamped as nested timers are), else
 * `setTimeout(0)`. Lazy: nothing is created until the first call (a worker's global scope starts
 * no timer and opens no channel).
 */
function platformTurn(): Promise<void> {
  return new Promise<void>((resolve) => {
    const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
    if (typeof immediate === 'function') {
      immediate(resolve);
      return;
    }
    const turn = channelTurn();
    if (turn !== undefined) turn.post(resolve);
    else globalThis.setTimeout(resolve, 0);
  });
}

/**
 * Lets the event loop turn once on `clock` (see {@link Clock.yield}): the clock's own `yield`,
 * else the platform's next macrotask. For work split into chunks that must never block the
 * event loop for long; never rejects.
 */
export function yieldTurn(clock: Clock): Promise<void> {
  return typeof clock.yield === 'function' ? clock.yield() : platformTurn();
}

/**
 * Real elapsed time in ms (fractional, monotonic where the platform has `performance.now()`),
 * whatever clock a monitor runs on: for pacing work by how long it actually ran (a snapshot's
 * chunks), never for timestamps or timers, which go through the monitor's {@link Clock}. On a
 * runtime whose `performance.now()` does not move during a task (Cloudflare Workers), work
 * paced by it falls back on its other bound (a count of work done).
 */
export function realTime(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** The real clock: `Date.now()` and unref'd global timers. */
export const systemClock: Clock = {
  yield: platformTurn,
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

/**
 * Resolves after `ms` on `clock`, or at once when `signal` aborts (already aborted included);
 * never rejects and never leaves its timer behind. `keepAlive` as in {@link Clock.setTimeout}.
 *
 * A loop that sleeps is not one task but stretches of work between waits: `resume`, called as
 * the timer fires, returns the stretch the wake-up starts (the promise that settles at the
 * loop's next wait or end), which the timer hands back to the clock, so a ManualClock's idle()
 * waits for the loop to reach its next wait and no longer. A wake-up by `signal` belongs to
 * whoever aborted it.
 */
export function sleep(clock: Clock, ms: number, signal: AbortSignal, options?: { keepAlive?: boolean; resume?: () => unknown }): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    let handle: TimerHandle;
    const done = (): void => {
      clock.clearTimeout(handle);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const keepAlive = options?.keepAlive;
    handle = clock.setTimeout(
      () => {
        done();
        return options?.resume?.();
      },
      ms,
      keepAlive === undefined ? undefined : { keepAlive },
    );
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * The stretch of work a loop on a clock is doing now (see {@link sleep}): opened when the loop
 * wakes (or is handed work), closed when it waits on the clock again or has nothing left to do.
 * While open, a clock that tracks tasks counts it as running.
 */
export class Stretch {
  private end: (() => void) | undefined;

  constructor(private readonly clock: Clock) {}

  /** True while a stretch is open. */
  get open(): boolean {
    return this.end !== undefined;
  }

  /**
   * Opens a stretch unless one is open, and returns it (undefined when one was open already):
   * for a timer callback to hand back to its clock.
   */
  begin(): Promise<void> | undefined {
    if (this.end !== undefined) return undefined;
    return new Promise<void>((resolve) => (this.end = resolve));
  }

  /** Opens a stretch unless one is open, and tracks it on the clock (work not started by a timer). */
  beginTracked(): void {
    const stretch = this.begin();
    if (stretch !== undefined) this.clock.track?.(stretch);
  }

  /** Closes the open stretch, if any: the loop waits on the clock, or has nothing to do. */
  close(): void {
    const end = this.end;
    this.end = undefined;
    end?.();
  }
}
