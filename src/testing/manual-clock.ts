import { isThenable, type TaskClock, type TimerHandle } from '../core/clock.js';

interface ManualTimer {
  id: number;
  at: number;
  fn: () => unknown;
}

/** How many task failures {@link ManualClock.idle} keeps to report; later ones are counted only. */
const MAX_KEPT_FAILURES = 10;

/**
 * A {@link Clock} that only moves when told to. Pass it as `createMonitor({ clock })` and call
 * `advance(ms)` to fire every timer that falls due, in time order.
 *
 * A timer callback that starts async work may return its promise (a flush's write, a rule
 * evaluation): the clock keeps it as a running task until it settles, and {@link ManualClock.idle}
 * waits for it. A task should end at its next wait on this clock (a retry backoff is a new timer
 * whose callback returns the retry), or `idle()` waits until the clock is moved past that wait.
 * Every timer a monitor arms works this way (flushes, retries, rule evaluations, notification
 * deliveries and their backoffs, `close()`), so a test that advances the clock awaits
 * `clock.idle()` (or `advanceAsync`) and asserts: no sleeps, no counted event-loop turns.
 */
export class ManualClock implements TaskClock {
  private current: number;
  private timers: ManualTimer[] = [];
  private nextId = 1;
  /**
   * Tasks returned by fired timers (or tracked) and not settled yet, each under the promise it
   * was handed as (one handed again while it runs is kept once); each removes itself as it settles.
   */
  private readonly running = new Map<PromiseLike<unknown>, Promise<void>>();
  /** Rejections of tasks, for the next {@link ManualClock.idle} to throw. */
  private failures: unknown[] = [];
  private failuresDropped = 0;
  /** Wake the {@link ManualClock.idle} calls waiting on tasks when a timer due now is armed. */
  private readonly wakers = new Set<() => void>();

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

  /**
   * Resolves without moving time or firing timers (see `Clock.yield`): work that yields between
   * its chunks runs through on microtasks, so a test on this clock stays deterministic, and
   * `idle()` and `advanceAsync` wait for it as before. A test that means to act between chunks
   * (record values, close a slot) overrides this method in a subclass.
   */
  yield(): Promise<void> {
    return Promise.resolve();
  }

  /**
   * Registers a timer that fires when the clock is advanced past it (or, with `ms <= 0`, at the
   * next {@link ManualClock.idle}). If `fn` returns a promise, {@link ManualClock.idle} waits for it.
   */
  setTimeout(fn: () => unknown, ms: number): TimerHandle {
    const timer: ManualTimer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.push(timer);
    // An idle() waiting on tasks must fire a timer they armed for now, or a task awaiting it never ends.
    if (timer.at <= this.current) for (const wake of this.wakers) wake();
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

  /** Number of tasks (promises returned by fired timers) not settled yet. */
  get runningTasks(): number {
    return this.running.size;
  }

  /**
   * Moves time forward by `ms`, firing due timers in order (timers they create fire too if due).
   * Synchronous: promises the timers return keep running; `await clock.idle()` waits for them.
   */
  advance(ms: number): void {
    const target = this.current + ms;
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) this.fire(timer);
    this.current = target;
  }

  /**
   * Like {@link ManualClock.advance}, but waits for {@link ManualClock.idle} after each timer
   * fires, so async work a timer starts (a flush, a retry) finishes before the next timer fires.
   * Rejects as `idle()` does. It waits on promises, never on a number of event-loop turns, so
   * work that never ends before a later timer of this clock fires (a write that never answers,
   * which only a deadline ends) keeps it waiting: use `advance(ms)` there and await what ends.
   */
  async advanceAsync(ms: number): Promise<void> {
    const target = this.current + ms;
    await this.idle();
    for (let timer = this.nextDue(target); timer; timer = this.nextDue(target)) {
      this.fire(timer);
      await this.idle();
    }
    this.current = target;
    await this.idle();
  }

  /**
   * Resolves once every task started by this clock's timers has settled: the promises fired
   * timers returned, and the tasks of timers those tasks armed for the current time (which it
   * fires). It waits on those promises, not on a number of event-loop turns, so a slow store
   * (a real Redis) is waited for as long as it takes. Rejects with the reason of a task that
   * rejected since the last call (an AggregateError for several); the other tasks still finish first.
   */
  async idle(): Promise<void> {
    for (;;) {
      for (let timer = this.nextDue(this.current); timer; timer = this.nextDue(this.current)) this.fire(timer);
      if (this.running.size === 0) break;
      let wake!: () => void;
      const woken = new Promise<void>((resolve) => (wake = resolve));
      this.wakers.add(wake);
      try {
        await Promise.race([Promise.all(this.running.values()), woken]);
      } finally {
        this.wakers.delete(wake);
      }
    }
    this.throwFailures();
  }

  /**
   * Counts `task` as running until it settles: {@link ManualClock.idle} waits for it as for a
   * task a timer returned (and rejects with its reason). For work a timer does not start,
   * whose end a test still means to wait for (code under test may hand its loops' first step here).
   */
  track(task: PromiseLike<unknown>): void {
    // Kept once however often it is handed over (an evaluation still running at the next tick),
    // and its rejection reported once.
    if (this.running.has(task)) return;
    // The wrapper never rejects (the reason is kept for idle()) and leaves the map as it settles,
    // so the map holds only running tasks however many timers have fired.
    const tracked: Promise<void> = Promise.resolve(task).then(
      () => {
        this.running.delete(task);
      },
      (reason: unknown) => {
        this.running.delete(task);
        if (this.failures.length < MAX_KEPT_FAILURES) this.failures.push(reason);
        else this.failuresDropped++;
      },
    );
    this.running.set(task, tracked);
    // An idle() waiting on other tasks counts this one from now on.
    for (const wake of this.wakers) wake();
  }

  /** Sets the time without firing timers (for tests of late or early timestamps). */
  set(ms: number): void {
    this.current = ms;
  }

  private fire(timer: ManualTimer): void {
    this.current = Math.max(this.current, timer.at);
    const result = timer.fn();
    if (isThenable(result)) this.track(result);
  }

  private throwFailures(): void {
    if (this.failures.length === 0) return;
    const failures = this.failures;
    const dropped = this.failuresDropped;
    this.failures = [];
    this.failuresDropped = 0;
    if (failures.length === 1 && dropped === 0) throw failures[0];
    const more = dropped > 0 ? ` (${dropped} more not kept)` : '';
    throw new AggregateError(failures, `${failures.length + dropped} tasks started by ManualClock timers rejected${more}`);
  }

  private nextDue(target: number): ManualTimer | undefined {
    let best: ManualTimer | undefined;
    for (const t of this.timers) if (t.at <= target && (!best || t.at < best.at || (t.at === best.at && t.id < best.id))) best = t;
    if (best) this.timers.splice(this.timers.indexOf(best), 1);
    return best;
  }
}
