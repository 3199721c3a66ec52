import type { StorageError } from '../core/errors.js';
import type { Rollup } from '../storage/contract.js';
import { JOB_METRICS } from './built-in-names.js';
import type { SnapshotCache } from './snapshot-reader.js';
import type { StoredSeries } from './window-query-series.js';
import type { WindowQuery, WindowQuerySources } from './window-query.js';

/** What a snapshot read from the store before its turn, and what this process looked like when the reads began. */
export interface SnapshotReads {
  /** The histograms it shows (this process's, or those named). */
  names: ReadonlySet<string>;
  /** The job metrics, in the order the snapshot reads them. */
  jobNames: readonly string[];
  /** True when the process did not define the request metric: `response_time` was read too, as its fallback. */
  fallback: boolean;
  /** Every instance's stored series of each name read (all of them: nothing is read in the turn). */
  stored: ReadonlyMap<string, readonly StoredSeries[]>;
  /** `ctx.slotStart` when the reads began: another value at the capture means a slot closed meanwhile. */
  slotStart: number;
  /** The rollups waiting in the recorder when the reads began. */
  waiting: readonly Rollup[];
}

/** What {@link readSnapshot} needs. */
export interface SnapshotReadSources extends WindowQuerySources {
  requestMetric: string;
  window: number;
  names?: readonly string[] | undefined;
}

/**
 * The store reads of a snapshot, made before its turn (`SnapshotCache`'s queue): one per metric
 * it may show, the `response_time` fallback of the request metric included, so that its turn
 * never waits on the store. Notes the open slot and the waiting rollups first: see
 * {@link waitingAt} and {@link slotClosed}.
 */
export async function readSnapshot(src: SnapshotReadSources, query: WindowQuery, cache: SnapshotCache, onStorageError: (error: StorageError) => void): Promise<SnapshotReads> {
  const now = query.now;
  const from = now - src.window;
  const slotStart = src.ctx.slotStart;
  const waiting = src.ctx.fleet.pendingRollups();
  const waitingEnds = new Map<string, number>();
  for (const r of waiting) waitingEnds.set(r.name, Math.min(waitingEnds.get(r.name) ?? Infinity, r.end));
  const filter = src.names === undefined ? undefined : new Set(src.names);
  const names = new Set<string>();
  for (const m of src.registry.all()) if (m.kind === 'histogram' && (filter === undefined || filter.has(m.name))) names.add(m.name);
  for (const name of filter ?? []) names.add(name);
  const jobNames = [JOB_METRICS.executions, JOB_METRICS.duration, JOB_METRICS.outcomes, JOB_METRICS.runTime, JOB_METRICS.queue];
  // The request metric falls back to response_time when this process does not define it: read
  // with the others then, whether or not the request metric turns out to have data, so that no
  // store read is ever made in the turn (one that hung there held every later snapshot for good).
  const fallback = src.registry.get(src.requestMetric) === undefined;
  const wanted = new Set([...names, ...jobNames, src.requestMetric, ...(fallback ? ['response_time'] : [])]);
  const stored = new Map<string, readonly StoredSeries[]>();
  // The store reads, as they come (the store's own work, between them).
  await Promise.all(
    [...wanted].map(async (name) => {
      stored.set(name, await cache.storedSeries(query, { name, from, now, onStorageError, clock: src.ctx.clock, storage: src.storage }, waitingEnds.get(name) ?? Infinity));
    }),
  );
  return { names, jobNames, fallback, stored, slotStart, waiting };
}

/**
 * True when a slot closed since the reads began: its counters' and gauges' values left memory
 * for the recorder, which may have written them after the store was read (in neither then), so
 * the reads must be made again.
 */
export function slotClosed(reads: SnapshotReads, src: WindowQuerySources): boolean {
  return src.ctx.slotStart !== reads.slotStart;
}

/**
 * The rollups waiting in the recorder now, plus those that waited when the reads began and were
 * written since (a flush that finished meanwhile): a store read made before their write holds
 * none of them, and a window counts a waiting rollup and its stored copy once.
 */
export function waitingAt(reads: SnapshotReads, src: WindowQuerySources): readonly Rollup[] {
  const now = src.ctx.fleet.pendingRollups();
  if (reads.waiting.length === 0) return now;
  const still = new Set(now);
  const out = now.slice();
  for (const r of reads.waiting) if (!still.has(r)) out.push(r);
  return out;
}
