import type { CapabilityContext } from '../capability.js';
import { scheduleAligned } from '../core/schedule-aligned.js';
import { isPulsewatchError, PulsewatchError, StorageError } from '../core/errors.js';
import type { DeadLetterBook, JobDeadLetterRecord } from './dead-letters.js';
import { errorText, type Job } from './job.js';
import type { JobHandle } from './job.js';
import { PRIORITY_OF_RANK, type ResolvedJobsOptions } from './options.js';
import type { TypeQueue } from './type-queue.js';

/** What one processor run did. */
export interface DeadLetterRun {
  /** False when another instance holds this run's lease (the scheduled run only). */
  ran: boolean;
  /** Letters deleted for being older than `deadLetterRetention`. */
  purged: number;
  /** Letters run once more. */
  retried: number;
  /** Letters marked `failed`: out of dead-letter retries. */
  exhausted: number;
}

/** What the processor needs from the runner. */
export interface ProcessorHost {
  typeOf(type: string): TypeQueue | undefined;
  retry(letter: JobDeadLetterRecord): JobHandle;
}

/**
 * Seed 000's dead-letter queue: a job out of retries becomes a letter; a scheduled run (hourly
 * by default, one instance per run through a store lease) purges letters past the retention and
 * retries the others, each at most `deadLetterMaxAttempts` times, after which it stays `failed`.
 */
export class DeadLetterProcessor {
  private stop: (() => void) | undefined;
  private readonly writes = new Set<Promise<unknown>>();
  /** Letters being retried now: a second retry of one waits for the first to end. */
  private readonly inFlight = new Set<string>();
  /** Letters of {@link inFlight} deleted meanwhile: their retry's end must not write them back. */
  private readonly deleted = new Set<string>();

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly options: ResolvedJobsOptions,
    private readonly book: DeadLetterBook,
    private readonly host: ProcessorHost,
  ) {}

  /** Arms the schedule (once, at the first job type: a monitor without jobs has no timer). */
  start(): void {
    this.stop ??= scheduleAligned(this.ctx.clock, this.options.deadLetterInterval, () => this.scheduled(), (error) =>
      this.ctx.report(isPulsewatchError(error) ? error : new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `the scheduled dead-letter run threw: ${error instanceof Error ? error.message : String(error)}`, { cause: error })),
    );
  }

  /** Stops the schedule; a run in progress finishes. */
  halt(): void {
    this.stop?.();
    this.stop = () => undefined;
  }

  /** Marks letter `id` as being retried; false when it is already. */
  begin(id: string): boolean {
    if (this.inFlight.has(id)) return false;
    this.inFlight.add(id);
    return true;
  }

  /** Letter `id` was deleted: if its retry runs now, that retry's end leaves it deleted. */
  forget(id: string): void {
    if (this.inFlight.has(id)) this.deleted.add(id);
  }

  /** A job failed its last attempt: a new letter, or its letter updated when it was a letter's retry. */
  failed(job: Job, error: Error, deadLetter: boolean): void {
    const now = this.ctx.clock.now();
    const previous = job.letter;
    if (previous !== undefined && this.end(previous.id)) return;
    if (previous === undefined && !deadLetter) return;
    const retries = previous === undefined ? 0 : previous.retries + 1;
    const letter: JobDeadLetterRecord = {
      id: job.id,
      job: job.type,
      data: job.payload,
      error: errorText(error),
      attempts: job.attempts,
      failedAt: now,
      status: previous !== undefined && retries >= this.options.deadLetterMaxAttempts ? 'failed' : 'pending',
      createdAt: job.createdAt(this.ctx.clock),
      lastAttemptAt: now,
      retries,
      priority: PRIORITY_OF_RANK[job.priority]!,
    };
    if (job.key !== undefined) letter.idempotencyKey = job.key;
    this.track(this.book.save(letter, previous?.status));
  }

  /** A letter's retry set aside at close before it ran: the letter stays as it was. */
  released(job: Job): void {
    if (job.letter !== undefined) this.end(job.letter.id);
  }

  /** A letter's retry succeeded: the letter goes. */
  recovered(job: Job): void {
    const letter = job.letter!;
    if (this.end(letter.id)) return;
    this.track(this.book.remove(letter).catch((error: unknown) => this.ctx.report(isPulsewatchError(error) ? error : new StorageError('deleting a recovered dead letter failed', { cause: error }))));
  }

  /** Waits for the letter writes in progress. */
  async settle(): Promise<void> {
    while (this.writes.size > 0) await Promise.all(this.writes);
  }

  /** One run now, whatever instance ran last (`jobs.deadLetters.process()`). Rejects with a StorageError when the letters cannot be listed. */
  async run(): Promise<DeadLetterRun> {
    await this.book.flushUnsaved();
    const now = this.ctx.clock.now();
    const letters = await this.book.list();
    const result: DeadLetterRun = { ran: true, purged: 0, retried: 0, exhausted: 0 };
    for (const letter of letters) {
      if (letter.createdAt < now - this.options.deadLetterRetention) {
        if (await this.book.remove(letter)) {
          result.purged++;
          this.forget(letter.id);
        }
        continue;
      }
      if (letter.status === 'failed') continue;
      if (letter.retries >= this.options.deadLetterMaxAttempts) {
        await this.book.save({ ...letter, status: 'failed' }, letter.status);
        result.exhausted++;
        continue;
      }
      // A letter of a type this process does not define waits for an instance that does.
      if (this.host.typeOf(letter.job) === undefined || this.inFlight.has(letter.id)) continue;
      this.host.retry(letter);
      result.retried++;
    }
    return result;
  }

  private async scheduled(): Promise<void> {
    try {
      const key = `pulsewatch:jobs:${this.ctx.service}:dead-letter-run`;
      if (!(await this.ctx.storage.tryAcquire(key, Math.max(1, Math.floor(this.options.deadLetterInterval * 0.9))))) return;
      await this.run();
    } catch (error) {
      this.ctx.report(isPulsewatchError(error) ? error : new StorageError('the scheduled dead-letter run failed', { cause: error }));
    }
  }

  /** Letter `id`'s retry ended; true when the letter was deleted while it ran (nothing to write). */
  private end(id: string): boolean {
    this.inFlight.delete(id);
    return this.deleted.delete(id);
  }

  private track(write: Promise<unknown>): void {
    this.writes.add(write);
    const done = (): void => void this.writes.delete(write);
    write.then(done, done);
  }
}
