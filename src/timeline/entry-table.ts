/** First capacity of the open slots and of the finished positions; each doubles up to `max`. */
const INITIAL_CAPACITY = 1_024;
const NONE = -1;

/**
 * A timeline's entries as parallel arrays (struct of arrays): the open entries in slots (the time
 * of each phase in one Float64Array, the slots linked in the order they opened: the oldest
 * expires or is evicted first) and the recently finished ids in positions apart, linked in the
 * order they finished (the oldest forgotten first; a reopened id unlinks its position).
 *
 * One Map from id to where the id is serves both: a slot number (>= 0) for an open entry, `~pos`
 * (< 0) for a finished id at position `pos`. A mark looks its id up once; an id costs one
 * insert when it opens, one overwrite when it finishes and one delete when it is forgotten
 * (evicted while open, or the oldest of `max` finished ids). Once grown to their working size, nothing is
 * allocated: no entry object, no array of times.
 *
 * Why the finished ids are not kept in their slots: a finishing entry's slot is held only while
 * it is one of the last `held` samples, then freed, and the next entry to open takes it back (the
 * free slots are a stack), so the slots in use are about as many as the entries in flight plus
 * the samples, and a finished id costs an id, a time and a flag rather
 * than a slot of one time per phase plus links (kept in their slots, the finished ids grew a busy
 * timeline's slots to `2 * max`). It costs an id one Map overwrite when it finishes; measured,
 * a mark takes the same time either way (the cold Map operations per id dominate both).
 *
 * Holds at most `max` open entries (the caller evicts the oldest before opening past it) and the
 * last `max` distinct ids to finish (a reopened id leaves the finished ids, so reusing one id
 * often never shortens how long the others are remembered): at most `max + held` slots of one
 * time per phase (`held`: finished slots the caller keeps as samples), and `max` finished
 * positions of an id, a time, a flag and two links.
 */
export class EntryTable {
  /** Id → open slot (>= 0), or `~pos` (< 0) for a finished id at position `pos`. */
  readonly index = new Map<string, number>();
  /** Phase times of the open slots, `phases` per slot; NaN for a phase not marked. */
  times = new Float64Array(0);
  /** When each open slot opened (its TTL runs from there); the caller writes when it finished before {@link finish}. */
  at = new Float64Array(0);
  /** The latency recorded for a finishing slot (end to end, or what a partial entry counts at), written by the caller. */
  latency = new Float64Array(0);
  /** Ring position → when that id finished. */
  finishedAt = new Float64Array(0);
  /** Ring position → 1 when that entry had its first phase marked. */
  hadFirst = new Uint8Array(0);
  private keys: (string | undefined)[] = [];
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  private free_ = new Int32Array(0);
  private freeCount = 0;
  private capacity = 0;
  private head = NONE;
  private tail = NONE;
  private open_ = 0;
  /** Ring position → its finished id; undefined when empty, or when the id opened again since. */
  private ringKeys: (string | undefined)[] = [];
  private ringCapacity = 0;
  private ringBefore = new Int32Array(0);
  private ringAfter = new Int32Array(0);
  private ringFree = new Int32Array(0);
  private ringFreeCount = 0;
  private ringHead = NONE;
  private ringTail = NONE;
  private finished_ = 0;

  /**
   * `held`: finished slots kept at most by the caller past {@link finish} (the samples, see
   * SampleRing) before it {@link free}s them: the slots grow to `max + held` at most.
   */
  constructor(
    readonly phases: number,
    readonly max: number,
    readonly held = 0,
  ) {}

  /** Open entries now. */
  get openCount(): number {
    return this.open_;
  }

  /** Finished ids remembered now. */
  get finishedCount(): number {
    return this.finished_;
  }

  /** The oldest open slot, or -1. */
  get oldestOpen(): number {
    return this.head;
  }

  keyAt(slot: number): string {
    return this.keys[slot]!;
  }

  // Times are written to `at` by the caller, not passed: a time (ms since the epoch) is no small
  // integer, and passing it to a call that is not inlined boxes it (an allocation per mark).

  /**
   * Opens a new entry for `key`, no phase marked; the caller sets `at[slot]`. `where` is 0 when
   * `key` is not in the index, or its index value `~pos` (< 0) when it is a finished id (reused,
   * or marked after its TTL), whose finished position is then unlinked and freed. Needs room (`openCount < max`).
   */
  open(key: string, where: number): number {
    if (where < 0) this.forgetPos(~where);
    if (this.freeCount === 0) this.grow();
    const slot = this.free_[--this.freeCount]!;
    this.index.set(key, slot);
    this.keys[slot] = key;
    const base = slot * this.phases;
    for (let i = 0; i < this.phases; i++) this.times[base + i] = Number.NaN;
    const tail = this.tail;
    this.prev[slot] = tail;
    this.next[slot] = NONE;
    if (tail === NONE) this.head = slot;
    else this.next[tail] = slot;
    this.tail = slot;
    this.open_++;
    return slot;
  }

