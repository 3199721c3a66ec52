import type { CapabilityContext } from '../capability.js';
import { StorageError } from '../core/errors.js';

/** Ticks whose lease this instance remembers holding (the current and the next). */
const HELD = 4;
/** Lease names per service (ticks cycle through them). */
const KEYS = 64;

/**
 * Who evaluates the rules at each tick when several instances share a store: the first to take
 * the tick's lease in the store (`tryAcquire`). Ticks are `evaluationInterval`-long spans of
 * wall-clock time, so instances agree on them without talking. The instance that evaluated a
 * tick takes the next tick's lease as soon as it is done, so the same instance keeps
 * evaluating while it lives; when it dies, the tick after the one it took is free and another
 * instance takes it: evaluation fails over within two intervals. An instance that cannot reach
 * the store evaluates anyway: evaluating twice beats not evaluating at all. Instances' clocks must
 * agree to well within one interval: one that runs an interval ahead takes ticks the others have
 * not reached, and both evaluate.
 */
export class EvaluationLease {
  private readonly held: number[] = [];
  private storeDownReported = false;

  constructor(
    private readonly ctx: CapabilityContext,
    private readonly interval: number,
  ) {}

  /** Whether this instance evaluates the tick `ts` falls in (taking its lease if free). */
  async acquire(ts: number): Promise<boolean> {
    const tick = Math.floor(ts / this.interval);
    if (this.held.includes(tick)) return true;
    return this.take(tick);
  }

  /** Takes the next tick's lease (the evaluating instance keeps evaluating). */
  async extend(ts: number): Promise<void> {
    const next = Math.floor(ts / this.interval) + 1;
    if (!this.held.includes(next)) await this.take(next);
  }

  private async take(tick: number): Promise<boolean> {
    let got: boolean;
    try {
      // Two intervals: the lease outlives its tick, so a late clock cannot take a tick twice.
      // Keys cycle through KEYS names (a key is free again long before its turn comes back: its lease lasts 2 ticks), so
      // stores that keep expired leases until a purge (PostgreSQL) hold a few rows, not one per tick.
      got = (await this.ctx.storage.tryAcquire(`pulsewatch:${this.ctx.service}:evaluate:${tick % KEYS}`, 2 * this.interval)) === true;
      this.storeDownReported = false;
    } catch (cause) {
      if (!this.storeDownReported) {
        this.storeDownReported = true;
        this.ctx.report(new StorageError(`taking the evaluation lease on "${this.ctx.storage.name}" storage failed; this instance evaluates until the store answers`, { cause }));
      }
      // Evaluate this time, but hold nothing: once the store answers again, the tick goes to
      // whoever takes its lease, or two instances would both keep evaluating.
      return true;
    }
    if (got) {
      this.held.push(tick);
      if (this.held.length > HELD) this.held.shift();
    }
    return got;
  }
}
