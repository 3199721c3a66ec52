/** One finished entry as a timeline keeps it: its id, when it finished and its marks. */
export interface StoredSample {
  readonly id: string;
  /** Clock time (ms) it finished: its last phase was marked, or its TTL ran out. */
  readonly finishedAt: number;
  /** True when its first and last phases were marked in order (it has an end-to-end latency). */
  readonly complete: boolean;
  /** Time of each phase's mark in phase order, NaN for a phase never marked. Not copied: never written after. */
  readonly times: Float64Array;
}

/**
 * The most recent finished entries of a timeline: a fixed ring, so memory is bounded by
 * `maxSamples` whatever the traffic. Adding is O(1); reads copy out newest first.
 */
export class SampleRing {
  private readonly slots: (StoredSample | undefined)[];
  private next = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    this.slots = Array.from({ length: capacity }, () => undefined);
  }

  /** Samples held now. */
  get length(): number {
    return this.size;
  }

  /** Keeps `sample`, replacing the oldest when full. */
  add(sample: StoredSample): void {
    if (this.capacity === 0) return;
    this.slots[this.next] = sample;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The samples, newest first, that pass `keep`. */
  newestFirst(keep: (s: StoredSample) => boolean = () => true): StoredSample[] {
    const out: StoredSample[] = [];
    for (let i = 1; i <= this.size; i++) {
      const s = this.slots[(this.next - i + this.capacity) % this.capacity]!;
      if (keep(s)) out.push(s);
    }
    return out;
  }
}
