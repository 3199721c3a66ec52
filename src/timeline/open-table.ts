/** First capacity of a table; it doubles up to `maxOpen` as entries stay open. */
const INITIAL_CAPACITY = 1_024;
const NONE = -1;

/**
 * The open entries of a timeline as parallel arrays (struct of arrays): the time of each phase in
 * one Float64Array, the creation order as a linked list of slots. A mark allocates nothing once
 * the table has grown: no entry object, no array of times (a Float64Array per entry cost more
 * than the histogram observe it feeds). Holds at most `max` entries; the caller evicts the oldest
 * before adding past it.
 *
 * The id → slot index is the timeline's, shared with its {@link FinishedIds} (one Map, one
 * lookup per mark): the table only sets an id's slot in it when the id opens; the caller
 * overwrites or deletes the id's index entry when its slot is removed.
 */
export class OpenTable {
  private count = 0;
  private keys: (string | undefined)[] = [];
  private created = new Float64Array(0);
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** Phase times, `phases` per slot; NaN for a phase not marked. */
  times = new Float64Array(0);
  private free: number[] = [];
  private capacity = 0;
  private head = NONE;
  private tail = NONE;

  constructor(
    readonly phases: number,
    readonly max: number,
    /** The timeline's id index: an open id's value is its slot (>= 0). */
    private readonly index: Map<string, number>,
  ) {}

  get size(): number {
    return this.count;
  }

  /** The oldest open slot, or -1. */
  get oldest(): number {
    return this.head;
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  createdAt(slot: number): number {
    return this.created[slot]!;
  }

  /** Opens `key` at `now` with no phase marked; the table must have room (`size < max`). */
  add(key: string, now: number): number {
    if (this.free.length === 0) this.grow();
    const slot = this.free.pop()!;
    this.index.set(key, slot);
    this.count++;
    this.keys[slot] = key;
    this.created[slot] = now;
    const base = slot * this.phases;
    for (let i = 0; i < this.phases; i++) this.times[base + i] = Number.NaN;
    this.prev[slot] = this.tail;
    this.next[slot] = NONE;
    if (this.tail === NONE) this.head = slot;
    else this.next[this.tail] = slot;
    this.tail = slot;
    return slot;
  }

  /**
   * Closes `slot` and returns its key; its times stay readable until the slot is reused by the
   * next {@link add}. The key's index entry is left to the caller, who overwrites it (the id
   * finished) or deletes it (evicted): an overwrite costs less than a delete and a set.
   */
  remove(slot: number): string {
    const key = this.keys[slot]!;
    this.count--;
    this.keys[slot] = undefined;
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
    this.free.push(slot);
    return key;
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.min(this.max, Math.max(INITIAL_CAPACITY, old * 2));
    const grown = <T extends Float64Array | Int32Array>(from: T, make: (n: number) => T, per = 1): T => {
      const to = make(capacity * per);
      to.set(from);
      return to;
    };
    this.created = grown(this.created, (n) => new Float64Array(n));
    this.prev = grown(this.prev, (n) => new Int32Array(n));
    this.next = grown(this.next, (n) => new Int32Array(n));
    this.times = grown(this.times, (n) => new Float64Array(n), this.phases);
    // Lowest slots are popped first: pushed in reverse.
    for (let s = capacity - 1; s >= old; s--) this.free.push(s);
    this.capacity = capacity;
  }
}
