import type { Clock } from '../core/clock.js';
import type { Job } from './job.js';

/** What a type's queue hands back to the runner when a job is out of attempts. */
export interface QueueHost {
  readonly clock: Clock;
  readonly random: () => number;
  /**
   * A job failed its last attempt: the runner dead-letters it (or updates its letter). `cutShort`:
   * it failed while close() waited, with retries left, so it is kept even where the type's
   * `deadLetter` is false.
   */
  failed(job: Job, error: Error, cutShort: boolean): void;
  /** close() gave up on the job's running attempt (with `error`): kept as close() keeps a waiting job. */
  abandoned(job: Job, error: Error): void;
  /** A dead letter's retry succeeded: the runner deletes the letter. */
  recovered(job: Job): void;
  /** Something in the runner itself threw (a bug): reported, never thrown into p-queue. */
  internal(error: unknown): void;
}

/** Where {@link settleWithin} reports an attempt's end: the queue that runs it. */
export interface AttemptEnds {
  /** Attempt `attempt` of `job` ran past `timeout` ms and still runs: fail it (abort its signal, settle it). */
  timedOut(job: Job, attempt: number, timeout: number): void;
  /** Attempt `attempt` of `job` settled (ignored by the queue when the job has moved on). */
  settled(job: Job, attempt: number, ok: boolean, value: unknown): void;
}

/**
 * Settles attempt `attempt` of `job` at its timeout, or as its promise settles, whichever is
 * first; resolves then (never rejects), so the loop takes the next job at the timeout whatever
 * the handler does.
 */
export function settleWithin(clock: Clock, ends: AttemptEnds, job: Job, attempt: number, result: PromiseLike<unknown>, timeout: number): Promise<void> {
  return new Promise<void>((release) => {
    const timer = clock.setTimeout(() => {
      if (job.running === attempt) ends.timedOut(job, attempt, timeout);
      release();
    }, timeout);
    // close() giving up on the attempt aborts it: the timer goes with it (no timer left after
    // close), and the loop stops waiting on the handler.
    const context = job.context;
    if (context !== undefined) {
      context.onAbort = () => {
        clock.clearTimeout(timer);
        release();
      };
    }
    const end = (ok: boolean, value: unknown): void => {
      clock.clearTimeout(timer);
      ends.settled(job, attempt, ok, value);
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
