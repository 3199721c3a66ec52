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
 * The most recent finished entries of a timeline: a fixed ring of parallel arrays, so memory is
 * bounded by `capacity` whatever the traffic and adding allocates nothing. Reads copy out.
 */
export class SampleRing {
  private readonly ids: (string | undefined)[];
  private readonly finished: Float64Array;
  private readonly complete: Uint8Array;
  private readonly latency: Float64Array;
  private readonly times: Float64Array;
  private next = 0;
  private size = 0;

  constructor(
    readonly capacity: number,
    private readonly phases: number,
  ) {
    this.ids = Array.from({ length: capacity }, () => undefined);
    this.finished = new Float64Array(capacity);
    this.complete = new Uint8Array(capacity);
    this.latency = new Float64Array(capacity);
    this.times = new Float64Array(capacity * phases);
  }

  /** Samples held now. */
  get length(): number {
    return this.size;
  }

  /**
   * Keeps a sample of entry `slot` of a timeline's table: its times copied from `times` (at
   * `slot * phases`), when it finished from `finishedAt[slot]` and its latency from
   * `latency[slot]` (columns, not time arguments: a time passed to a call boxes it). Replaces the
   * oldest when full.
   */
  add(id: string, complete: boolean, slot: number, times: Float64Array, finishedAt: Float64Array, latency: Float64Array): void {
    if (this.capacity === 0) return;
    const at = this.next;
    this.ids[at] = id;
    this.finished[at] = finishedAt[slot]!;
    this.complete[at] = complete ? 1 : 0;
    this.latency[at] = latency[slot]!;
    // A loop, not set(subarray()): a view allocated per sample cost as much as the rest of a mark.
    const to = at * this.phases;
    const offset = slot * this.phases;
    for (let i = 0; i < this.phases; i++) this.times[to + i] = times[offset + i]!;
    this.next = (at + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
  }

  /** The samples, newest first, that pass `keep`. */
  newestFirst(keep: (s: StoredSample) => boolean = () => true): StoredSample[] {
    const out: StoredSample[] = [];
    for (let i = 1; i <= this.size; i++) {
      const at = (this.next - i + this.capacity) % this.capacity;
      const s: StoredSample = {
        id: this.ids[at]!,
        finishedAt: this.finished[at]!,
        complete: this.complete[at] === 1,
        latency: this.latency[at]!,
        times: this.times.slice(at * this.phases, (at + 1) * this.phases),
      };
      if (keep(s)) out.push(s);
    }
    return out;
  }
}
