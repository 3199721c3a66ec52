import type { Clock, TimerHandle } from '../core/clock.js';
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

/**
 * What a handler is given besides its payload. The AbortController behind `signal` is created
 * when a handler first reads it (most jobs never do, and one per attempt is a measurable cost),
 * and the id is the job's, read from it when asked for.
 */
export class AttemptContext {
  private controller: AbortController | undefined;
  private reason: Error | undefined;
  /** Called once when the attempt is aborted: its timeout race lets go of the timer and the slot. */
  onAbort: (() => void) | undefined;

  constructor(
    private readonly job: Job,
    readonly attempt: number,
  ) {}

  /** The job's id. */
  get id(): string {
    return this.job.id;
  }

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
    const onAbort = this.onAbort;
    this.onAbort = undefined;
    onAbort?.();
  }
}

/**
 * One accepted job, across its attempts. It is also the handle `enqueue` resolves with (`id`,
 * `type`, `deduplicated`, `result`): one object per job instead of two, since a queue of
 * thousands of waiting jobs keeps every one of them alive until it runs.
 */
export class Job {
  /** Attempts started, the ones before a dead letter's retry included. */
  attempts: number;
  /** The attempt number running now; 0 when none (a late settle of an attempt given up on finds 0 or another number). */
  running = 0;
  /** Its index in its queue's list of running jobs while an attempt runs; -1 otherwise. */
  slot = -1;
  /**
   * Monotonic time: while waiting, when it became ready to run (enqueue, or the end of a retry's
   * backoff); while active, when the attempt started. One field for both (each double field is
   * a boxed number of its own).
   */
  at = 0;
  /** Monotonic time it was first queued; -1 until then. Its epoch time is worked out when a dead letter needs it (see {@link Job.createdAt}). */
  queuedAt = -1;
  /** The retry's backoff timer while `delayed`. */
  timer: TimerHandle | undefined;
  /** The running attempt's context (its signal). */
  context: AttemptContext | undefined;
  lastError = '';
  /** 0 pending, 1 resolved, 2 rejected. */
  private outcome = 0;
  private value: unknown;
  private promise: Promise<unknown> | undefined;
  private resolveFn: ((v: unknown) => void) | undefined;
  private rejectFn: ((e: unknown) => void) | undefined;
  /** The id, or its sequence number until the id is first read (most never are: no string per job). */
  private ident: string | number;

  constructor(
    /** The id, or a sequence number that becomes `${prefix}-${n}` when first read. */
    ident: string | number,
    private readonly prefix: string,
    readonly type: string,
    readonly payload: unknown,
    readonly key: string | undefined,
    readonly priority: number,
    /** Set when the job is a dead letter's retry: the letter it updates. */
    readonly letter: JobDeadLetterRecord | undefined = undefined,
    attempts = 0,
  ) {
    this.ident = ident;
    this.attempts = attempts;
  }

  get id(): string {
    const ident = this.ident;
    if (typeof ident === 'string') return ident;
    return (this.ident = `${this.prefix}-${ident}`);
  }

  /** False: this enqueue was accepted and will run (a duplicate gets a {@link Handle}). */
  get deduplicated(): false {
    return false;
  }

  /** What a handle shows when serialized: its public fields, not the job's state (nor the cycle through a running attempt's context). */
  toJSON(): { id: string; type: string; deduplicated: false } {
    return { id: this.id, type: this.type, deduplicated: false };
  }

  /**
   * Epoch ms of the first enqueue: a letter's own for a letter's retry, else the time now less
   * the monotonic time since it was queued (no wall-clock read per job; dead letters are rare).
   */
  createdAt(clock: Clock): number {
    if (this.letter !== undefined) return this.letter.createdAt;
    const now = clock.now();
    return this.queuedAt < 0 ? now : Math.round(now - (clock.monotonic() - this.queuedAt));
  }

  /**
   * The job's result, created when first read: a job whose result nobody reads costs no promise,
   * and its failure is no unhandled rejection. A caller that awaits it gets the rejection.
   */
  get result(): Promise<unknown> {
    if (this.promise !== undefined) return this.promise;
    if (this.outcome === 1) this.promise = Promise.resolve(this.value);
    else if (this.outcome === 2) (this.promise = Promise.reject(this.value)).catch(noop);
    else {
      capturing = this;
      this.promise = new Promise(capture);
      capturing = undefined;
    }
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
    if (this.outcome !== 0) return;
    this.outcome = outcome;
    this.value = value;
    if (outcome === 1) this.resolveFn?.(value);
    else if (this.rejectFn !== undefined) {
      // Read but dropped (`void handle.result`) is no unhandled rejection. Handled here, as it
      // rejects, rather than when it was read: a job that succeeds costs no second promise.
      this.promise!.catch(noop);
      this.rejectFn(value);
    }
    this.resolveFn = this.rejectFn = undefined;
  }

  /** @internal The resolvers of `result`, handed over by {@link capture}. */
  static captured(job: Job, resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
    job.resolveFn = resolve;
    job.rejectFn = reject;
  }
}

/** The job whose `result` promise is being created (set around `new Promise(capture)`, which runs synchronously). */
let capturing: Job | undefined;

/** One executor for every job's result promise: a closure per job would be one more object to keep. */
function capture(resolve: (v: unknown) => void, reject: (e: unknown) => void): void {
  Job.captured(capturing!, resolve, reject);
}

/** The handle of a duplicate enqueue: the first job's result (or the duplicate's own, resolved with undefined). */
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

/**
 * A thrown value as an Error: a job may throw a string, `undefined` or an object. Never throws:
 * a revoked proxy throws on every read, `instanceof` included, and a throw here would leave the
 * job neither retried nor settled.
 */
export function asError(thrown: unknown): Error {
  try {
    if (thrown instanceof Error) return thrown;
  } catch {
    // Not an Error we can read: described below.
  }
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : (JSON.stringify(thrown) ?? String(thrown));
  } catch {
    try {
      text = Object.prototype.toString.call(thrown);
    } catch {
      text = 'a value that throws when read';
    }
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
