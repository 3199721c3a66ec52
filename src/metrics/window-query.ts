/**
 * The one window query every reader of windows goes through (`getAggregatedMetrics`, the alert
 * rules, `snapshot()`): for a metric name, label matchers and a range [from, to), the data of
 * every matching series from this process's memory, the rollups waiting in its recorder and
 * every instance's stored rollups, each write counted once (see window-query-build.ts). The
 * result is a {@link MetricWindow}; window-query-window.ts computes totals, distributions and
 * fleet values from it.
 */
import { StorageError } from '../core/errors.js';
import type { Labels } from '../core/labels.js';
import type { Rollup, RollupChanges, StorageAdapter } from '../storage/contract.js';
import type { MetricContext } from './context.js';
import type { MetricRegistry } from './registry.js';
import { buildWindow } from './window-query-build.js';
import { COUNT, END, F, isKept, START } from './window-query-columns.js';
import type { RingCache } from './window-query-ring.js';
import { groupRollups, type StoredSeries } from './window-query-series.js';
import type { MetricWindow, WindowSeries } from './window-query-window.js';

export type { MetricWindow, RangeStats, WindowPart, WindowSeries } from './window-query-window.js';
export type { StoredSeries } from './window-query-series.js';

/** What a window query reads from: the monitor's metrics, its context (clock, slots, stamps, recorder) and its store. */
export interface WindowQuerySources {
  registry: MetricRegistry;
  ctx: MetricContext;
  storage: StorageAdapter;
}

/** Which data a window query reads. */
export interface WindowRequest {
  name: string;
  /** Only series whose labels include all of these (absent: every series). */
  labels?: Readonly<Labels> | undefined;
  /** Range start (ms): slots that end after it. */
  from: number;
  /** Range end (ms, exclusive); at `now` or later the slot being recorded into is included. */
  to: number;
  /** The instant of the read (default: the clock's now). */
  now?: number | undefined;
  /**
   * Set: a store that cannot be read gives a window of memory and waiting rollups only, and the
   * `StorageError` comes here. Unset: the read rejects with it.
   */
  onStorageError?: ((error: StorageError) => void) | undefined;
}

/** Reads windows of metrics; cheap to create, holds no state between reads. */
export class WindowQuery {
  constructor(private readonly src: WindowQuerySources) {}

  /** The clock's now. */
  get now(): number {
    return this.src.ctx.clock.now();
  }

  /**
   * The window of `request.name`: one store read (by name and matchers), the recorder's waiting
   * rollups and this process's memory, de-duplicated. Rejects with a `StorageError` when the
   * store fails, unless `onStorageError` takes the error.
   */
  async read(request: WindowRequest): Promise<MetricWindow> {
    const now = request.now ?? this.now;
    const { name, labels, from, to } = request;
    let stored: readonly StoredSeries[];
    try {
      stored = groupRollups(await this.stored(name, labels, from, to, now));
    } catch (error) {
      if (request.onStorageError === undefined) throw error;
      request.onStorageError(error as StorageError);
      stored = [];
    }
    return this.merge(request, stored, now);
  }

  /**
   * Merges stored series already read (by {@link WindowQuery.stored} and `groupRollups`, or kept
   * between reads by a `StoredRollupCache`; for the same or a wider range and looser matchers)
   * with memory and waiting rollups: what a caller that reads the store once for many windows
   * (the rule engine, once per metric and tick) uses. With `rings`, this process's histogram
   * rings are read through it (each closed slot decoded once, for a reader of every tick).
   */
  merge(request: WindowRequest, stored: readonly StoredSeries[], now = request.now ?? this.now, rings?: RingCache): MetricWindow {
    const { registry, ctx } = this.src;
    return buildWindow({
      name: request.name,
      labels: request.labels,
      from: request.from,
      to: request.to,
      now,
      metric: registry.get(request.name),
      ctx,
      stored,
      pending: ctx.fleet.pendingRollups(),
      rings,
    });
  }

  /** Every instance's stored rollups of `name` over [from, to) (no upper bound when `to` reaches `now`). */
  async stored(name: string, labels: Readonly<Labels> | undefined, from: number, to: number, now = this.now): Promise<Rollup[]> {
    const storage = this.src.storage;
    try {
      return await storage.queryRollups({ name, labels, from, to: to >= now ? undefined : to });
    } catch (cause) {
      throw new StorageError(`reading rollups of "${name}" from "${storage.name}" storage failed`, { cause });
    }
  }

  /**
   * The store's `readRollupChanges` for `name` (rollups written since `cursor`); undefined when
   * the store has none. Rejects with a `StorageError` when the store fails.
   */
  changes(name: string): ((cursor: string | undefined) => Promise<RollupChanges>) | undefined {
    const storage = this.src.storage;
    if (typeof storage.readRollupChanges !== 'function') return undefined;
    return async (cursor) => {
      try {
        return await storage.readRollupChanges!(name, cursor);
      } catch (cause) {
        throw new StorageError(`reading the rollups of "${name}" written since the last read from "${storage.name}" storage failed`, { cause });
      }
    };
  }
}

/**
 * The time (ms) the slots of `series` counted over [from, to) cover: what a `rate` divides by,
 * for `getAggregatedMetrics` and alert rules alike. Whole slots of `slotLength` from the one
 * holding `from` to the one holding the end of the range, widened to any longer part counted
 * (another writer's slots), and cut at the window's now (the slot being recorded into has
 * covered only the time until now): data is kept per slot and a slot counts whole when it
 * overlaps the range, so dividing by `to - from` read a true 10/s as 15/s over 1 m starting mid-slot.
 */
export function coveredTime(window: MetricWindow, series: readonly WindowSeries[], from: number, to: number, slotLength: number): number {
  let start = Math.floor(from / slotLength) * slotLength;
  let end = Math.ceil(to / slotLength) * slotLength;
  const last = to >= window.now ? Infinity : to;
  for (const s of series) {
    if (isKept(s)) {
      const c = s.cols;
      for (let i = 0; i < s.n; i++) {
        const o = i * F;
        if (c[o + COUNT] === 0 || c[o + END]! <= from || c[o + START]! >= last) continue;
        if (c[o + START]! < start) start = c[o + START]!;
        if (c[o + END]! > end) end = c[o + END]!;
      }
      continue;
    }
    for (const p of s.parts) {
      if (p.count === 0 || !window.covers(p, from, to)) continue;
      if (p.start < start) start = p.start;
      if (p.end > end) end = p.end;
    }
  }
  return Math.max(0, Math.min(end, window.now) - start);
}
