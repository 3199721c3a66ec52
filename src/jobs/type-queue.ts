import PQueue from 'p-queue';
import { backoffDelay } from '../core/backoff.js';
import type { Clock } from '../core/clock.js';
import { TimeoutError } from '../core/errors.js';
import { isPromiseLike, noop } from '../core/promise.js';
import { asError, errorText, type Job } from './job.js';
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
}

/**
 * One job type: its p-queue (concurrency and priority), its attempts with their timeout and
 * retries, and the jobs in each state. An attempt that times out (or is given up on at close)
 * frees its slot at once; whatever its handler does later is ignored, so nothing counts twice.
 */
export class TypeQueue {
  readonly queue: PQueue;
  readonly waiting = new Set<Job>();
  readonly active = new Set<Job>();
  readonly delayed = new Set<Job>();
  /** Set by close(): a failed attempt goes to the dead letters instead of a retry. */
  closing = false;
  /** Resolvers of the tracked hand-offs: an attempt ended, the next one has not started yet. */
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
    const clock = host.clock as { track?(task: PromiseLike<unknown>): void };
    this.track = typeof clock.track === 'function' ? (task) => clock.track!(task) : undefined;
  }

  /**
   * On a clock that tracks tasks (a ManualClock in tests), the stretch from an attempt's end to
   * the next attempt's start (p-queue starts it a few microtasks later) is a task: `idle()` waits
   * for the queue to move on rather than for a number of event-loop turns.
   */
  private handoff(): void {
    if (this.track === undefined || this.waiting.size === 0) return;
    this.track(this.nextStart());
  }

  /** Resolves when the next attempt of this type starts (or close() drains the queue). */
  private nextStart(): Promise<void> {
    return new Promise<void>((resolve) => this.handoffs.push(resolve));
  }

  private handedOff(): void {
    if (this.handoffs.length === 0) return;
    const done = this.handoffs;
    this.handoffs = [];
    for (const resolve of done) resolve();
  }

  /** Queues `job` for its next attempt. */
  push(job: Job): void {
    job.state = 'waiting';
    job.readyAt = this.host.clock.monotonic();
    this.waiting.add(job);
    // The task never rejects (run catches everything); the catch is for p-queue's own abort errors.
    this.queue.add(() => this.run(job), { priority: job.priority }).catch(noop);
  }

  /** Removes every waiting and delayed job (close): they are returned, not run. */
  drain(): Job[] {
    this.queue.clear();
    const out = [...this.waiting, ...this.delayed];
    for (const job of this.delayed) this.host.clock.clearTimeout(job.timer);
    this.waiting.clear();
    this.delayed.clear();
    this.handedOff();
    return out;
  }

  /** p-queue's task: one attempt. The hand-offs waiting for a start end once this one has started (or ended, if synchronous). */
  private run(job: Job): Promise<void> | void {
    const previous = this.handoffs;
    this.handoffs = [];
    try {
      return this.attempt(job);
    } finally {
      for (const resolve of previous) resolve();
    }
  }

  private attempt(job: Job): Promise<void> | void {
    // Set aside by close() after p-queue took it: nothing to run.
    if (!this.waiting.delete(job)) return;
    const clock = this.host.clock;
    const started = clock.monotonic();
    job.state = 'active';
    job.startedAt = started;
    job.attempts++;
    this.active.add(job);
    this.metrics.attempt();
    this.metrics.waited(started - job.readyAt);
    const controller = new AbortController();
    let result: unknown;
    try {
      result = this.handler(job.payload, { signal: controller.signal, attempt: job.attempts, id: job.id });
    } catch (thrown) {
      this.ended(job, started, false, thrown);
      this.handoff();
      return;
    }
    if (!isPromiseLike(result)) {
      this.ended(job, started, true, result);
      this.handoff();
      return;
    }
    return new Promise<void>((release) => {
      let done = false;
      const timeout = this.options.timeout;
      let timer: unknown;
      const finish = (ok: boolean, value: unknown): void => {
        if (done) return;
        done = true;
        job.giveUp = undefined;
        if (timer !== undefined) clock.clearTimeout(timer);
        this.ended(job, started, ok, value);
        this.handoff();
        release();
      };
      job.giveUp = (reason) => {
        controller.abort(reason);
        finish(false, reason);
      };
      if (timeout !== undefined) {
        timer = clock.setTimeout(() => {
          timer = undefined;
          if (done) return;
          this.metrics.timedOut();
          const error = new TimeoutError(`job "${this.type}" attempt ${job.attempts} ran past its timeout of ${timeout} ms`, timeout);
          controller.abort(error);
          finish(false, error);
        }, timeout);
      }
      // A handler's promise that settles after its timeout lands in a finished attempt: ignored.
      (result as PromiseLike<unknown>).then(
        (value) => finish(true, value),
        (thrown: unknown) => finish(false, thrown),
      );
    });
  }

  private ended(job: Job, started: number, ok: boolean, value: unknown): void {
    const ms = this.host.clock.monotonic() - started;
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
    const retry = job.letter === undefined ? job.attempts : Infinity;
    if (retry <= this.options.retries && !this.closing) {
      this.delay(job, backoffDelay(retry, this.options.backoff, this.host.random));
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
