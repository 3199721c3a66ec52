/**
 * A FIFO of jobs in a ring buffer that doubles as it fills: pushing and taking allocate nothing
 * (a Set of thousands of waiting jobs rehashes as it grows and leaves holes as they leave).
 */
export class Deque<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(16);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & (this.items.length - 1)] = item;
    this.count++;
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & (this.items.length - 1);
    this.count--;
    return item;
  }

  /** Takes every item, oldest first, leaving the deque empty (and small again). */
  takeAll(): T[] {
    const out: T[] = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.items[(this.head + i) & (this.items.length - 1)]!;
    this.items = new Array<T | undefined>(16);
    this.head = 0;
    this.count = 0;
    return out;
  }

  /** Doubles the ring (its length stays a power of two, so an index wraps with a mask). */
  private grow(): void {
    const old = this.items;
    const next = new Array<T | undefined>(old.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = old[(this.head + i) & (old.length - 1)];
    this.items = next;
    this.head = 0;
  }
}
