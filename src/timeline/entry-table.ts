/** First capacity of a table; it doubles up to twice `maxOpen` as entries stay open or finish. */
const INITIAL_CAPACITY = 1_024;
const NONE = -1;
/** A slot's state, and the list it is in (`heads`, `tails` and `sizes` are indexed by it). */
const FREE = 0;
export const OPEN = 1;
export const FINISHED = 2;

/**
 * A timeline's entries as parallel arrays (struct of arrays), open and recently finished ones in
 * the same slots: the time of each phase in one Float64Array, each slot in one of two linked
 * lists, the open entries in the order they opened (the oldest expires or is evicted first) and
 * the finished ones in the order they finished (the oldest is forgotten first).
 *
 * One Map from id to slot serves both: a mark looks its id up once, and the id costs one insert
 * when it opens and one delete when its slot is freed (evicted while open, or forgotten past
 * `max` finished ids). Finishing moves the slot from one list to the other and a reused id's
 * new entry takes its finished slot back, without touching the Map. Once the table has grown to
 * its working size, nothing is allocated: no entry object, no array of times.
 *
 * Holds at most `max` open entries (the caller evicts the oldest before opening past it) and
 * `max` finished ones (the oldest forgotten past it): at most `2 * max` slots, each one time per
 * phase.
 */
export class EntryTable {
  /** Id → slot of every open or remembered finished entry. */
  readonly index = new Map<string, number>();
  /** Phase times, `phases` per slot; NaN for a phase not marked. A finished slot keeps its times. */
  times = new Float64Array(0);
  /** Open slot: when it opened (its TTL runs from there). Finished slot: when it finished. */
  at = new Float64Array(0);
  /** Finished slot: the latency recorded for it (end to end, or what a partial entry counts at). */
  latency = new Float64Array(0);
  /** FREE, OPEN or FINISHED per slot. */
  state = new Uint8Array(0);
  private keys: (string | undefined)[] = [];
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private free = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  /** Per list (OPEN, FINISHED): first and last slot, and length. */
  private readonly heads = Int32Array.of(NONE, NONE, NONE);
  private readonly tails = Int32Array.of(NONE, NONE, NONE);
  private readonly sizes = Int32Array.of(0, 0, 0);

  constructor(
    readonly phases: number,
    readonly max: number,
  ) {}

  /** Open entries now. */
  get openCount(): number {
    return this.sizes[OPEN]!;
  }

  /** Finished ids remembered now. */
  get finishedCount(): number {
    return this.sizes[FINISHED]!;
  }

  /** The oldest open slot, or -1. */
  get oldestOpen(): number {
    return this.heads[OPEN]!;
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  // Times are written to `at` by the caller, not passed: a time (ms since the epoch) is no small
  // integer, and passing it to a call that is not inlined boxes it (an allocation per mark).

  /** Opens a new entry for `key` (not in the index), no phase marked; the caller sets `at[slot]`. Needs room (`openCount < max`). */
  open(key: string): number {
    if (this.freeCount === 0) this.grow();
    const slot = this.free[--this.freeCount]!;
    this.index.set(key, slot);
    this.keys[slot] = key;
    this.start(slot);
    return slot;
  }

  /** Opens a new entry in finished `slot` (its id reused, or marked after its TTL); the caller sets `at[slot]`. Needs room. */
  reopen(slot: number): void {
    this.unlink(slot, FINISHED);
    this.start(slot);
  }

  /**
   * Moves open `slot` to the finished ids (its times stay readable; the caller sets `at[slot]`
   * to when it finished), forgetting the oldest finished id past `max`.
   */
  finish(slot: number): void {
    this.unlink(slot, OPEN);
    this.state[slot] = FINISHED;
    this.append(slot, FINISHED);
    if (this.sizes[FINISHED]! > this.max) this.release(this.heads[FINISHED]!, FINISHED);
  }

  /** Drops the oldest open entry, forgetting its id. */
  evictOldest(): void {
    const slot = this.heads[OPEN]!;
    if (slot !== NONE) this.release(slot, OPEN);
  }

  private start(slot: number): void {
    this.state[slot] = OPEN;
    const base = slot * this.phases;
    for (let i = 0; i < this.phases; i++) this.times[base + i] = Number.NaN;
    this.append(slot, OPEN);
  }

  /** Frees `slot` of `list`, deleting its id from the index. */
  private release(slot: number, list: number): void {
    this.unlink(slot, list);
    this.index.delete(this.keys[slot]!);
    this.keys[slot] = undefined;
    this.state[slot] = FREE;
    this.free[this.freeCount++] = slot;
  }

  private append(slot: number, list: number): void {
    const tail = this.tails[list]!;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.heads[list] = slot;
    else this.next[tail] = slot;
    this.tails[list] = slot;
    this.sizes[list] = this.sizes[list]! + 1;
  }

  private unlink(slot: number, list: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.heads[list] = n;
    else this.next[p] = n;
    if (n === NONE) this.tails[list] = p;
    else this.prev[n] = p;
    this.sizes[list] = this.sizes[list]! - 1;
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.min(2 * this.max, Math.max(INITIAL_CAPACITY, old * 2));
    const grown = <T extends Float64Array | Int32Array | Uint8Array>(from: T, make: (n: number) => T, per = 1): T => {
      const to = make(capacity * per);
      to.set(from);
      return to;
    };
    this.at = grown(this.at, (n) => new Float64Array(n));
    this.latency = grown(this.latency, (n) => new Float64Array(n));
    this.state = grown(this.state, (n) => new Uint8Array(n));
    this.prev = grown(this.prev, (n) => new Int32Array(n));
    this.next = grown(this.next, (n) => new Int32Array(n));
    this.times = grown(this.times, (n) => new Float64Array(n), this.phases);
    this.free = grown(this.free, (n) => new Int32Array(n));
    // Lowest slots are taken first: pushed in reverse.
    for (let s = capacity - 1; s >= old; s--) this.free[this.freeCount++] = s;
    this.capacity = capacity;
  }
}
