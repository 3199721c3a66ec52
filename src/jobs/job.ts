import type { TimerHandle } from '../core/clock.js';
import { noop } from '../core/promise.js';
import type { JobDeadLetterRecord } from './dead-letters.js';

/** What `jobs.enqueue` returns: the job's id and a promise of its result. */
export type JobHandle<R = unknown> =
  | {
      readonly id: string;
      readonly type: string;
      /** False: this enqueue was accepted and will run. */
      readonly deduplicated: false;
      /** Resolves with the handler's result; rejects with its last error once out of retries (or a ClosedError when `close()` set it aside). */
      readonly result: Promise<R>;
    }
  | {
      readonly id: string;
      readonly type: string;
      /** True: a job with the same idempotency key ran (or runs) within its TTL, so this one does not. */
      readonly deduplicated: true;
      /** The first job's result when it runs in this process; `undefined` when it ran elsewhere or earlier. */
      readonly result: Promise<R | undefined>;
    };

/** Where a job is in its life. */
export type JobState = 'waiting' | 'active' | 'delayed' | 'done';

/** One accepted job, across its attempts. */
export class Job {
  state: JobState = 'waiting';
  /** Attempts started, the ones before a dead letter's retry included. */
  attempts: number;
  /** Monotonic time it became ready to run (enqueue, or the end of a retry's backoff). */
  readyAt = 0;
  /** The retry's backoff timer while `delayed`. */
  timer: TimerHandle | undefined;
  /** Set while `active`: gives up on the attempt (close() past its bound). */
  giveUp: ((reason: Error) => void) | undefined;
  /** Monotonic start of the running attempt. */
  startedAt = 0;
  lastError = '';
  readonly result: Promise<unknown>;
  private resolveFn!: (value: unknown) => void;
  private rejectFn!: (reason: unknown) => void;

  constructor(
    readonly id: string,
    readonly type: string,
    readonly payload: unknown,
    readonly key: string | undefined,
    readonly priority: number,
    /** Epoch ms of the first enqueue. */
    readonly createdAt: number,
    /** Set when the job is a dead letter's retry: the letter it updates. */
    readonly letter: JobDeadLetterRecord | undefined = undefined,
    attempts = 0,
  ) {
    this.attempts = attempts;
    this.result = new Promise((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // A caller that never reads `result` must not get an unhandled rejection: a job failing is
    // not a crash of the host. A caller that awaits it still gets the rejection.
    this.result.catch(noop);
  }

  /** Settles the job's result once; later calls are ignored. */
  resolve(value: unknown): void {
    this.state = 'done';
    this.resolveFn(value);
  }

  reject(reason: unknown): void {
    this.state = 'done';
    this.rejectFn(reason);
  }
}

/** A thrown value as an Error: a job may throw a string, `undefined` or an object. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    text = Object.prototype.toString.call(thrown);
  }
  return new Error(`job threw a non-Error: ${text.slice(0, 500)}`, { cause: thrown });
}

/** The message kept in a dead letter: bounded, never throwing on a hostile error object. */
export function errorText(error: Error): string {
  try {
    return String(error.message).slice(0, 2_000);
  } catch {
    return 'unreadable error';
  }
}
