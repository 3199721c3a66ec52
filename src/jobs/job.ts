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

/**
 * What a handler is given besides its payload. The AbortController behind `signal` is created
 * when a handler first reads it (most jobs never do, and one per attempt is a measurable cost).
 */
export class AttemptContext {
  private controller: AbortController | undefined;
  private reason: Error | undefined;

  constructor(
    readonly id: string,
    readonly attempt: number,
  ) {}

  /** Aborts when the attempt times out or the runner gives up on it at `close()`. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason !== undefined) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  /** Aborts the signal, now or when it is first read. */
  abort(reason: Error): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** One accepted job, across its attempts. */
export class Job {
  state: JobState = 'waiting';
  /** Attempts started, the ones before a dead letter's retry included. */
  attempts: number;
  /** The attempt number running now; 0 when none (a late settle of an attempt given up on finds 0 or another number). */
  running = 0;
  /** Monotonic time it became ready to run (enqueue, or the end of a retry's backoff). */
  readyAt = 0;
  /** The retry's backoff timer while `delayed`. */
  timer: TimerHandle | undefined;
  /** The running attempt's context (its signal). */
  context: AttemptContext | undefined;
  /** Monotonic start of the running attempt. */
  startedAt = 0;
  lastError = '';
  /** 0 pending, 1 resolved, 2 rejected. */
  private outcome = 0;
  private value: unknown;
  private promise: Promise<unknown> | undefined;
  private resolveFn: ((v: unknown) => void) | undefined;
  private rejectFn: ((e: unknown) => void) | undefined;

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
  }

  /**
   * The job's result, created when first read: a job whose result nobody reads costs no promise,
   * and its failure is no unhandled rejection. A caller that awaits it gets the rejection.
   */
  get result(): Promise<unknown> {
    if (this.promise !== undefined) return this.promise;
    if (this.outcome === 1) this.promise = Promise.resolve(this.value);
    else if (this.outcome === 2) this.promise = Promise.reject(this.value);
    else
      this.promise = new Promise((resolve, reject) => {
        this.resolveFn = resolve;
        this.rejectFn = reject;
      });
    // Read but dropped (`const { id } = handle` reads no result; this covers a `void handle.result`).
    this.promise.catch(noop);
    return this.promise;
  }

  /** Settles the job's result once; later calls are ignored. */
  resolve(value: unknown): void {
    this.finish(1, value);
  }

  reject(reason: unknown): void {
    this.finish(2, reason);
  }

  private finish(outcome: 1 | 2, value: unknown): void {
    this.state = 'done';
    if (this.outcome !== 0) return;
    this.outcome = outcome;
    this.value = value;
    if (outcome === 1) this.resolveFn?.(value);
    else this.rejectFn?.(value);
    this.resolveFn = this.rejectFn = undefined;
  }
}

/** A handle over a job: `result` is read from the job when asked for. */
export class Handle {
  constructor(
    readonly id: string,
    readonly type: string,
    readonly deduplicated: boolean,
    private readonly job: Job,
  ) {}

  get result(): Promise<unknown> {
    return this.job.result;
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
