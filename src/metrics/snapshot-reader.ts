import { realTime, yieldTurn, type Clock } from '../core/clock.js';
import type { StorageError } from '../core/errors.js';
import type { StorageAdapter } from '../storage/contract.js';
import type { CapturedHistogram } from './snapshot-capture.js';
import { SlotCountsCache } from './snapshot-slots.js';
import { KeptWindows, type TalliedWindow, type WindowInputs } from './snapshot-windows.js';
import { SnapshotQueue } from './snapshot-queue.js';
import { storeReads } from './snapshot-store-reads.js';
import { CHUNK_MS, CHUNK_UNITS, type SnapshotWork } from './snapshot-work.js';
import { StoredRollupCache } from './window-query-cache.js';
import type { StoredSeries } from './window-query-series.js';
import type { WindowQuery } from './window-query.js';

/** How late a rollup may reach the store after its slot and still be seen by the next snapshot's incremental read (as the rule engine's). */
const STORE_LATENESS = 60_000;
/** Longest time between two full reads of a metric's range from the store. */
const FULL_READ_EVERY = 5 * 60_000;
/** Metrics whose stored rollups are kept between snapshots. */
const MAX_CACHED_METRICS = 1_000;

/** One store read of a snapshot. */
export interface SnapshotRead {
  name: string;
  from: number;
  now: number;
  onStorageError(error: StorageError): void;
  /** The monitor's clock: the grouping and merging of what was read let the event loop turn through it (`Clock.yield`). */
  clock: Clock;
  /** The monitor's store: a `MemoryStorage` is read without its copies (see snapshot-store-reads.ts); absent: through the query. */
  storage?: StorageAdapter | undefined;
}

/**
 * What snapshots keep between calls (one per monitor): every instance's stored rollups of the
 * metrics they show, refreshed from the store's change log (or by re-reading recent slots) as
 * the rule engine's are (the same {@link StoredRollupCache}), the histogram windows and their
 * totals ({@link KeptWindows}) and the merged bucket counts of each closed slot
 * ({@link SlotCountsCache}). Without it each snapshot read and grouped every stored rollup of its
 * window (50,000 for 5,000 series) and merged every series' every slot.
 * The price is memory: the parts of the stored rollups of the metrics a snapshot shows stay
 * referenced between snapshots (see docs/performance.md, "snapshot"), so they are kept only
 * while snapshots come less than {@link FULL_READ_EVERY} apart (a dashboard polling): after a
 * snapshot that came later than that (or the first), they are let go, as the next one would read
 * the whole window anyway if it came as late.
 *
 * Snapshots work on it one at a time ({@link queue}): each reads the store, then waits for its
 * turn, in which it captures this process's memory and does the chunked work that reads and
 * updates what is kept. Calls with the same filters share a snapshot that has not started yet.
 */
export class SnapshotCache {
  private readonly stored: StoredRollupCache;
  readonly slots = new SlotCountsCache();
  readonly windows = new KeptWindows();
  /**
   * The last capture of each histogram (snapshot-capture.ts): the next snapshot refreshes it in
   * place while no slot closed, rather than copy every ring and open slot again. The windows
   * built from it keep it anyway.
   */
  readonly captures = new Map<string, CapturedHistogram>();
  /** When the last snapshot read (undefined: none yet). */
  private lastAt: number | undefined;
  /** The snapshots waiting for their turn, or in it (see {@link SnapshotQueue}). */
  readonly queue = new SnapshotQueue();

  /**
   * `budget`: units of work a chunk does at most before the snapshot yields, `chunkMs` the real
   * time it runs at most (see {@link SnapshotWork}; a budget of its own and no `chunkMs`: units
   * alone), `elapsed` the real time read (a test may count its own).
   */
  constructor(
    slotLength: number,
    readonly budget = CHUNK_UNITS,
    readonly chunkMs = budget === CHUNK_UNITS ? CHUNK_MS : Number.POSITIVE_INFINITY,
    readonly elapsed: () => number = realTime,
  ) {
    this.stored = new StoredRollupCache({ lateness: 2 * slotLength + STORE_LATENESS, refreshEvery: FULL_READ_EVERY, maxMetrics: MAX_CACHED_METRICS, columns: true });
  }

  /**
   * Every instance's stored series of `read.name` over [from, now), from the cache (all of them:
   * the label filter narrows the window, so every filter shares one cache). A store that cannot
   * be read gives none and calls `onStorageError` (the cache forgets the metric: the next read is
   * a full one).
   */
  async storedSeries(query: WindowQuery, read: SnapshotRead, waitingEnd: number): Promise<readonly StoredSeries[]> {
    const { name, from, now, clock } = read;
    const own = read.storage === undefined ? undefined : storeReads(read.storage, name);
    try {
      return await this.stored.series({
        name,
        from,
        now,
        read: own?.read ?? ((since) => query.stored(name, undefined, since, now, now)),
        changes: own === undefined ? query.changes(name) : own.changes,
        waitingEnd,
        pause: () => yieldTurn(clock),
        pieceMs: this.chunkMs,
      });
    } catch (error) {
      read.onStorageError(error as StorageError);
      return [];
    }
  }

  /** A window with its tally: kept from the last snapshot while nothing it was built from changed (see {@link KeptWindows}). */
  window(inputs: WindowInputs, work: SnapshotWork): Promise<TalliedWindow> {
    return this.windows.window(inputs, work);
  }

  /** Forgets the stored rollups of metrics a snapshot did not show (`names`: those it did). */
  retain(names: ReadonlySet<string>): void {
    this.stored.retain(names);
    this.windows.retain(names);
    for (const name of this.captures.keys()) if (!names.has(name)) this.captures.delete(name);
  }

  /**
   * Called once a snapshot's reads are done, at `now` (its read time): keeps the stored rollups
   * for the next snapshot when this one came less than {@link FULL_READ_EVERY} after the one
   * before, else lets them go (one-off snapshots hold no memory; a poller keeps them from its
   * second call on).
   */
  settle(now: number): void {
    const frequent = this.lastAt !== undefined && now - this.lastAt < FULL_READ_EVERY;
    this.lastAt = now;
    if (!frequent) {
      this.stored.clear();
      this.windows.clear();
      this.captures.clear();
    }
  }
}
