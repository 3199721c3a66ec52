import type { Clock, TimerHandle } from '../core/clock.js';

/**
 * One call waiting on its deadline: a node of its breaker's {@link DeadlineList}. `expire` runs
 * when the deadline passes first, with the list's timeout error.
 */
export class PendingCall {
  prev: PendingCall | undefined = undefined;
  next: PendingCall | undefined = undefined;
  /** False once the call answered, expired or was abandoned. */
  linked = false;

  constructor(
    readonly deadline: number,
    readonly expire: (error: Error) => void,
  ) {}
}

/**
 * The calls of one breaker that have not answered yet, in deadline order. A breaker's timeout
 * is constant, so calls arrive in deadline order and the list stays sorted by appending; a
 * call that answers unlinks itself in O(1). Only the head's deadline matters to the sweeper.
 */
export class DeadlineList {
  private head: PendingCall | undefined;
  private tail: PendingCall | undefined;
  private count = 0;
  /** @internal Whether the sweeper holds this list in its set (saves a Set lookup per call). */
  watched = false;

  /** @internal Use {@link TimeoutSweeper.list}. */
  constructor(
    private readonly sweeper: TimeoutSweeper,
    /** The time budget of one call, in ms. */
    readonly timeout: number,
    private readonly timeoutError: () => Error,
    /** Who the calls belong to (a breaker's name), for the error of {@link TimeoutSweeper.close}. */
    readonly owner: string,
  ) {}

  /** Calls still waiting. */
  get size(): number {
    return this.count;
  }

  /** Deadline of the first call to expire, or Infinity. */
  get nextDeadline(): number {
    return this.head === undefined ? Infinity : this.head.deadline;
  }

  /**
   * Settles like `work`, unless `work` is still pending `timeout` ms after `start` (on the
   * clock's monotonic time): then rejects with the list's timeout error. `work` is not
   * cancelled; its late answer is dropped.
   */
  track<T>(work: PromiseLike<T>, start: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = new PendingCall(start + this.timeout, reject);
      this.insert(call);
      work.then(
        (value) => {
          if (this.remove(call)) resolve(value);
        },
        (error: unknown) => {
          if (this.remove(call)) reject(error);
        },
      );
    });
  }

  /** Adds a call; the sweeper calls its `expire` if it is still in the list at its deadline. */
  insert(call: PendingCall): void {
    // Walk back past later deadlines: only a clock set backwards (a test clock) produces them.
    let after = this.tail;
    while (after !== undefined && after.deadline > call.deadline) after = after.prev;
    call.linked = true;
    call.prev = after;
    call.next = after === undefined ? this.head : after.next;
    if (call.next === undefined) this.tail = call;
    else call.next.prev = call;
    if (after === undefined) {
      this.head = call;
      this.sweeper.watch(this, call.deadline);
    } else after.next = call;
    this.count++;
  }

  /** Takes out a call that answered; false if it had already expired (its answer is then dropped). */
  remove(call: PendingCall): boolean {
    if (!call.linked) return false;
    this.unlink(call);
    return true;
  }

  /** @internal Rejects every call due at `now`; returns the next deadline (Infinity if none). */
  expire(now: number): number {
    for (let call = this.head; call !== undefined && call.deadline <= now; call = this.head) {
      this.unlink(call);
      call.expire(this.timeoutError());
    }
    return this.nextDeadline;
  }

  /** @internal Rejects every waiting call with `error()` (the monitor is closing: nothing will time them out). */
  abandon(error: () => Error): void {
    for (let call = this.head; call !== undefined; call = this.head) {
      this.unlink(call);
      call.expire(error());
    }
  }

  private unlink(call: PendingCall): void {
    call.linked = false;
    if (call.prev === undefined) this.head = call.next;
    else call.prev.next = call.next;
    if (call.next === undefined) this.tail = call.prev;
    else call.next.prev = call.prev;
    call.prev = call.next = undefined;
    this.count--;
  }
}

/**
 * Call timeouts for every breaker of a monitor on ONE timer of the monitor's clock, instead of
 * a timer armed and cleared per call (what opossum does, about half of its cost per call).
 * The timer is armed for the earliest head deadline among the lists; when it fires, it rejects
 * what is due and re-arms for the next head. Calls that answer in time never touch the timer,
 * so under steady traffic it fires about once per timeout period, and not at all when idle.
 */
export class TimeoutSweeper {
  private readonly lists = new Set<DeadlineList>();
  private handle: TimerHandle | undefined;
  private armedAt = Infinity;
  private closed = false;

  constructor(private readonly clock: Clock) {}

  /** A list of calls of `owner` whose budget is `timeout` ms, failing late ones with `timeoutError()`. */
  list(timeout: number, timeoutError: () => Error, owner = ''): DeadlineList {
    return new DeadlineList(this, timeout, timeoutError, owner);
  }

  /** Whether a timer is armed (for tests and `close()`). */
  get armed(): boolean {
    return this.handle !== undefined;
  }

  /** @internal A list's head now has `deadline`: make sure the timer fires by then. */
  watch(list: DeadlineList, deadline: number): void {
    if (!list.watched) {
      list.watched = true;
      this.lists.add(list);
    }
    if (deadline < this.armedAt && !this.closed) this.arm(deadline);
  }

  /**
   * Stops the timer and rejects every waiting call with `error()`: with the timer gone their
   * deadlines could not be enforced any more, and a caller must never wait forever.
   */
  close(error: (owner: string) => Error): void {
    this.closed = true;
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.handle = undefined;
    this.armedAt = Infinity;
    for (const list of this.lists) {
      list.watched = false;
      list.abandon(() => error(list.owner));
    }
    this.lists.clear();
  }

  private arm(at: number): void {
    if (this.handle !== undefined) this.clock.clearTimeout(this.handle);
    this.armedAt = at;
    this.handle = this.clock.setTimeout(() => this.sweep(), Math.max(0, Math.ceil(at - this.clock.monotonic())));
  }

  private sweep(): void {
    this.handle = undefined;
    this.armedAt = Infinity;
    const now = this.clock.monotonic();
    let next = Infinity;
    for (const list of this.lists) {
      const due = list.expire(now);
      if (due === Infinity) {
        list.watched = false;
        this.lists.delete(list);
      }
      else if (due < next) next = due;
    }
    if (next !== Infinity && !this.closed) this.arm(next);
  }
}