  /**
   * Moves open `slot` to the finished ids (`at[slot]` written by the caller: when it finished),
   * forgetting the oldest finished id when `max` are remembered. The slot leaves the open entries
   * but is not free: its id, times, `at` and `latency` stay readable until the caller
   * {@link free}s it (the samples hold the last few).
   */
  finish(slot: number): void {
    const key = this.keys[slot]!;
    if (this.finished_ === this.max) {
      const oldest = this.ringHead;
      this.index.delete(this.ringKeys[oldest]!);
      this.forgetPos(oldest);
    }
    if (this.ringFreeCount === 0) this.growRing();
    const pos = this.ringFree[--this.ringFreeCount]!;
    this.ringKeys[pos] = key;
    this.finishedAt[pos] = this.at[slot]!;
    this.hadFirst[pos] = Number.isNaN(this.times[slot * this.phases]!) ? 0 : 1;
    const tail = this.ringTail;
    this.ringBefore[pos] = tail;
    this.ringAfter[pos] = NONE;
    if (tail === NONE) this.ringHead = pos;
    else this.ringAfter[tail] = pos;
    this.ringTail = pos;
    this.finished_++;
    this.index.set(key, ~pos);
    this.unlink(slot);
  }

  /** Frees a slot left by {@link finish}, for a later {@link open}. */
  free(slot: number): void {
    this.keys[slot] = undefined;
    this.free_[this.freeCount++] = slot;
  }

  /** Unlinks finished position `pos` and frees it (its id's index entry is the caller's). */
  private forgetPos(pos: number): void {
    const p = this.ringBefore[pos]!;
    const n = this.ringAfter[pos]!;
    if (p === NONE) this.ringHead = n;
    else this.ringAfter[p] = n;
    if (n === NONE) this.ringTail = p;
    else this.ringBefore[n] = p;
    this.ringKeys[pos] = undefined;
    this.ringFree[this.ringFreeCount++] = pos;
    this.finished_--;
  }

  /** Drops the oldest open entry, forgetting its id. */
  evictOldest(): void {
    const slot = this.head;
    if (slot === NONE) return;
    this.index.delete(this.keys[slot]!);
    this.unlink(slot);
    this.free(slot);
  }

  /** Unlinks open `slot` from the open entries (not freed). */
  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.head = n;
    else this.next[p] = n;
    if (n === NONE) this.tail = p;
    else this.prev[n] = p;
    this.open_--;
  }

  private grow(): void {
    const old = this.capacity;
    const capacity = Math.min(this.max + this.held, Math.max(INITIAL_CAPACITY, old * 2));
    this.at = grown(this.at, new Float64Array(capacity));
    this.latency = grown(this.latency, new Float64Array(capacity));
    this.prev = grown(this.prev, new Int32Array(capacity));
    this.next = grown(this.next, new Int32Array(capacity));
    this.times = grown(this.times, new Float64Array(capacity * this.phases));
    this.free_ = grown(this.free_, new Int32Array(capacity));
    // Filled, not left with holes: the array stays packed.
    for (let s = old; s < capacity; s++) this.keys.push(undefined);
    // Lowest slots are taken first: pushed in reverse.
    for (let s = capacity - 1; s >= old; s--) this.free_[this.freeCount++] = s;
    this.capacity = capacity;
  }

  /** Grows the finished positions (doubling up to `max`); new positions go on the free stack, lowest first. */
  private growRing(): void {
    const capacity = Math.min(this.max, Math.max(INITIAL_CAPACITY, this.ringCapacity * 2));
    this.finishedAt = grown(this.finishedAt, new Float64Array(capacity));
    this.hadFirst = grown(this.hadFirst, new Uint8Array(capacity));
    this.ringBefore = grown(this.ringBefore, new Int32Array(capacity));
    this.ringAfter = grown(this.ringAfter, new Int32Array(capacity));
    this.ringFree = grown(this.ringFree, new Int32Array(capacity));
    for (let p = this.ringCapacity; p < capacity; p++) this.ringKeys.push(undefined);
    for (let p = capacity - 1; p >= this.ringCapacity; p--) this.ringFree[this.ringFreeCount++] = p;
    this.ringCapacity = capacity;
  }
}

/** `to` with `from` copied to its start. */
function grown<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
