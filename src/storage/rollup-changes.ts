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
  /** Sequence number of `rollups[head]`. */
  first: number;
  head: number;
  rollups: Rollup[];
  at: number[];
}

/**
 * The rollups written per metric name over the last {@link CHANGE_HORIZON} (at most
 * {@link MAX_CHANGES}), numbered in write order: what `readRollupChanges` answers from in
 * `MemoryStorage`. A cursor is this log's epoch and the next sequence number, so a cursor from
 * another store (or from before a restart) reads as incomplete, never as "nothing new".
 */
export class ChangeLog {
  private readonly names = new Map<string, Changes>();
  private epochValue: string | undefined;

  /** Tells this log's cursors from any other's; drawn on first use (a store created at module scope draws nothing). */
  private get epoch(): string {
    return (this.epochValue ??= drawEpoch(Date.now()));
  }

  /** Records a stored rollup (the store's own object: readers get copies). */
  add(rollup: Rollup, now: number): void {
    let c = this.names.get(rollup.name);
    if (c === undefined) this.names.set(rollup.name, (c = { first: 0, head: 0, rollups: [], at: [] }));
    c.rollups.push(rollup);
    c.at.push(now);
    let drop = c.head;
    while (drop < c.rollups.length && (c.rollups.length - drop > MAX_CHANGES || c.at[drop]! <= now - CHANGE_HORIZON)) drop++;
    c.first += drop - c.head;
    c.head = drop;
    // Compacted once half of the arrays is dropped: amortised O(1) per write.
    if (c.head > 1024 && c.head * 2 > c.rollups.length) {
      c.rollups = c.rollups.slice(c.head);
      c.at = c.at.slice(c.head);
      c.head = 0;
    }
  }

  /** Copies of the rollups of `name` written since `cursor` (see `StorageAdapter.readRollupChanges`). */
  read(name: string, cursor: string | undefined, now: number, copy: (r: Rollup) => Rollup): RollupChanges {
    const c = this.names.get(name);
    const end = c === undefined ? 0 : c.first + c.rollups.length - c.head;
    const next = `${this.epoch}:${end}`;
    const from = parse(cursor, this.epoch);
    if (c === undefined) return { rollups: [], cursor: next, complete: from !== undefined && from === 0 };
    // Entries past the horizon are still held until the next write: they are not answered either.
    let first = c.first;
    let i = c.head;
    while (i < c.rollups.length && c.at[i]! <= now - CHANGE_HORIZON) {
      i++;
      first++;
    }
    if (from === undefined || from < first || from > end) return { rollups: [], cursor: next, complete: false };
    const out: Rollup[] = [];
    for (let k = c.head + (from - c.first); k < c.rollups.length; k++) out.push(copy(c.rollups[k]!));
    return { rollups: out, cursor: next, complete: true };
  }
}

function parse(cursor: string | undefined, epoch: string): number | undefined {
  if (cursor === undefined) return undefined;
  const at = cursor.lastIndexOf(':');
  if (at < 0 || cursor.slice(0, at) !== epoch) return undefined;
  const n = Number(cursor.slice(at + 1));
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}
