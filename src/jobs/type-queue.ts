import PQueue from 'p-queue';
import { backoffDelay } from '../core/backoff.js';
import { TimeoutError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise.js';
import { type AttemptEnds, type QueueHost, settleWithin } from './attempt-ends.js';
import { Deque } from './deque.js';
import { HandOffs } from './hand-off.js';
import { asError, AttemptContext, errorText, type Job } from './job.js';
import type { TypeMetrics } from './job-metrics.js';
import type { JobHandler, ResolvedJobTypeOptions } from './options.js';
import type { TypeStats } from './type-stats.js';

/** p-queue's add options per priority rank, made once: p-queue copies them on each add. */
const ADD_OPTIONS: readonly { readonly priority: number }[] = [0, 1, 2].map((priority) => Object.freeze({ priority }));

/**
 * One job type: its p-queue (the concurrency limit), its waiting jobs by priority, its attempts
 * with their timeout and retries, and the jobs in each state. An attempt that times out frees its
 * slot at once; one given up on at close is settled at once. Whatever a handler does after that
 * is ignored (the attempt number it ran under is no longer the job's), so nothing counts twice.
 *
 * Waiting jobs sit in one FIFO per priority. p-queue runs drain loops, each added with a priority
 * (p-queue's `priority`: 2 high, 1 medium, 0 low) and draining that priority's FIFO, oldest
 * first. p-queue holds a loop of every priority that has waiting jobs, and a loop ends after an
 * attempt when p-queue holds a higher one, so whenever priorities compete for a slot p-queue's
 * own ordering picks; otherwise the loop runs the next job of its priority, the one p-queue
 * would pick too. A busy type costs p-queue about a task per slot, not one per job (a task per
 * job measured about half of raw p-queue's throughput: docs/jobs.md, "How it is built").
 */
export class TypeQueue {
  readonly queue: PQueue;
  /** Waiting jobs by priority rank (0 low, 1 medium, 2 high), each oldest first. */
  private readonly waiting: readonly Deque<Job>[] = [new Deque<Job>(), new Deque<Job>(), new Deque<Job>()];
  /**
   * Loops p-queue holds (added, not started) per priority rank: at least one while that rank has
   * waiting jobs (see {@link TypeQueue.push} and {@link TypeQueue.drainLoop}).
   */
  private readonly held: number[] = [0, 0, 0];
  /** Ranks of the adds being made (see {@link TypeQueue.add}); empty between them. */
  private readonly adds: number[] = [];
  /** p-queue's task of each priority rank: a drain loop of that rank. */
  private readonly tasks: readonly (() => Promise<void>)[] = [() => this.drainLoop(0), () => this.drainLoop(1), () => this.drainLoop(2)];
  private readonly timeout: number | undefined;
  /** Jobs whose attempt runs now (an array with swap-removal: a Set rehashes as entries come and go). */
  readonly active: Job[] = [];
  /** Most attempts that ran at once since the type was defined. */
  peak = 0;
  readonly delayed = new Set<Job>();
  /** Set by close(): a failed attempt goes to the dead letters instead of a retry. */
  closing = false;
  /** The job {@link TypeQueue.abandon} is settling (close() gave up on it: not a failure to drop). */
  private abandoning: Job | undefined;
  private readonly handOffs: HandOffs;
  /** What {@link settleWithin} reports to, made once (no closures per attempt). */
  private readonly ends: AttemptEnds = {
    timedOut: (job, attempt, timeout) => {
      this.metrics.timedOut();
      const error = new TimeoutError(`job "${this.type}" attempt ${attempt} ran past its timeout of ${timeout} ms`, timeout);
      job.context?.abort(error);
      this.settled(job, attempt, false, error);
    },
    settled: (job, attempt, ok, value) => void this.settled(job, attempt, ok, value),
  };

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
    this.handOffs = new HandOffs(host.clock);
  }

  /** Jobs waiting for a slot. */
  get waitingCount(): number {
    return this.waiting[0]!.size + this.waiting[1]!.size + this.waiting[2]!.size;
  }

  /** Jobs waiting for a slot, by priority. */
  waitingByPriority(): { high: number; medium: number; low: number } {
    return { high: this.waiting[2]!.size, medium: this.waiting[1]!.size, low: this.waiting[0]!.size };
  }

  /** Queues `job` for its next attempt; a free slot starts it now (p-queue starts a task as it is added). */
  push(job: Job): void {
    const now = this.host.clock.monotonic();
    job.at = now;
    if (job.queuedAt < 0) job.queuedAt = now;
    const rank = job.priority;
    this.waiting[rank]!.push(job);
    if (this.held[rank] === 0) this.add(rank);
  }

  /**
   * Hands p-queue a loop of priority `rank`: started now when a slot is free, else held in
   * p-queue's order. p-queue starts a task inside `add`, and a loop's start may add the next, so
   * an add made while one runs is queued here and made after it: thousands of free slots (a
   * resume) fill one after another, not each inside the last (a stack overflow).
   */
  private add(rank: number): void {
    this.held[rank]!++;
    this.adds.push(rank);
    if (this.adds.length > 1) return;
    for (let i = 0; i < this.adds.length; i++) {
      const r = this.adds[i]!;
      // The loop never rejects, so the promise p-queue returns needs no handler.
      void this.queue.add(this.tasks[r]!, ADD_OPTIONS[r]);
    }
    this.adds.length = 0;
  }

  /** True when p-queue holds a loop of a higher priority than `rank`: the slot is p-queue's to give. */
  private outranked(rank: number): boolean {
    return rank < 2 && (this.held[2]! > 0 || (rank === 0 && this.held[1]! > 0));
  }

  /** Removes every waiting and delayed job (close): they are returned, not run. */
  takeWaiting(): Job[] {
    // Loops p-queue had not started are dropped with its queue; running ones find nothing left.
    this.queue.clear();
    this.held.fill(0);
    const out = [...this.waiting[2]!.takeAll(), ...this.waiting[1]!.takeAll(), ...this.waiting[0]!.takeAll(), ...this.delayed];
    for (const job of this.delayed) this.host.clock.clearTimeout(job.timer);
    this.delayed.clear();
    this.handOffs.started();
    return out;
  }

  /** Settles a running attempt as failed now (close() past its bound) and aborts its signal. */
  abandon(job: Job, reason: Error): void {
    if (job.running === 0) return;
    job.context?.abort(reason);
    this.abandoning = job;
    try {
      this.settled(job, job.running, false, reason);
    } finally {
      this.abandoning = undefined;
    }
  }

  /** An attempt ended: on a clock that tracks tasks, the wait for the next start is a task (see {@link HandOffs}). */
  private handoff(): void {
    if (!this.handOffs.tracked || this.waitingCount === 0 || this.queue.isPaused) return;
    this.handOffs.track();
  }

  /**
   * p-queue's task of priority `rank`: runs the oldest waiting job of that rank, and the next when
   * it ends, until none waits, p-queue holds a loop of a higher rank, or p-queue is paused. Never
   * rejects: a job's failure settles the job, and a throw of the runner itself (a bug) is
   * reported and the loop goes on with the next job.
   */
  private async drainLoop(rank: number): Promise<void> {
    this.held[rank]!--;
    const fifo = this.waiting[rank]!;
    // When the last attempt ended, if this loop settled it just now: the next attempt starts at
    // that time (nothing runs in between), one clock read per job fewer.
    let now = -1;
    for (;;) {
      const job = fifo.shift();
      if (job === undefined) return;
      let attempt = 0;
      try {
        let value: unknown;
        try {
          attempt = this.begin(job, now < 0 ? this.host.clock.monotonic() : now);
          now = -1;
          value = this.handler(job.payload, job.context!);
        } finally {
          // The rest of this rank keeps a loop in p-queue, so p-queue sees every priority that
          // waits (while every slot is busy, one held loop per rank). Added once this job has
          // started: p-queue starts a loop added in a free slot at once (a resume, a raised
          // concurrency), and that loop must take the job after this one, not start before it.
          if (fifo.size > 0 && this.held[rank] === 0) this.add(rank);
        }
        if (isPromiseLike(value)) {
          // With a timeout the slot frees at the timeout; without, the loop waits on the handler's
          // own promise (no promise of ours per job). A thenable that calls back twice is settled
          // once by await.
          if (this.timeout !== undefined) await settleWithin(this.host.clock, this.ends, job, attempt, value, this.timeout);
          else now = this.settled(job, attempt, true, await value);
        } else now = this.settled(job, attempt, true, value);
      } catch (thrown) {
        if (attempt === 0) {
          // begin() threw (a bug of ours): reported, and the job, which has left its FIFO, fails
          // this attempt like any other (begin marks it running first), rather than being lost.
          this.host.internal(thrown);
          attempt = job.running;
        }
        if (attempt !== 0) now = this.settled(job, attempt, false, thrown);
      }
      // Paused, p-queue holds this rank's loop until it resumes; outranked, p-queue starts the
      // highest loop it holds in this slot; over p-queue's concurrency (lowered at run time), the
      // slot is given up (a held loop of this rank goes on when the count is under it again).
      if (this.queue.isPaused) return this.handOffs.started();
      if (this.outranked(rank)) return;
      if (this.queue.pending > this.queue.concurrency) return;
    }
  }

  /** Starts attempt `job.attempts + 1` at monotonic time `started`: counted, timed, in the active list. Returns its number. */
  private begin(job: Job, started: number): number {
    const attempt = ++job.attempts;
    // Running and in the active list before anything that could throw: a throw below leaves an
    // attempt the loop can settle (see drainLoop), not a job that is nowhere.
    job.running = attempt;
    job.slot = this.active.push(job) - 1;
    if (this.active.length > this.peak) this.peak = this.active.length;
    this.handOffs.started();
    // Never negative, should a job be queued between an attempt's end and the reuse of its time.
    const waited = started > job.at ? started - job.at : 0;
    job.at = started;
    this.metrics.attempt();
    this.metrics.waited(waited);
    job.context = new AttemptContext(job, attempt);
    return attempt;
  }

  /** The end of attempt `attempt` of `job`: the monotonic time it ended, or -1 when ignored (the job has moved on: a late settle). */
  private settled(job: Job, attempt: number, ok: boolean, value: unknown): number {
    if (job.running !== attempt) return -1;
    job.running = 0;
    job.context = undefined;
    const now = this.host.clock.monotonic();
    try {
      this.ended(job, now - job.at, ok, value);
    } catch (error) {
      this.host.internal(error);
    }
    this.handoff();
    return now;
  }

  /** Counts the attempt's end and settles the job or delays its retry; a throw (reported by {@link TypeQueue.settled}) still settles it. */
  private ended(job: Job, ms: number, ok: boolean, value: unknown): void {
    this.removeActive(job);
    let retrying = false;
    let error: Error | undefined;
    try {
      this.metrics.ran(ms, ok);
      this.stats.record(ms, ok);
      if (ok) {
        this.metrics.finished(true);
        if (job.letter !== undefined) this.host.recovered(job);
        return;
      }
      error = asError(value);
      if (this.abandoning === job) {
        // Given up on by close(): not the job's own failure (its last error stays its letter's).
        this.metrics.finished(false);
        this.host.abandoned(job, error);
        return;
      }
      job.lastError = errorText(error);
      // A dead letter's retry is one attempt; a fresh job gets its `retries`.
      const retriesLeft = job.letter === undefined && job.attempts <= this.options.retries;
      if (retriesLeft && !this.closing) {
        this.delay(job, backoffDelay(job.attempts, this.options.backoff, this.host.random));
        retrying = true;
        return;
      }
      this.metrics.finished(false);
      // A retry close() prevents: kept as a delayed job is, whatever `deadLetter` says.
      this.host.failed(job, error, retriesLeft);
    } finally {
      // Whatever threw above (the host's dead letters, say), the job's result does not hang.
      if (ok) job.resolve(value);
      else if (!retrying) job.reject(error ?? asError(value));
    }
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
      // else, while a slot is free, when a loop takes it (on a test clock, a slot an attempt just
      // left is free only a few microtasks later, once p-queue has counted it free). With every
      // slot busy the retry waits for an attempt to end, which may be a later timer's doing:
      // waiting on it here would hang advanceAsync, and the attempt's end hands off anyway.
      const free = !this.queue.isPaused && this.active.length < this.queue.concurrency;
      return job.attempts === attempts && this.handOffs.tracked && free ? this.handOffs.nextStart() : undefined;
    }, ms);
  }
}
