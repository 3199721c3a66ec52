/**
 * The ids of recently finished entries (complete, or partial at their TTL), remembered for a TTL
 * after they finished, so that a mark arriving after its entry finished (a worker's "completed"
 * logged after the delivery, a straggler after the TTL) is refused instead of opening a second
 * entry that would later count as one more partial. A fixed ring of at most `capacity` ids: past
 * it the oldest is forgotten (a mark for it then opens an entry, as before this was kept).
 */
export class FinishedIds {
  private readonly slots = new Map<string, number>();
  /** Grown as ids finish, up to `capacity` (nothing allocated up front: `maxOpen` may be 10M). */
  private readonly ids: string[] = [];
  private readonly at: number[] = [];
  /** Whether each finished entry had its first phase marked. */
  private readonly started: boolean[] = [];
  private next = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttl: number,
  ) {}

  /** Remembers that `id` finished at `now` (`started`: with its first phase marked), forgetting the oldest id when full. */
  add(id: string, now: number, started: boolean): void {
    const slot = this.next;
    const old = slot < this.ids.length ? this.ids[slot] : undefined;
    // Only the ring slot the map points to owns the id (an id may finish again once forgotten).
    if (old !== undefined && this.slots.get(old) === slot) this.slots.delete(old);
    this.ids[slot] = id;
    this.at[slot] = now;
    this.started[slot] = started;
    this.slots.set(id, slot);
    this.next = (slot + 1) % this.capacity;
  }

  /**
   * True when a mark of phase `phase` (its index) for `id` comes after `id` finished, less than
   * a TTL before `now`: any phase but the first, or the first when the finished entry lacked it.
   * The first phase of an entry that had it starts a new entry under a reused id.
   */
  late(id: string, phase: number, now: number): boolean {
    const slot = this.slots.get(id);
    if (slot === undefined) return false;
    if (this.at[slot]! + this.ttl <= now) {
      this.slots.delete(id);
      return false;
    }
    return phase !== 0 || !this.started[slot]!;
  }
}
