import type { Backoff } from '../core/backoff.js';
import type { DeadLetterBook } from './dead-letters.js';
import type { JobPriority } from './options.js';
import type { TypeQueue } from './type-queue.js';

/** A defined job type's options as the runner applies them (defaults filled in, durations in ms). */
export interface JobTypeSettings {
  concurrency: number;
  /** Default priority of its jobs (lower case). */
  priority: JobPriority;
  retries: number;
  /** Delays in ms. */
  backoff: Backoff;
  /** Budget of one attempt in ms; undefined: none. */
  timeout: number | undefined;
  /** The key function given to `define`, if any. */
  idempotencyKey: ((payload: never) => unknown) | undefined;
  /** In ms. */
  idempotencyTtl: number;
  deadLetter: boolean;
}

/** A defined job type's state now. */
export interface JobTypeState {
  /** Attempts running now. */
  running: number;
  /** Jobs waiting for a slot, by priority (the order they start in: high, then medium, then low). */
  waiting: { high: number; medium: number; low: number };
  /** Jobs in a retry's backoff. */
  delayed: number;
  /** Most attempts that ran at once since the type was defined (never above `concurrency`). */
  peakConcurrency: number;
  /** Its dead letters, as last counted (the queue gauge's numbers). */
  deadLetters: { pending: number; failed: number };
}

/** What `jobs.describe(type)` returns: a type's options and its state, read when called. */
export interface JobTypeDescription {
  type: string;
  options: JobTypeSettings;
  state: JobTypeState;
}

/** Reads one type's options (a frozen copy: changing it changes nothing) and its state now. */
export function describeType(queue: TypeQueue, book: DeadLetterBook): JobTypeDescription {
  const o = queue.options;
  return {
    type: queue.type,
    options: Object.freeze({
      concurrency: o.concurrency,
      priority: o.priority,
      retries: o.retries,
      backoff: Object.freeze({ ...o.backoff }),
      timeout: o.timeout,
      idempotencyKey: o.idempotencyKey,
      idempotencyTtl: o.idempotencyTtl,
      deadLetter: o.deadLetter,
    }),
    state: {
      running: queue.active.length,
      waiting: queue.waitingByPriority(),
      delayed: queue.delayed.size,
      peakConcurrency: queue.peak,
      deadLetters: { pending: book.count(queue.type, 'pending'), failed: book.count(queue.type, 'failed') },
    },
  };
}
