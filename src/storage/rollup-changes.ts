import type { Rollup, RollupChanges } from './contract.js';

/** How long a {@link ChangeLog} keeps a write: a reader that comes back later reads its range instead. */
export const CHANGE_HORIZON = 2 * 60_000;

/** Most writes a {@link ChangeLog} keeps per metric name, whatever their age. */
export const MAX_CHANGES = 200_000;

/** A value that tells one run of a store's change log from another: drawn when needed, never at construction. */
export function drawEpoch(now: number): string {
  return `${now.toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}

interface Changes {
  /** Write numbers of `rollups[head..]`, increasing. */
  seqs: number[];
  rollups: Rollup[];
  at: number[];
  head: number;
  /** Every write of this name numbered below this is dropped. */
  droppedBelow: number;
}

/**
 * The rollups written per metric name over the last {@link CHANGE_HORIZON} (at most
 * {@link MAX_CHANGES} per name), numbered in write order across names: what
 * `readRollupChanges` answers from in `MemoryStorage`. A cursor is this log's epoch and the
 * number of writes read up to, so a cursor from another store (or from before a restart) reads as
 * incomplete, never as "nothing new"; so does one older than what the log still holds.
 */
export class ChangeLog {
  private readonly names = new Map<string, Changes>();
  private epochValue: string | undefined;
  /** Writes numbered so far (the next one's number). */
  private next = 0;
  /** Every write of a name forgotten (or cleared) is numbered below this. */
  private forgottenBelow = 0;

  /** Tells this log's cursors from any other's; drawn on first use (a store created at module scope draws nothing). */
  private epoch(now: number): string {
    return (this.epochValue ??= drawEpoch(now));
  }

  /** Records a stored rollup (the store's own object: readers get copies). */
  add(rollup: Rollup, now: number): void {
    let c = this.names.get(rollup.name);
    if (c === undefined) this.names.set(rollup.name, (c = { seqs: [], rollups: [], at: [], head: 0, droppedBelow: 0 }));
    c.seqs.push(this.next++);
    c.rollups.push(rollup);
    c.at.push(now);
    let drop = c.head;
    while (drop < c.rollups.length && (c.rollups.length - drop > MAX_CHANGES || c.at[drop]! <= now - CHANGE_HORIZON)) drop++;
    if (drop > c.head) c.droppedBelow = c.seqs[drop - 1]! + 1;
    c.head = drop;
    // Compacted once half of the arrays is dropped: amortised O(1) per write.
    if (c.head > 1024 && c.head * 2 > c.rollups.length) {
      c.seqs = c.seqs.slice(c.head);
      c.rollups = c.rollups.slice(c.head);
      c.at = c.at.slice(c.head);
      c.head = 0;
    }
  }

  /** Forgets the names nothing was written to within the horizon. */
  forget(now: number): void {
    for (const [name, c] of this.names) {
      if (c.at.length > c.head && c.at[c.at.length - 1]! > now - CHANGE_HORIZON) continue;
      this.names.delete(name);
      this.forgottenBelow = Math.max(this.forgottenBelow, c.seqs.length > 0 ? c.seqs[c.seqs.length - 1]! + 1 : c.droppedBelow);
    }
  }

  /** Drops every write (a purge): a cursor from before reads as incomplete. */
  clear(): void {
    this.names.clear();
    // A reader up to date holds `epoch:next`: the sequence moves past it so that cursor is below
    // what is forgotten (the log cannot list what the purge removed; the reader reads its range).
    this.forgottenBelow = ++this.next;
  }

  /**
   * The rollups of `name` written since `cursor` (see `StorageAdapter.readRollupChanges`): the
   * store's own objects, which the store copies before it answers (`MemoryStorage` copies them in
   * pieces: after a slot closed, 5,000 series' rollups were copied in one stretch of 10-15 ms of
   * CPU under load). Decided at the call: a write after it is not in the answer and changes none
   * of its objects (the store replaces a stored rollup, it never changes one).
   */
  read(name: string, cursor: string | undefined, now: number): RollupChanges {
    const epoch = this.epoch(now);
    const next = `${epoch}:${this.next}`;
    const at = parseCursor(cursor);
    if (at === undefined || at.epoch !== epoch || at.seq > this.next || at.seq < this.forgottenBelow) return { rollups: [], cursor: next, complete: false };
    const c = this.names.get(name);
    if (c === undefined) return { rollups: [], cursor: next, complete: true };
    // Entries past the horizon are still held until the next write of the name: they are not answered either.
    let first = c.head;
    while (first < c.rollups.length && c.at[first]! <= now - CHANGE_HORIZON) first++;
    const droppedBelow = first > c.head ? c.seqs[first - 1]! + 1 : c.droppedBelow;
    if (at.seq < droppedBelow) return { rollups: [], cursor: next, complete: false };
    // Sequence numbers increase: the first one at or past the cursor, then everything after it.
    let lo = first;
    let hi = c.rollups.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c.seqs[mid]! < at.seq) lo = mid + 1;
      else hi = mid;
    }
    return { rollups: c.rollups.slice(lo), cursor: next, complete: true };
  }
}

/** A change log cursor (`epoch:sequence`) read back; undefined when it is not one. */
export function parseCursor(cursor: string | undefined): { epoch: string; seq: number } | undefined {
  if (cursor === undefined) return undefined;
  const at = cursor.lastIndexOf(':');
  const seq = Number(cursor.slice(at + 1));
  return at < 0 || !Number.isSafeInteger(seq) || seq < 0 ? undefined : { epoch: cursor.slice(0, at), seq };
}
