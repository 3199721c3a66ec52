/** Items per chunk: small enough for a fast array (V8 makes a `new Array(n)` past ~16k a dictionary). */
const CHUNK = 512;

/** A run of slots; the deque links them oldest to newest. */
class Chunk<T> {
  readonly items: (T | undefined)[] = new Array<T | undefined>(CHUNK);
  next: Chunk<T> | undefined;
}

/**
 * A FIFO of jobs in linked chunks of {@link CHUNK} slots: pushing and taking allocate nothing but
 * a chunk per 512 items, and nothing is ever copied (a Set of thousands of waiting jobs rehashes
 * as it grows and leaves holes as they leave; a doubling ring copies itself as it grows). One
 * emptied chunk is kept for reuse, so a queue that fills and empties around a chunk's edge does
 * not allocate each time.
 */
export class Deque<T> {
  private head: Chunk<T> = new Chunk<T>();
  private tail: Chunk<T> = this.head;
  /** Next slot to take in `head`. */
  private first = 0;
  /** Next slot to fill in `tail`. */
  private end = 0;
  private count = 0;
  private spare: Chunk<T> | undefined;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.end === CHUNK) {
      const chunk = this.spare ?? new Chunk<T>();
      this.spare = undefined;
      this.tail.next = chunk;
      this.tail = chunk;
      this.end = 0;
    }
    this.tail.items[this.end++] = item;
    this.count++;
  }

  /** Takes the oldest item; undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const head = this.head;
    const item = head.items[this.first];
    head.items[this.first++] = undefined;
    this.count--;
    if (this.first === CHUNK) {
      // The head chunk is used up: the next one (there is one unless the deque is now empty) takes its place.
      const next = head.next;
      head.next = undefined;
      if (next === undefined) this.end = 0;
      else {
        this.head = next;
        this.spare = head;
      }
      this.first = 0;
    } else if (this.count === 0) {
      // Empty: start again at the head chunk's first slot.
      this.first = this.end = 0;
    }
    return item;
  }

  /** Takes every item, oldest first, leaving the deque empty. */
  takeAll(): T[] {
    const out: T[] = [];
    while (this.count > 0) out.push(this.shift()!);
    return out;
  }
}
