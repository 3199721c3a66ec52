import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';
import type { JobDeadLetter, JobDeadLetterQuery } from '../storage/records.js';
import { JOB_PRIORITIES, type JobPriority } from './options.js';

/**
 * A job dead letter as `monitor.jobs` writes it: the storage contract's fields plus seed 000's
 * status and timestamps. Stores keep a letter as a whole document, so the extra fields round-trip
 * through every built-in adapter; a letter written without them reads as `pending`.
 */
export interface JobDeadLetterRecord extends JobDeadLetter {
  /** `pending`: the processor will retry it; `failed`: out of dead-letter retries, kept until purged. */
  status: 'pending' | 'failed';
  /** Epoch ms the job was first enqueued. */
  createdAt: number;
  /** Epoch ms of its last attempt. */
  lastAttemptAt: number;
  /** Retries from the dead letters so far (seed 000: at most 5). */
  retries: number;
  /** The job's priority (its enqueue's, or its type's): a retry of the letter runs at it. Absent in letters written before it was kept. */
  priority?: JobPriority;
}

/** Letters kept in memory while the store refuses them; past it the oldest are dropped (and reported). */
const MAX_UNSAVED = 10_000;

/** Reads a stored letter into a record; undefined for what is not a letter at all. */
export function toRecord(value: unknown): JobDeadLetterRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Partial<JobDeadLetterRecord>;
  if (typeof v.id !== 'string' || typeof v.job !== 'string') return undefined;
  const num = (n: unknown, fallback: number): number => (typeof n === 'number' && Number.isFinite(n) ? n : fallback);
  const failedAt = num(v.failedAt, 0);
  const out: JobDeadLetterRecord = {
    id: v.id,
    job: v.job,
    data: v.data,
    error: typeof v.error === 'string' ? v.error : '',
    attempts: num(v.attempts, 0),
    failedAt,
    status: v.status === 'failed' ? 'failed' : 'pending',
    createdAt: num(v.createdAt, failedAt),
    lastAttemptAt: num(v.lastAttemptAt, failedAt),
    retries: num(v.retries, 0),
  };
  if (typeof v.idempotencyKey === 'string') out.idempotencyKey = v.idempotencyKey;
  if ((JOB_PRIORITIES as readonly unknown[]).includes(v.priority)) out.priority = v.priority!;
  return out;
}

/**
 * The job dead letters in the store: writes (kept in memory and written again later while the
 * store fails), reads, and the per-type counts the queue gauges show.
 */
export class DeadLetterBook {
  private readonly unsaved = new Map<string, JobDeadLetterRecord>();
  /** Per type: letters pending and failed, as last listed plus this process's changes since. */
  private readonly counts = new Map<string, { pending: number; failed: number }>();

  constructor(private readonly ctx: CapabilityContext) {}

  /** The dead-letter count of `type` in `status`, for the queue gauge. */
  count(type: string, status: 'pending' | 'failed'): number {
    return this.counts.get(type)?.[status] ?? 0;
  }

  /** Writes `letter` (replacing one with its id); `previous` is the status it had, if it existed. Never rejects. */
  async save(letter: JobDeadLetterRecord, previous?: 'pending' | 'failed'): Promise<boolean> {
    if (previous !== undefined) this.adjust(letter.job, previous, -1);
    this.adjust(letter.job, letter.status, 1);
    try {
      await this.ctx.storage.saveJobDeadLetter(letter);
      this.unsaved.delete(letter.id);
      return true;
    } catch (cause) {
      this.ctx.report(new StorageError(`saving the dead letter of job "${letter.job}" (${letter.id}) to "${this.ctx.storage.name}" storage failed; it is kept in memory and written again at the next dead-letter run`, { cause }));
      this.unsaved.delete(letter.id);
      this.unsaved.set(letter.id, letter);
      if (this.unsaved.size > MAX_UNSAVED) {
        const oldest = this.unsaved.keys().next().value!;
        this.unsaved.delete(oldest);
        this.ctx.drop('buffer_full', 1);
      }
      return false;
    }
  }

  /** Writes the letters the store refused before; returns how many are still unsaved. */
  async flushUnsaved(): Promise<number> {
    for (const letter of [...this.unsaved.values()]) {
      try {
        await this.ctx.storage.saveJobDeadLetter(letter);
        this.unsaved.delete(letter.id);
      } catch (cause) {
        this.ctx.report(new StorageError(`writing ${this.unsaved.size} kept dead letters to "${this.ctx.storage.name}" storage failed again`, { cause }));
        break;
      }
    }
    return this.unsaved.size;
  }

  /** Letters matching `query`, oldest first (those the store refused included). A whole listing refreshes the gauge counts. Rejects with a StorageError. */
  async list(query: JobDeadLetterQuery = {}): Promise<JobDeadLetterRecord[]> {
    let stored: unknown;
    try {
      stored = await this.ctx.storage.listJobDeadLetters(query);
    } catch (cause) {
      throw new StorageError(`listing job dead letters from "${this.ctx.storage.name}" storage failed`, { cause });
    }
    const out: JobDeadLetterRecord[] = [];
    for (const item of Array.isArray(stored) ? stored : []) {
      const r = toRecord(item);
      if (r !== undefined && !this.unsaved.has(r.id)) out.push(r);
    }
    for (const r of this.unsaved.values()) if (query.job === undefined || r.job === query.job) out.push(r);
    out.sort((a, b) => a.failedAt - b.failedAt);
    const limited = query.limit === undefined ? out : out.slice(0, query.limit);
    if (query.job === undefined && query.limit === undefined) this.recount(out);
    return limited;
  }

  /** The letter with `id`, or undefined. Rejects with a StorageError. */
  async get(id: string): Promise<JobDeadLetterRecord | undefined> {
    return (await this.list()).find((r) => r.id === id);
  }

  /** Deletes a letter; true if it existed. Rejects with a StorageError. */
  async remove(letter: Pick<JobDeadLetterRecord, 'id' | 'job' | 'status'>): Promise<boolean> {
    const kept = this.unsaved.delete(letter.id);
    let existed: boolean;
    try {
      existed = (await this.ctx.storage.deleteJobDeadLetter(letter.id)) === true;
    } catch (cause) {
      throw new StorageError(`deleting job dead letter "${letter.id}" from "${this.ctx.storage.name}" storage failed`, { cause });
    }
    if (existed || kept) this.adjust(letter.job, letter.status, -1);
    return existed || kept;
  }

  private recount(all: readonly JobDeadLetterRecord[]): void {
    this.counts.clear();
    for (const r of all) this.adjust(r.job, r.status, 1);
  }

  private adjust(type: string, status: 'pending' | 'failed', by: number): void {
    let c = this.counts.get(type);
    if (c === undefined) this.counts.set(type, (c = { pending: 0, failed: 0 }));
    c[status] = Math.max(0, c[status] + by);
  }
}
