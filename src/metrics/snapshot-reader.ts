import type { StorageError } from '../core/errors.js';
import { seriesKey, type Labels } from '../core/labels.js';
import type { Rollup } from '../storage/contract.js';
import type { AnyMetric } from './registry.js';
import { SlotCountsCache } from './snapshot-slots.js';
import type { WindowTally } from './snapshot-tally.js';
import { KeptWindows } from './snapshot-windows.js';
import { StoredRollupCache } from './window-query-cache.js';
import type { StoredSeries } from './window-query-series.js';
import type { MetricWindow, WindowQuery } from './window-query.js';

/** How late a rollup may reach the store after its slot and still be seen by the next snapshot's incremental read (as the rule engine's). */
const STORE_LATENESS = 60_000;
/** Longest time between two full reads of a metric's range from the store. */
const FULL_READ_EVERY = 5 * 60_000;
/** Metrics whose stored rollups are kept between snapshots. */
const MAX_CACHED_METRICS = 1_000;

/** One read of a snapshot. */
export interface SnapshotRead {
  name: string;
  /** Only series whose labels include these (the tenant filter). */
  labels: Labels | undefined;
  from: number;
  now: number;
  onStorageError(error: StorageError): void;
  /** This process's metric of that name, if it defined one. */
  metric: AnyMetric | undefined;
  /** This process's waiting rollups, of every metric (the recorder's `pendingRollups`). */
  pending(): readonly Rollup[];
}

/**
 * What snapshots keep between calls (one per monitor): every instance's stored rollups of the
 * metrics they show, refreshed from the store's change log (or by re-reading recent slots) as
 * the rule engine's are (the same {@link StoredRollupCache}), and the merged bucket counts of
 * each closed slot ({@link SlotCountsCache}). Without it each snapshot read and grouped every
 * stored rollup of its window (50,000 for 5,000 series) and merged every series' every slot.
 * The price is memory: the parts of the stored rollups of the metrics a snapshot shows stay
 * referenced between snapshots (see docs/performance.md, "snapshot"), so they are kept only
 * while snapshots come less than {@link FULL_READ_EVERY} apart (a dashboard polling): after a
 * snapshot that came later than that (or the first), they are let go, as the next one would read
 * the whole window anyway if it came as late.
 */
export class SnapshotCache {
  private readonly stored: StoredRollupCache;
  readonly slots = new SlotCountsCache();
  private readonly windows = new KeptWindows();
  /** When the last snapshot read (undefined: none yet). */
  private lastAt: number | undefined;

  constructor(slotLength: number) {
    this.stored = new StoredRollupCache({ lateness: 2 * slotLength + STORE_LATENESS, refreshEvery: FULL_READ_EVERY, maxMetrics: MAX_CACHED_METRICS });
  }

  /**
   * The window of `read.name` over [from, now): the stored series from the cache (all of them:
   * the label filter narrows the merged window, so every filter shares one cache), merged with
   * memory and the waiting rollups. A store that cannot be read gives memory and waiting rollups
   * and calls `onStorageError` (the cache forgets the metric: the next read is a full one).
   */
  async window(query: WindowQuery, read: SnapshotRead, waitingEnd: number): Promise<MetricWindow> {
    const { name, labels, from, now } = read;
    let stored: readonly StoredSeries[];
    try {
      stored = await this.stored.series({
        name,
        from,
        now,
        read: (since) => query.stored(name, undefined, since, now, now),
        changes: query.changes(name),
        waitingEnd,
      });
    } catch (error) {
      read.onStorageError(error as StorageError);
      stored = [];
    }
    const key = `${name}\u0000${labels === undefined ? '' : seriesKey({ ...labels })}`;
    return this.windows.window(query, { request: { name, labels, from, to: now, now }, key, stored, metric: read.metric, pending: read.pending });
  }

  /** The totals of window `h` over [from, now): kept with the window between snapshots when it was (see {@link KeptWindows}). */
  tally(h: MetricWindow, from: number, now: number): WindowTally {
    return this.windows.tally(h, from, now);
  }

  /** Forgets the stored rollups of metrics a snapshot did not show (`names`: those it did). */
  retain(names: ReadonlySet<string>): void {
    this.stored.retain(names);
    this.windows.retain(names);
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
    }
  }
}
