import { LimitError } from '../core/errors.js';

/**
 * Snapshots waiting for their turn (their store reads done) at most, counted by filters: a call
 * with the filters of one of them shares it, a call with other filters past the bound is
 * refused with a {@link LimitError} (`limit: 'snapshot.maxQueued'`). Each waits for all those
 * before it, a tenth of a second or so each for 5,000 series.
 */
export const MAX_QUEUED_SNAPSHOTS = 16;

/** Where a queued snapshot stands. */
type State = 'reading' | 'queued' | 'started';

interface Entry {
  key: string;
  state: State;
  /** The turn number its turn started with (set once `started`). */
  turn: number;
  done: Promise<unknown>;
}

/** What a snapshot's turn gives back: its snapshot, or `redo` (its store reads must be made again, outside the queue). */
export type TurnResult<T> = { snapshot: T } | 'redo';

/**
 * The snapshots of one cache, one turn at a time. A snapshot reads the store first (outside the
 * queue: a read that never answers holds up its own snapshot only), then waits for its turn, in
 * which it captures this process's memory and does its chunked work. A call with the filters
 * (`key`) of a snapshot that waits for its turn, or whose turn started after the call came,
 * shares it: what it shows is of an instant after the call. A snapshot still reading the store
 * is never shared (its read may never answer).
 */
export class SnapshotQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** Turns started so far. */
  private turns = 0;
  private readonly entries = new Set<Entry>();

  /** The number of turns started so far: what a call notes when it comes (see {@link join}). */
  get mark(): number {
    return this.turns;
  }

  /** Snapshots waiting for their turn. */
  get queued(): number {
    let n = 0;
    for (const e of this.entries) if (e.state === 'queued') n++;
    return n;
  }

  /**
   * A copy of the snapshot `key` that waits for its turn or whose turn started after `mark`
   * (the call's {@link mark} when it came); undefined when there is none.
   */
  join<T>(key: string, mark: number): Promise<T> | undefined {
    let found: Entry | undefined;
    for (const e of this.entries) if (e.key === key && (e.state === 'queued' || (e.state === 'started' && e.turn > mark))) found = e;
    return found === undefined ? undefined : (found.done as Promise<T>).then((snapshot) => structuredClone(snapshot));
  }

  /** Throws a {@link LimitError} when {@link MAX_QUEUED_SNAPSHOTS} snapshots wait for their turn already. */
  admit(): void {
    const queued = this.queued;
    if (queued >= MAX_QUEUED_SNAPSHOTS) {
      throw new LimitError('snapshot.maxQueued', MAX_QUEUED_SNAPSHOTS, `${queued} snapshots with other filters wait for their turn already, the most at once (${MAX_QUEUED_SNAPSHOTS}); try again when one is done`);
    }
  }

  /**
   * Queues the snapshot `key`: `turn()` runs after every turn queued before it; when it gives
   * `redo`, `reread()` runs outside the queue and the snapshot is queued again. `release` runs
   * after each turn.
   */
  run<T>(key: string, turn: () => Promise<TurnResult<T>>, reread: () => Promise<void>, release: () => void): Promise<T> {
    const entry: Entry = { key, state: 'queued', turn: 0, done: Promise.resolve() };
    const take = (): Promise<TurnResult<T>> => {
      const run = this.tail.then(() => {
        entry.state = 'started';
        entry.turn = ++this.turns;
        return turn();
      });
      const released = run.finally(release);
      this.tail = released.catch(() => undefined);
      return released;
    };
    const loop = async (): Promise<T> => {
      for (;;) {
        const out = await take();
        if (out !== 'redo') return out.snapshot;
        entry.state = 'reading';
        await reread();
        entry.state = 'queued';
      }
    };
    const done = loop();
    entry.done = done;
    this.entries.add(entry);
    const forget = () => void this.entries.delete(entry);
    done.then(forget, forget);
    return done;
  }
}
