import type { CapabilityContext } from '../capability.js';
import { sleep } from '../core/clock.js';
import { ClosedError } from '../core/errors.js';
import type { DeadLetterBook } from './dead-letters.js';
import type { DeadLetterProcessor } from './dead-letter-processor.js';
import type { Job } from './job.js';
import type { TypeQueue } from './type-queue.js';

/** What {@link closeJobs} shuts down. */
export interface ClosingJobs {
  ctx: CapabilityContext;
  /** How long running attempts may take to finish. */
  timeout: number;
  queues: readonly TypeQueue[];
  /** Idempotency keys being claimed by enqueues made before close(): their jobs are set aside when the claims end. */
  claims(): Promise<unknown>[];
  processor: DeadLetterProcessor;
  book: DeadLetterBook;
  flushBaselines(): Promise<void>;
}

/**
 * Closes the runner: the schedule stops; waiting and delayed jobs become dead letters at once;
 * running attempts, and enqueues still taking their idempotency key, get `timeout` to finish
 * (an attempt that fails now is dead-lettered, not retried; a job whose key is then taken is
 * dead-lettered), then attempts are aborted and dead-lettered too. Resolves when every letter
 * write has ended. Never rejects.
 */
export async function closeJobs(c: ClosingJobs): Promise<void> {
  c.processor.halt();
  for (const q of c.queues) {
    q.closing = true;
    for (const job of q.takeWaiting()) setAside(c, job, 'the job runner closed before it ran');
  }
  const running = (): Job[] => c.queues.flatMap((q) => [...q.active]);
  const claims = c.claims();
  if (running().length > 0 || claims.length > 0) {
    const stop = new AbortController();
    const idle = Promise.all([...c.queues.map((q) => q.queue.onPendingZero()), ...claims.map((claim) => claim.catch(() => undefined))]);
    await Promise.race([idle, sleep(c.ctx.clock, c.timeout, stop.signal, { keepAlive: true })]);
    stop.abort();
    for (const q of c.queues) {
      for (const job of [...q.active]) q.abandon(job, new ClosedError(`the job runner closed while job "${q.type}" ${job.id} ran past the ${c.timeout} ms close bound`));
    }
  }
  await c.processor.settle();
  await c.book.flushUnsaved();
  await c.flushBaselines();
}

/**
 * A job that will not run here: a dead letter with the attempts it had (written even when its
 * type has `deadLetter: false`: an accepted job that never finished is not a failure to drop),
 * and its handle rejects. A dead letter's retry that had not started leaves its letter as it was.
 */
function setAside(c: ClosingJobs, job: Job, why: string): void {
  const error = new ClosedError(`${why}; it is kept in the dead letters`);
  keepForLater(c.processor, job, error);
  job.reject(error);
}

/**
 * Keeps a job close() stops (waiting, delayed, or running past the bound) for a later run: a
 * new letter with the last error the job met (`error` when none), or, for a dead letter's retry,
 * its letter as it was (a shutdown spends none of its retries).
 */
export function keepForLater(processor: DeadLetterProcessor, job: Job, error: Error): void {
  if (job.letter !== undefined) processor.released(job);
  else processor.failed(job, job.lastError === '' ? error : new Error(job.lastError), true);
}
