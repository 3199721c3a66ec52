import type { DropReason } from '../core/events.js';
import type { Rollup } from '../storage/contract.js';

/**
 * The recorder's pending rollups, in two queues: current ones (slots closed on time) and late
 * ones (slots before the current one, from records timestamped in the past). Late rollups have
 * their own cap, `maxLate`, past which new ones are dropped (`late`); both queues together stay
 * within `maxBuffered`, and when they exceed it late rollups go first, so late records never
 * push current rollups out. Within a queue the oldest go first (`buffer_full`).
 */
export class RollupBuffer {
  private current: Rollup[] = [];
  private late: Rollup[] = [];
  /** Which rollups came in late, so that a failed batch goes back to the right queue. */
  private readonly lateOnes = new WeakSet<Rollup>();

  constructor(
    private readonly maxBuffered: number,
    private readonly maxLate: number,
    private readonly dropped: (reason: DropReason, count: number) => void,
  ) {}

  /** Rollups waiting, both queues. */
  get size(): number {
    return this.current.length + this.late.length;
  }

  /** Late rollups waiting. */
  get lateSize(): number {
    return this.late.length;
  }

  /**
   * Late rollups {@link addLate} would keep now: room under `maxLate`, and under `maxBuffered`
   * (past it, late rollups are the first to go).
   */
  get lateRoom(): number {
    return Math.max(0, Math.min(this.maxLate - this.late.length, this.maxBuffered - this.size));
  }

  /** Every rollup waiting: current ones, then late ones. */
  all(): Rollup[] {
    return this.current.concat(this.late);
  }

  /** Queues current rollups; the oldest beyond `maxBuffered` go (late ones first). */
  add(rollups: readonly Rollup[]): void {
    for (const r of rollups) this.current.push(r);
    this.trim();
  }

  /**
   * Queues late rollups up to `maxLate` waiting; past it the new ones are dropped (`late`).
   * Returns how many of `rollups` it kept: the caller announces only those.
   */
  addLate(rollups: readonly Rollup[]): number {
    const before = this.late.length;
    const room = Math.max(0, this.maxLate - before);
    const taken = Math.min(room, rollups.length);
    for (let i = 0; i < taken; i++) {
      this.lateOnes.add(rollups[i]!);
      this.late.push(rollups[i]!);
    }
    if (taken < rollups.length) this.dropped('late', rollups.length - taken);
    // Trimming takes the oldest late rollups first: the new ones go only after all older ones.
    const trimmed = this.trim().late;
    return taken - Math.max(0, trimmed - before);
  }

  /** Removes and returns up to `n` rollups to write: current ones first, in order, then late ones. */
  take(n: number): Rollup[] {
    const batch = this.current.splice(0, n);
    return batch.length < n ? batch.concat(this.late.splice(0, n - batch.length)) : batch;
  }

  /**
   * Puts rollups whose write failed back at the head of their queues, in their order. Late ones
   * queued meanwhile may take the late queue past `maxLate`: the newest beyond it go (`late`).
   */
  putBack(rollups: readonly Rollup[]): void {
    const current: Rollup[] = [];
    const late: Rollup[] = [];
    for (const r of rollups) (this.lateOnes.has(r) ? late : current).push(r);
    this.current = current.concat(this.current);
    this.late = late.concat(this.late);
    const excess = this.late.length - this.maxLate;
    if (excess > 0) {
      this.late.length = this.maxLate;
      this.dropped('late', excess);
    }
    this.trim();
  }

  /** Empties both queues; returns how many rollups they held. */
  clear(): number {
    const n = this.size;
    this.current = [];
    this.late = [];
    return n;
  }

  /** Drops the oldest beyond `maxBuffered`, late ones first; returns how many late ones went. */
  private trim(): { late: number } {
    const excess = this.size - this.maxBuffered;
    if (excess <= 0) return { late: 0 };
    const fromLate = Math.min(excess, this.late.length);
    this.late.splice(0, fromLate);
    this.current.splice(0, excess - fromLate);
    this.dropped('buffer_full', excess);
    return { late: fromLate };
  }
}
