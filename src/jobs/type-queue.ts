import PQueue from 'p-queue';
import { backoffDelay } from '../core/backoff.js';
import { type Clock, isManualClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise.js';
import { Deque } from './deque.js';
import { asError, AttemptContext, errorText, type Job } from './job.js';
import type { TypeMetrics } from './job-metrics.js';
import type { JobHandler, ResolvedJobTypeOptions } from './options.js';
import type { TypeStats } from './type-stats.js';

/** What a type's queue hands back to the runner when a job is out of attempts. */
export interface QueueHost {
  readonly clock: Clock;
  readonly random: () => number;
  /** A job failed its last attempt: the runner dead-letters it (or updates its letter). */
  failed(job: Job, error: Error): void;
  /** A dead letter's retry succeeded: the runner deletes the letter. */
  recovered(job: Job): void;
  /** Something in the runner itself threw (a bug): reported, never thrown into p-queue. */
  internal(error: unknown): void;
}

/** p-queue's add options per priority rank, made once: p-queue copies them on each add. */
const ADD_OPTIONS: readonly { readonly priority: number }[] = [0, 1, 2].map((priority) => Object.freeze({ priority }));

/**
 * One job type: its p-queue (concurrency and priority), its attempts with their timeout and
 * retries, and the jobs in each state. An attempt that times out frees its slot at once; one
 * given up on at close is settled at once. Whatever a handler does after that is ignored (the
 * attempt number it ran under is no longer the job's), so nothing counts twice.
 *
 * Every attempt is one p-queue task, added with its job's priority (p-queue's `priority`: 2 high,
 * 1 medium, 0 low), so p-queue's own ordering decides which job starts next: higher priority
 * first, oldest first within one. The task does not close over its job (no closure per job):
 * there is one task function per priority, and the job sits in that priority's FIFO. p-queue
 * starts the tasks of one priority in the order they were added, and each takes the oldest job of
 * its FIFO, so the n-th task of a priority to start runs the n-th job queued at it: the very job
 * p-queue chose.
 *
 * A job's task is added when the job is among the first `concurrency` waiting at its priority,
 * not before: p-queue always holds a task for each priority that has waiting jobs (so its choice
 * is the one it would make holding them all), and enough to fill every slot at once, but a
 * backlog of thousands costs a job object each, not a p-queue task each as well (about 800
 * bytes: its promises, closures, options copy, id and symbol), which the garbage collector would
 * copy at every young-generation collection while the backlog lasts. The start order is the one
 * p-queue gives jobs all added at enqueue.
 */
export class TypeQueue {
  readonly queue: PQueue;
  /** Waiting jobs by priority rank (0 low, 1 medium, 2 high), each oldest first: one per task of that priority p-queue holds. */
  private readonly waiting: readonly Deque<Job>[] = [new Deque<Job>(), new Deque<Job>(), new Deque<Job>()];
  /** Tasks p-queue holds (added, not started) per priority rank: min(waiting at that rank, {@link TypeQueue.ahead}). */
  private readonly held: number[] = [0, 0, 0];
  /** Tasks held ahead per priority: one per slot, so p-queue can fill every free slot at once. */
  private readonly ahead: number;
  /** p-queue's task of each priority rank: one attempt of the oldest job of that rank. */
  private readonly tasks: readonly (() => Promise<void> | undefined)[] = [() => this.start(0), () => this.start(1), () => this.start(2)];
  private readonly timeout: number | undefined;
  /** Jobs whose attempt runs now (an array with swap-removal: a Set rehashes as entries come and go). */
  readonly active: Job[] = [];
  /** Most attempts that ran at once since the type was defined. */
  peak = 0;
  readonly delayed = new Set<Job>();
  /** Set by close(): a failed attempt goes to the dead letters instead of a retry. */
  closing = false;
  /** Resolvers of the tracked hand-off: an attempt ended, the next one has not started yet. */
  private handoffs: (() => void)[] = [];
  /** Only a clock a test drives needs the hand-offs (a promise each): see {@link isManualClock}. */
  private readonly manual: boolean;

  constructor(
    readonly type: string,
    readonly handler: JobHandler,
    readonly options: ResolvedJobTypeOptions,
    readonly metrics: TypeMetrics,
    readonly stats: TypeStats,
    private readonly host: QueueHost,
  ) {
    this.queue = new PQueue({ concurrency: options.concurrency });
    this.timeout = options.timeout;
    this.ahead = options.concurrency;
    this.manual = isManualClock(host.clock) && typeof host.clock.track === 'function';
  }

  /** Jobs waiting for a slot. */
  get waitingCount(): number {
    return this.waiting[0]!.size + this.waiting[1]!.size + this.waiting[2]!.size;
  }

  /** Jobs waiting for a slot, by priority. */
  waitingByPriority(): { high: number; medium: number; low: number } {
    return { high: this.waiting[2]!.size, medium: this.waiting[1]!.size, low: this.waiting[0]!.size };
  }

  /** Queues `job` for its next attempt: one p-queue task with its priority (p-queue starts it now when a slot is free). */
  push(job: Job): void {
    const now = this.host.clock.monotonic();
    job.at = now;
    if (job.queuedAt < 0) job.queuedAt = now;
    const rank = job.priority;
    this.waiting[rank]!.push(job);
    if (this.held[rank]! < this.ahead) this.add(rank);
  }

  /** Hands p-queue one more task of priority `rank` (p-queue starts it now when a slot is free). */
  private add(rank: number): void {
    this.held[rank]!++;
    // The task never rejects, so the promise p-queue returns needs no handler.
    void this.queue.add<Promise<void> | undefined>(this.tasks[rank]!, ADD_OPTIONS[rank]);
  }

  /** Removes every waiting and delayed job (close): they are returned, not run. */
  takeWaiting(): Job[] {
    // p-queue's tasks and the FIFOs go together: what p-queue no longer holds, no task will take.
    this.queue.clear();
    this.held.fill(0);
    const out = [...this.waiting[2]!.takeAll(), ...this.waiting[1]!.takeAll(), ...this.waiting[0]!.takeAll(), ...this.delayed];
    for (const job of this.delayed) this.host.clock.clearTimeout(job.timer);
    this.delayed.clear();
    this.handedOff();
    return out;
  }

  /** Settles a running attempt as failed now (close() past its bound) and aborts its signal. */
  abandon(job: Job, reason: Error): void {
    if (job.running === 0) return;
    job.context?.abort(reason);
    this.settled(job, job.running, false, reason);
  }

  /**
   * On a clock that tracks tasks (a ManualClock in tests), the stretch from an attempt's end to
   * the next attempt's start (p-queue starts it a few microtasks later) is a task: `idle()` waits
   * for the queue to move on rather than for a number of event-loop turns. One hand-off at a time
   * is enough: every pending one ends at the next start.
   */
  private handoff(): void {
    if (!this.manual || this.waitingCount === 0 || this.handoffs.length > 0 || this.queue.isPaused) return;
    this.host.clock.track!(this.nextStart());
  }

  /** Resolves when the next attempt of this type starts (or close() takes the waiting jobs). */
  private nextStart(): Promise<void> {
    return new Promise<void>((resolve) => this.handoffs.push(resolve));
  }

  private handedOff(): void {
    if (this.handoffs.length === 0) return;
    const list = this.handoffs;
    this.handoffs = [];
    for (const resolve of list) resolve();
  }

  /**
   * p-queue's task of priority `rank`: one attempt of the oldest job of that rank. Returns the
   * promise p-queue waits on to free the slot (undefined when the attempt ended synchronously).
   * Never rejects: a job's failure settles the job, and a throw of the runner itself (a bug) is reported.
   */
  private start(rank: number): Promise<void> | undefined {
    this.held[rank]!--;
    const fifo = this.waiting[rank]!;
    const job = fifo.shift();
    if (job === undefined) return undefined;
    // The next job of this priority gets its task now that it is among the first `ahead`.
    if (fifo.size > this.held[rank]!) this.add(rank);
    let attempt = 0;
    try {
      attempt = this.begin(job, this.host.clock.monotonic());
      const value = this.handler(job.payload, job.context!);
      if (isPromiseLike(value)) {
        // With a timeout the slot frees at the timeout; without, as the handler's promise settles.
        return this.timeout === undefined ? this.follow(job, attempt, value) : this.bounded(job, attempt, value, this.timeout);
      }
      this.settled(job, attempt, true, value);
    } catch (thrown) {
      if (attempt === 0) this.host.internal(thrown);
      else this.settled(job, attempt, false, thrown);
    }
    return undefined;
  }

  /** Settles the attempt as `result` settles (once, also for a thenable that calls back twice); never rejects. */
  private async follow(job: Job, attempt: number, result: PromiseLike<unknown>): Promise<void> {
    let ok = true;
    let value: unknown;
    try {
      value = await result;
    } catch (thrown) {
      ok = false;
      value = thrown;
    }
    this.settled(job, attempt, ok, value);
  }

  /** Starts attempt `job.attempts + 1` at monotonic time `started`: counted, timed, in the active list. Returns its number. */
  private begin(job: Job, started: number): number {
    const attempt = ++job.attempts;
    this.metrics.attempt();
    // Never negative, should a job be queued between an attempt's end and the reuse of its time.
    this.metrics.waited(started > job.at ? started - job.at : 0);
    job.at = started;
    job.running = attempt;
    job.slot = this.active.push(job) - 1;
    if (this.active.length > this.peak) this.peak = this.active.length;
    job.context = new AttemptContext(job, attempt);
    this.handedOff();
    return attempt;
  }

  /**
   * Settles the attempt at its timeout, or as its promise settles, whichever is first; resolves
   * then (never rejects), so the loop takes the next job at the timeout whatever the handler does.
   */
  private bounded(job: Job, attempt: number, result: PromiseLike<unknown>, timeout: number): Promise<void> {
    return new Promise<void>((release) => {
      const timer = this.host.clock.setTimeout(() => {
        if (job.running === attempt) {
          this.metrics.timedOut();
          const error = new TimeoutError(`job "${this.type}" attempt ${attempt} ran past its timeout of ${timeout} ms`, timeout);
          job.context?.abort(error);
          this.settled(job, attempt, false, error);
        }
        // Also when close() gave up on the attempt first: the loop must not wait on the handler.
        release();
      }, timeout);
      const end = (ok: boolean, value: unknown): void => {
        this.host.clock.clearTimeout(timer);
        this.settled(job, attempt, ok, value);
        release();
      };
      try {
        result.then(
          (value) => end(true, value),
          (thrown: unknown) => end(false, thrown),
        );
      } catch (thrown) {
        end(false, thrown);
      }
    });
  }

  /** The end of attempt `attempt` of `job`; ignored when the job has moved on (a late settle). */
  private settled(job: Job, attempt: number, ok: boolean, value: unknown): void {
    if (job.running !== attempt) return;
    job.running = 0;
    job.context = undefined;
    const now = this.host.clock.monotonic();
    try {
      this.ended(job, now - job.at, ok, value);
    } catch (error) {
      this.host.internal(error);
    }
    this.handoff();
  }

  private ended(job: Job, ms: number, ok: boolean, value: unknown): void {
    this.removeActive(job);
    this.metrics.ran(ms, ok);
    this.stats.record(ms, ok);
    if (ok) {
      this.metrics.finished(true);
      if (job.letter !== undefined) this.host.recovered(job);
      job.resolve(value);
      return;
    }
    const error = asError(value);
    job.lastError = errorText(error);
    // A dead letter's retry is one attempt; a fresh job gets its `retries`.
    if (job.letter === undefined && job.attempts <= this.options.retries && !this.closing) {
      this.delay(job, backoffDelay(job.attempts, this.options.backoff, this.host.random));
      return;
    }
    this.metrics.finished(false);
    this.host.failed(job, error);
    job.reject(error);
  }

  private removeActive(job: Job): void {
    const list = this.active;
    const last = list.pop()!;
    if (last !== job) {
      list[job.slot] = last;
      last.slot = job.slot;
    }
    job.slot = -1;
  }

  private delay(job: Job, ms: number): void {
    this.delayed.add(job);
    job.timer = this.host.clock.setTimeout(() => {
      job.timer = undefined;
      if (!this.delayed.delete(job)) return undefined;
      const attempts = job.attempts;
      this.push(job);
      // The timer's task ends when the retry has started: now, within push, when a slot is free;
      // else when p-queue starts it (on a test clock, a slot an attempt just left is free only a
      // few microtasks later, once p-queue has counted it free).
      return job.attempts === attempts && this.manual ? this.nextStart() : undefined;
    }, ms);
  }
}
