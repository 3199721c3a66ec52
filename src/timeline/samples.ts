import type { EntryTable } from './entry-table.js';

/** One finished entry as a timeline keeps it: its id, when it finished and its marks. */
export interface StoredSample {
  readonly id: string;
  /** Clock time (ms) it finished: its last phase was marked, or its TTL ran out. */
  readonly finishedAt: number;
  /** True when its first and last phases were marked in order (it has an end-to-end latency). */
  readonly complete: boolean;
  /**
   * The latency (ms) recorded for it: end to end when complete; when its TTL ran out, from its
   * earliest marked phase to when it was judged expired, at least the TTL; when its last phase
   * came without its first, the span of the phases it has.
   */
  readonly latency: number;
  /** Time of each phase's mark in phase order, NaN for a phase never marked (a copy). */
  readonly times: Float64Array;
}

/**
 * The most recent finished entries of a timeline, kept where they already are: a finished
 * entry's slot of the {@link EntryTable} (its id, phase times, finish time and latency) is held
 * by this ring instead of being freed, and freed when a newer sample pushes it out. Nothing is
 * copied when an entry finishes (copying every finished entry's times and fields, for reads that
 * want only the last `capacity`, cost ~8 % of a mark's instructions); reads copy out. Memory is
 * bounded by `capacity` held slots whatever the traffic, and adding allocates nothing.
 */
export class SampleRing {
  /** Ring position → the table slot holding that sample. */
  private readonly slots: Int32Array;
  private readonly complete: Uint8Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    private readonly entries: EntryTable,
  ) {
    this.slots = new Int32Array(capacity);
    this.complete = new Uint8Array(capacity);
  }

  /** Samples held now. */
  get length(): number {
    return this.size;
  }

  /**
   * Keeps finished `slot` (left by the table's open entries, not freed) as the newest sample,
   * freeing the slot of the oldest sample when full (or `slot` itself when nothing is kept).
   */
  add(slot: number, complete: boolean): void {
    const capacity = this.capacity;
    if (capacity === 0) {
      this.entries.free(slot);
      return;
    }
    const at = this.next;
    if (this.size === capacity) this.entries.free(this.slots[at]!);
    else this.size++;
    this.slots[at] = slot;
    this.complete[at] = complete ? 1 : 0;
    this.next = at + 1 === capacity ? 0 : at + 1;
  }

  /** The samples, newest first, that pass `keep`. */
  newestFirst(keep: (s: StoredSample) => boolean = () => true): StoredSample[] {
    const out: StoredSample[] = [];
    const entries = this.entries;
    const phases = entries.phases;
    for (let i = 1; i <= this.size; i++) {
      const at = (this.next - i + this.capacity) % this.capacity;
      const slot = this.slots[at]!;
      const s: StoredSample = {
        id: entries.keyAt(slot),
        finishedAt: entries.at[slot]!,
        complete: this.complete[at] === 1,
        latency: entries.latency[slot]!,
        times: entries.times.slice(slot * phases, (slot + 1) * phases),
      };
      if (keep(s)) out.push(s);
    }
    return out;
  }
}
