import type { CapabilityContext } from '../capability.js';
import { StorageError, ValidationError } from '../core/errors.js';
import type { Job } from './job.js';
import { MAX_KEY_LENGTH } from './options.js';

/** What an idempotency key claimed: this enqueue runs, or another job holds the key. */
export type Claim = { owner: true } | { owner: false; job: Job | undefined };

/**
 * Idempotency keys: in this process a map of keys to the job that holds them (so a second
 * enqueue gets the first one's result), across processes the store's leases (a key is a lease
 * held for its TTL). A key stays taken for its TTL after the job ends, as seed 000's dedup does.
 */
export class Dedup {
  private readonly held = new Map<string, { until: number; job: Job | undefined }>();

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly maxKeys: number,
  ) {}

  /**
   * Claims `key` of `type` for `ttl` ms on behalf of `job`. The key is taken in memory before
   * the store is asked, so two enqueues in one process never both ask. A store that fails is
   * reported and the job runs (a duplicate run beats a lost one).
   */
  async claim(type: string, key: string, ttl: number, job: Job): Promise<Claim> {
    const local = `${type}\u0000${key}`;
    const now = this.ctx.clock.now();
    const seen = this.held.get(local);
    if (seen !== undefined && seen.until > now) return { owner: false, job: seen.job };
    this.held.delete(local);
    this.held.set(local, { until: now + ttl, job });
    this.bound(now);
    let acquired = true;
    try {
      acquired = (await this.ctx.storage.tryAcquire(leaseKey(this.ctx.service, type, key), ttl)) === true;
    } catch (cause) {
      this.ctx.report(new StorageError(`taking the idempotency lease of a "${type}" job in "${this.ctx.storage.name}" storage failed; the job runs without fleet-wide dedup`, { cause }));
    }
    if (!acquired) {
      // Another instance holds the key: later enqueues here are duplicates of a job that ran elsewhere.
      const entry = this.held.get(local);
      if (entry !== undefined && entry.job === job) entry.job = undefined;
      return { owner: false, job: undefined };
    }
    return { owner: true };
  }

  /**
   * Keeps the map within `maxKeys`, from the oldest key: the oldest go (their leases still dedup),
   * and with them the expired keys that follow, up to the first key kept. Each key is visited
   * once before it goes, so a full map costs O(1) per claim (a scan of every key for expired ones
   * cost 100,000 visits per keyed enqueue at the default bound).
   */
  private bound(now: number): void {
    if (this.held.size <= this.maxKeys) return;
    for (const [k, v] of this.held) {
      if (this.held.size <= this.maxKeys && v.until > now) break;
      this.held.delete(k);
    }
  }
}

/** The lease that holds an idempotency key fleet-wide. */
export function leaseKey(service: string, type: string, key: string): string {
  return `pulsewatch:jobs:${service}:${type}:${key}`;
}

/** The idempotency key of `payload` by the type's key function; a ValidationError naming `idempotencyKey` when it throws or returns no string. */
export function keyOf(type: string, fn: (payload: never) => unknown, payload: unknown): string {
  let key: unknown;
  try {
    key = fn(payload as never);
  } catch (cause) {
    throw new ValidationError(`jobs.enqueue: idempotencyKey: the "${type}" type's idempotencyKey function threw on this payload`, [{ path: 'idempotencyKey', message: 'threw on the payload' }], { cause });
  }
  if (typeof key === 'number' && Number.isFinite(key)) key = String(key);
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new ValidationError(`jobs.enqueue: idempotencyKey: the "${type}" type's idempotencyKey function must return a string of 1 to ${MAX_KEY_LENGTH} characters`, [{ path: 'idempotencyKey', message: `must return a string of 1 to ${MAX_KEY_LENGTH} characters` }]);
  }
  return key;
}
