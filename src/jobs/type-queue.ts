import PQueue from 'p-queue';
import { backoffDelay } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise.js';
import { asError, AttemptContext, errorText, type Job } from './job.js';
import type { TypeMetrics } from './job-metrics.js';
import type { JobHandler, ResolvedJobTypeOptions } from './options.js';
import type { TypeStats } from './type-stats.js';

/** p-queue's add options per priority rank, made once (p-queue copies them). */
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
 */
export class TypeQueue {
  readonly queue: PQueue;
  readonly waiting = new Set<Job>();
  readonly active = new Set<Job>();
  readonly delayed = new Set<Job>();
  /** Set by close(): a failed attempt goes to the dead letters instead of a retry. */
  closing = false;
  /** Resolvers of the tracked hand-off: an attempt ended, the next one has not started yet. */
  private handoffs: (() => void)[] = [];
  private readonly track: ((task: PromiseLike<unknown>) => void) | undefined;

  constructor(
    readonly type: string,
    readonly handler: JobHandler,
    readonly options: ResolvedJobTypeOptions,
    readonly metrics: TypeMetrics,
    readonly stats: TypeStats,
    private readonly host: QueueHost,
  ) {
    this.queue = new PQueue({ concurrency: options.concurrency });
    // Only a clock whose idle() a test awaits needs the hand-offs (a promise each): the monitor's
    // DeferredClock tracks tasks on any clock, so the decision is made on the clock inside it.
    let inner = host.clock as { track?(task: PromiseLike<unknown>): void; inner?: unknown };
    while (typeof inner.inner === 'object' && inner.inner !== null) inner = inner.inner as typeof inner;
    const clock = host.clock as { track?(task: PromiseLike<unknown>): void };
    this.track = typeof inner.track === 'function' && typeof clock.track === 'function' ? (task) => clock.track!(task) : undefined;
  }

  /** Queues `job` for its next attempt. */
  push(job: Job): void {
    job.state = 'waiting';
    job.readyAt = this.host.clock.monotonic();
    this.waiting.add(job);
    // run() never rejects, so the promise p-queue returns needs no handler.
    void this.queue.add(() => this.run(job), PRIORITY_OPTIONS[job.priority]);
  }

  /** Removes every waiting and delayed job (close): they are returned, not run. */
  drain(): Job[] {
    this.queue.clear();
    const out = [...this.waiting, ...this.delayed];
    for (const job of this.delayed) this.host.clock.clearTimeout(job.timer);
    this.waiting.clear();
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
    if (this.track === undefined || this.waiting.size === 0 || this.handoffs.length > 0) return;
    this.track(this.nextStart());
  }

  /** Resolves when the next attempt of this type starts (or close() drains the queue). */
  private nextStart(): Promise<void> {
    return new Promise<void>((resolve) => this.handoffs.push(resolve));
  }

  private handedOff(list: readonly (() => void)[]): void {
    for (const resolve of list) resolve();
  }

  /** p-queue's task: one attempt. The hand-offs waiting for a start end once this one has started (or ended, if synchronous). */
  private run(job: Job): Promise<void> | void {
    const previous = this.handoffs;
    if (previous.length > 0) this.handoffs = [];
    try {
      return this.attempt(job);
    } catch (error) {
      this.host.internal(error);
      return undefined;
    } finally {
      if (previous.length > 0) this.handedOff(previous);
    }
  }

  private attempt(job: Job): Promise<void> | void {
    // Set aside by close() after p-queue took it: nothing to run.
    if (!this.waiting.delete(job)) return;
    const started = this.host.clock.monotonic();
    const attempt = ++job.attempts;
    job.state = 'active';
    job.startedAt = started;
    job.running = attempt;
    this.active.add(job);
    this.metrics.attempt();
    this.metrics.waited(started - job.readyAt);
    const context = (job.context = new AttemptContext(job.id, attempt));
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
    const timeout = this.options.timeout;
    const settled = result.then(
      (value) => this.settled(job, attempt, true, value),
      (thrown: unknown) => this.settled(job, attempt, false, thrown),
    );
    if (timeout === undefined) return settled as Promise<void>;
    // With a timeout the slot frees at the timeout, whatever the handler does.
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
    const ms = this.host.clock.monotonic() - job.startedAt;
    this.active.delete(job);
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

  private delay(job: Job, ms: number): void {
    job.state = 'delayed';
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
