import { realTime } from '../core/clock.js';
import type { Rollup } from '../storage/contract.js';
import { groupRollups, hashLabels, LabelTable, type StoredSeries } from './window-query-series.js';

/**
 * Lets the event loop turn once (a `Clock.yield`): what a {@link StoredRollupCache} read awaits
 * between the pieces of a large grouping or merge.
 */
export type Pause = () => Promise<void>;

/**
 * Rollups (or kept series) a read groups or merges between two turns of the event loop. Grouping
 * took 1.4-2.8 µs of CPU a rollup at a load average of 10 on 2 cores (50,000 rollups of 5,000
 * series: 70-140 ms in one stretch), so a piece is 1.5-3 ms of CPU there, less on a quiet
 * machine: well below the 20 ms a snapshot may hold the event loop.
 */
export const PIECE = 1_000;

/**
 * Real time (ms) one piece runs at most before it lets the event loop turn, as a snapshot's
 * chunks (`CHUNK_MS` in snapshot-work.ts): {@link PIECE} rollups alone let a piece run far past
 * its estimate where a rollup costs more (code not yet optimized, a machine under load, a garbage
 * collection met on the way).
 */
export const PIECE_MS = 5;

/**
 * Units charged between two readings of the real time: a rollup grouped costs 1.4-2.8 µs of CPU
 * and a reading 70-150 ns, so a reading every 32 units costs well under 1 % and a piece ends
 * within about 0.1 ms of its time.
 */
const UNITS_PER_READING = 32;

/**
 * Counts work and tells when a piece's worth is done: the caller then awaits {@link pause}
 * (checked synchronously, so the loops await nothing between pauses). A piece ends after
 * `budget` units or `pieceMs` of real time since it began (`realTime`), whichever comes first;
 * with a budget of its own and no `pieceMs` (a test's), in units alone, so a test splits the work
 * at the same places every run. Without a pause function a piece is never done, so a read
 * without one does everything in one go, as before pieces.
 */
export class Pacer {
  private done = 0;
  /** `done` at which a charge reads the time next. */
  private readAt = 0;
  /** When the current piece began (`elapsed`): the construction or the last pause. */
  private began: number;
  /** Turns taken so far. */
  pauses = 0;

  /** `elapsed`: the real time read (`realTime`; a test may count its own). */
  constructor(
    private readonly turn: Pause | undefined,
    readonly budget = PIECE,
    readonly pieceMs = budget === PIECE ? PIECE_MS : Number.POSITIVE_INFINITY,
    private readonly elapsed: () => number = realTime,
  ) {
    this.began = turn === undefined || pieceMs === Number.POSITIVE_INFINITY ? 0 : elapsed();
  }

  /**
   * Counts `units` done; true once they reach the budget or the piece ran its time (the caller
   * awaits {@link pause}). The time is read once {@link UNITS_PER_READING} units were charged
   * since the last reading.
   */
  charge(units = 1): boolean {
    if (this.turn === undefined) return false;
    this.done += units;
    if (this.done >= this.budget) return true;
    if (this.done < this.readAt || this.pieceMs === Number.POSITIVE_INFINITY) return false;
    this.readAt = this.done + UNITS_PER_READING;
    return this.elapsed() - this.began >= this.pieceMs;
  }

  /** Lets the event loop turn and starts a new piece. */
  async pause(): Promise<void> {
    this.done = 0;
    this.readAt = 0;
    this.pauses++;
    await this.turn!();
    if (this.pieceMs !== Number.POSITIVE_INFINITY) this.began = this.elapsed();
  }
}

/** Rollups of consecutive series grouped at once (a few hundred microseconds of work). */
const BATCH = 200;

/** One series' rollups, in the order they were read. */
interface Bucket {
  readonly labels: Readonly<Record<string, string>>;
  readonly rollups: Rollup[];
}

/**
 * `groupRollups(rollups, later)` in pieces: the rollups are first sorted out by series (in
 * pieces), then grouped a few series at a time, each series' rollups in the order they were read.
 * `groupRollups` groups each series apart from the others, in read order, and lists the series
 * in the order of their first rollup, so the result is the same, series for series and part for
 * part (parts of equal starts in the same order too): only the event loop turns in between.
 * Nothing here is shared until it is returned, so a reader never sees a grouping half done.
 */
export async function groupInPieces(rollups: readonly Rollup[], later: boolean, pacer: Pacer): Promise<StoredSeries[]> {
  if (rollups.length <= pacer.budget) return groupRollups(rollups, later);
  const table = new LabelTable<Bucket>();
  for (let i = 0; i < rollups.length; i++) {
    const r = rollups[i]!;
    const hash = hashLabels(r.labels);
    const bucket = table.find(r.labels, hash) ?? table.add({ labels: r.labels, rollups: [] }, hash);
    bucket.rollups.push(r);
    if (pacer.charge()) await pacer.pause();
  }
  // Consecutive series are grouped together, their rollups one after the other: each series'
  // rollups stay in read order and the series come in the order of their first rollup, so the
  // result is the one of grouping each on its own, without a table per series (5,000 Maps after
  // a slot close).
  const out: StoredSeries[] = [];
  const buckets = table.values;
  let batch: Rollup[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const own = buckets[i]!.rollups;
    for (let j = 0; j < own.length; j++) batch.push(own[j]!);
    if (batch.length < BATCH && i + 1 < buckets.length) continue;
    const grouped = groupRollups(batch, later);
    for (let j = 0; j < grouped.length; j++) out.push(grouped[j]!);
    const units = batch.length;
    batch = [];
    if (pacer.charge(units)) await pacer.pause();
  }
  return out;
}

/** How a cache groups rollups and changes its series: part objects, or columns (see `StoredRollupCacheOptions.columns` in window-query-cache.ts). */
export interface SeriesOps {
  group(rollups: readonly Rollup[], later: boolean, pacer: Pacer): Promise<StoredSeries[]>;
  /** `cached` with a change log's `rollups` written into it and what ended by `from` dropped (see `apply` in window-query-cache.ts). */
  apply(cached: readonly StoredSeries[], rollups: readonly Rollup[], from: number, pacer: Pacer): Promise<readonly StoredSeries[]>;
  /** `st` with its parts that end within (from, upTo]; `st` itself when all do. */
  prune(st: StoredSeries, from: number, upTo: number): StoredSeries;
  /** `st` with `written`'s parts written into it (see `upsert` in window-query-cache.ts). */
  upsert(st: StoredSeries, written: StoredSeries): StoredSeries;
  /** Parts held. */
  size(st: StoredSeries): number;
}
