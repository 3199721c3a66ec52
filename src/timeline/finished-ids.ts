/**
 * The ids of recently finished entries (complete, or partial at their TTL), remembered for a TTL
 * after they finished, so that a mark arriving after its entry finished (a worker's "completed"
 * logged after the delivery, a straggler after the TTL) is refused instead of opening a second
 * entry that would later count as one more partial. A fixed ring of at most `capacity` ids: past
 * it the oldest is forgotten (a mark for it then opens an entry, as before this was kept).
 */
export class FinishedIds {
  /** Grown as ids finish, up to `capacity` (nothing allocated up front: `maxOpen` may be 10M). */
  private readonly ids: string[] = [];
  private readonly at: number[] = [];
  /** Whether each finished entry had its first phase marked. */
  private readonly started: boolean[] = [];
  private next = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttl: number,
    /**
     * The timeline's id index, shared with its open table: a finished id's value is
     * `-(ring position + 1)` (negative; an open id's is its slot, >= 0). An id that finishes
     * has its value overwritten in place, and one index serves both questions a mark asks.
     */
    private readonly index: Map<string, number>,
  ) {}

  /**
   * Remembers that `id` finished at `now` (`started`: with its first phase marked), forgetting
   * the oldest id when full. Sets `id`'s index entry (an open id's is overwritten).
   */
  add(id: string, now: number, started: boolean): void {
    const slot = this.next;
    const old = slot < this.ids.length ? this.ids[slot] : undefined;
    // Only the ring slot the index points to owns the id (an id may have opened or finished again since).
    if (old !== undefined && this.index.get(old) === -(slot + 1)) this.index.delete(old);
    this.ids[slot] = id;
    this.at[slot] = now;
    this.started[slot] = started;
    this.index.set(id, -(slot + 1));
    this.next = (slot + 1) % this.capacity;
  }

  /**
   * True when a mark of phase `phase` (its index) comes after its id finished, less than a TTL
   * before `now`: any phase but the first, or the first when the finished entry lacked it. The
   * first phase of an entry that had it starts a new entry under a reused id. `code` is the id's
   * (negative) index value; an expired one is left in the index for the caller to overwrite.
   */
  late(code: number, phase: number, now: number): boolean {
    const slot = -code - 1;
    if (this.at[slot]! + this.ttl <= now) return false;
    return phase !== 0 || !this.started[slot]!;
  }
}
