import { isManualClock, isTaskClock, isThenable, yieldTurn, type Clock, type TaskClock, type TimerHandle } from './clock.js';

/** A timer asked for before the start: armed on the inner clock by {@link DeferredClock.start}. */
class HeldTimer {
  inner: TimerHandle | undefined;
  cleared = false;

  constructor(
    readonly fn: () => unknown,
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
 *
 * It also keeps the tasks the monitor's timers start (the promise a timer callback returns, or
 * one handed to {@link track}) until they settle, so {@link idle} can wait for them on any clock,
 * the system clock included; an inner clock that tracks tasks (a ManualClock) gets them too.
 */
export class DeferredClock implements TaskClock {
  /** Timers held until the start; undefined once started or closed. */
  private held: HeldTimer[] | undefined = [];
  /**
   * Tasks started by this clock's timers (or tracked) and not settled yet, each under the
   * promise it was handed as (so one handed again, an evaluation still running at the next
   * tick, is kept once), each removing itself as it settles.
   */
  private readonly running = new Map<PromiseLike<unknown>, Promise<void>>();
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

  /**
   * Whether the clock inside is driven by a test (see {@link Clock.manual}): this clock tracks
   * tasks on any clock, for the monitor's `idle()`, so it answers for the one it wraps.
   */
  get manual(): boolean {
    return isManualClock(this.inner);
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

  /**
   * The inner clock's turn (see {@link Clock.yield}). Not a use of the monitor and not a timer:
   * it is not held before the start (only a started monitor's reads yield).
   */
  yield(): Promise<void> {
    return yieldTurn(this.inner);
  }

  setTimeout(fn: () => unknown, ms: number, options?: { keepAlive?: boolean }): TimerHandle {
    if (this.held !== undefined && this.built) this.firstUse();
    // The task goes on to the inner clock as well: a ManualClock's idle() waits for it too.
    const run = (): unknown => {
      const task = fn();
      if (isThenable(task)) this.keep(task);
      return task;
    };
    if (this.held === undefined) return this.inner.setTimeout(run, ms, options);
    const timer = new HeldTimer(run, ms, options);
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

  /** Counts `task` (which must never reject) as running until it settles; see {@link Clock.track}. */
  track(task: PromiseLike<unknown>): void {
    this.keep(task);
    this.inner.track?.(task);
  }

  /**
   * Resolves once every task the monitor's timers started has settled (and the tasks those
   * started). On a clock that tracks tasks (a ManualClock) this is that clock's `idle()`, which
   * also fires the timers due now and rejects as it does; on any other clock it waits for the
   * tasks kept here, and never rejects. A task that waits on a later timer is waited for until
   * that timer fires.
   */
  async idle(): Promise<void> {
    for (;;) {
      if (isTaskClock(this.inner)) await this.inner.idle();
      if (this.running.size === 0) return;
      await Promise.all(this.running.values());
    }
  }

  /** Tasks kept and not settled yet. */
  get runningTasks(): number {
    return this.running.size;
  }

  private keep(task: PromiseLike<unknown>): void {
    // A task already kept is not kept twice: a rule evaluation held by a slow store is handed
    // back at every tick, and on the system clock one entry per tick would grow without bound.
    if (this.running.has(task)) return;
    // The wrapper never rejects and leaves the map as it settles: it holds running tasks only.
    const kept: Promise<void> = Promise.resolve(task).then(
      () => void this.running.delete(task),
      () => void this.running.delete(task),
    );
    this.running.set(task, kept);
  }
}
