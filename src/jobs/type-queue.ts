import PQueue from 'p-queue';
import { backoffDelay } from '../core/backoff.js';
import { type Clock, isManualClock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise.js';
import { Deque } from './deque.js';
import { Follower, isNativePromise } from './follower.js';
import { asError, AttemptContext, errorText, type Job } from './job.js';
import type { TypeMetrics } from './job-metrics.js';
import type { JobHandler, ResolvedJobTypeOptions } from './options.js';
import type { TypeStats } from './type-stats.js';

/** p-queue's add options per priority rank, made once (p-queue copies them; see {@link TypeQueue}). */
const PRIORITY_OPTIONS: readonly { priority: number }[] = [0, 1, 2].map((priority) => Object.freeze({ priority }));

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

/**
 * One job type: its p-queue (concurrency and priority), its attempts with their timeout and
 * retries, and the jobs in each state. An attempt that times out frees its slot at once; one
 * given up on at close is settled at once. Whatever a handler does after that is ignored (the
 * attempt number it ran under is no longer the job's), so nothing counts twice.
 *
 * Waiting jobs sit in one FIFO per priority; p-queue holds the type's concurrency and at most
 * `concurrency` tasks ahead of the running ones (each added with the priority of the job it was
 * added for), and each task, as p-queue starts it, runs the first waiting job by priority, so
 * HIGH starts before MEDIUM and LOW, oldest first within one, whatever was handed to p-queue
 * when. A backlog then costs a job object each, not a p-queue task each (about 800 bytes: its
 * promise, closures, options copy and id), and no closure is made per job.
 */
export class TypeQueue {
  readonly queue: PQueue;
  /** Waiting jobs by priority rank (0 low, 1 medium, 2 high), each oldest first. */
  private readonly waiting: readonly Deque<Job>[] = [new Deque<Job>(), new Deque<Job>(), new Deque<Job>()];
  /** p-queue's task: one attempt of the first waiting job by priority. */
  private readonly task = (): Promise<void> | void => this.run();
  /** Tasks handed to p-queue and not started yet: at most {@link TypeQueue.ahead}, and never more than the jobs waiting. */
  private fed = 0;
  /** How many tasks p-queue holds ahead of its running ones: one per slot, so a slot that frees starts the next job at once. */
  private readonly ahead: number;
  /** Jobs whose attempt runs now (an array with swap-removal: a Set rehashes as entries come and go). */
  readonly active: Job[] = [];
  /** Followers free for the next attempt's promise (see {@link Follower}). */
  private readonly followers: Follower[] = [];
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
    this.ahead = options.concurrency;
    this.manual = isManualClock(host.clock) && typeof host.clock.track === 'function';
  }

  /** Jobs waiting for a slot. */
  get waitingCount(): number {
    return this.waiting[0]!.size + this.waiting[1]!.size + this.waiting[2]!.size;
  }

  /** Queues `job` for its next attempt. */
  push(job: Job): void {
    const now = this.host.clock.monotonic();
    job.at = now;
    if (job.queuedAt < 0) job.queuedAt = now;
    this.waiting[job.priority]!.push(job);
    this.feed();
  }

  /** Hands p-queue a task per waiting job, up to {@link TypeQueue.ahead} not started. */
  private feed(): void {
    while (this.fed < this.ahead && this.fed < this.waitingCount) {
      this.fed++;
      const rank = this.waiting[2]!.size > 0 ? 2 : this.waiting[1]!.size > 0 ? 1 : 0;
      // run() never rejects, so the promise p-queue returns needs no handler.
      void this.queue.add(this.task, PRIORITY_OPTIONS[rank]);
    }
  }

  /** Removes every waiting and delayed job (close): they are returned, not run. */
  drain(): Job[] {
    this.queue.clear();
    this.fed = 0;
    const out = [...this.waiting[2]!.takeAll(), ...this.waiting[1]!.takeAll(), ...this.waiting[0]!.takeAll(), ...this.delayed];
    for (const job of this.delayed) this.host.clock.clearTimeout(job.timer);
    this.delayed.clear();
    this.handedOff(this.handoffs);
    this.handoffs = [];
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
    if (!this.manual || this.waitingCount === 0 || this.handoffs.length > 0) return;
    this.host.clock.track!(this.nextStart());
  }

  /** Resolves when the next attempt of this type starts (or close() drains the queue). */
  private nextStart(): Promise<void> {
    return new Promise<void>((resolve) => this.handoffs.push(resolve));
  }

  private handedOff(list: readonly (() => void)[]): void {
    for (const resolve of list) resolve();
  }

  /** p-queue's task: one attempt of the oldest job of priority `rank`. The hand-offs waiting for a start end once it has started (or ended, if synchronous). */
  private run(): Promise<void> | void {
    if (this.fed > 0) this.fed--;
    // None when close() drained the queue after p-queue took the task.
    const job = this.waiting[2]!.shift() ?? this.waiting[1]!.shift() ?? this.waiting[0]!.shift();
    if (job === undefined) return undefined;
    const previous = this.handoffs;
    if (previous.length > 0) this.handoffs = [];
    try {
      return this.attempt(job);
    } catch (error) {
      this.host.internal(error);
      return undefined;
    } finally {
      if (previous.length > 0) this.handedOff(previous);
      this.feed();
    }
  }

  private attempt(job: Job): Promise<void> | void {
    const started = this.host.clock.monotonic();
    const attempt = ++job.attempts;
    this.metrics.attempt();
    this.metrics.waited(started - job.at);
    job.at = started;
    job.running = attempt;
    job.slot = this.active.push(job) - 1;
    const context = (job.context = new AttemptContext(job, attempt));
    let result: unknown;
    try {
      result = this.handler(job.payload, context);
    } catch (thrown) {
      this.settled(job, attempt, false, thrown);
      return;
    }
    if (!isPromiseLike(result)) {
      this.settled(job, attempt, true, result);
      return;
    }
    const settled = this.follow(job, attempt, result);
    return this.options.timeout === undefined ? settled : this.bounded(job, attempt, context, settled, this.options.timeout);
  }

  /**
   * Settles the attempt as its promise settles. A native promise calls one of its callbacks once,
   * so a pooled follower's callbacks serve it (no closures per attempt); any other thenable may
   * call back twice, or late, and gets callbacks of its own.
   */
  private follow(job: Job, attempt: number, result: PromiseLike<unknown>): Promise<void> {
    if (isNativePromise(result)) {
      const follower = this.followers.pop() ?? new Follower(this.followed);
      follower.job = job;
      follower.attempt = attempt;
      return result.then(follower.ok, follower.fail) as Promise<void>;
    }
    return result.then(
      (value) => this.settled(job, attempt, true, value),
      (thrown: unknown) => this.settled(job, attempt, false, thrown),
    ) as Promise<void>;
  }

  /** A follower's promise settled: the follower is free again (its attempt may have been settled already, by a timeout). */
  private readonly followed = (follower: Follower, ok: boolean, value: unknown): void => {
    const job = follower.job!;
    const attempt = follower.attempt;
    follower.job = undefined;
    this.followers.push(follower);
    this.settled(job, attempt, ok, value);
  };

  /** With a timeout the slot frees at the timeout, whatever the handler does. */
  private bounded(job: Job, attempt: number, context: AttemptContext, settled: Promise<void>, timeout: number): Promise<void> {
    return new Promise<void>((release) => {
      const timer = this.host.clock.setTimeout(() => {
        if (job.running !== attempt) return;
        this.metrics.timedOut();
        const error = new TimeoutError(`job "${this.type}" attempt ${attempt} ran past its timeout of ${timeout} ms`, timeout);
        context.abort(error);
        this.settled(job, attempt, false, error);
        release();
      }, timeout);
      settled.then(() => {
        this.host.clock.clearTimeout(timer);
        release();
      });
    });
  }

  /** The end of attempt `attempt` of `job`; ignored when the job has moved on (a late settle). */
  private settled(job: Job, attempt: number, ok: boolean, value: unknown): void {
    if (job.running !== attempt) return;
    job.running = 0;
    job.context = undefined;
    try {
      this.ended(job, ok, value);
    } catch (error) {
      this.host.internal(error);
    }
    this.handoff();
  }

  private ended(job: Job, ok: boolean, value: unknown): void {
    const ms = this.host.clock.monotonic() - job.at;
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
      // The timer's task ends when the retry has started (p-queue may start it a few microtasks
      // later); with every slot taken, the attempt that frees one hands off instead.
      const started = this.queue.pending < this.options.concurrency ? this.nextStart() : undefined;
      this.push(job);
      return started;
    }, ms);
  }
}
