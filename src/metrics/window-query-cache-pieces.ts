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
 * Counts work and tells when a piece's worth is done: the caller then awaits {@link pause}
 * (checked synchronously, so the loops await nothing between pauses). Without a pause function
 * a piece is never done, so a read without one does everything in one go, as before pieces.
 */
export class Pacer {
  private done = 0;
  /** Turns taken so far. */
  pauses = 0;

  constructor(private readonly turn: Pause | undefined) {}

  /** Counts `units` done; true once they reach {@link PIECE} (the caller awaits {@link pause}). */
  charge(units = 1): boolean {
    if (this.turn === undefined) return false;
    this.done += units;
    return this.done >= PIECE;
  }

  /** Lets the event loop turn and starts a new piece. */
  async pause(): Promise<void> {
    this.done = 0;
    this.pauses++;
    await this.turn!();
  }
}

/** One series' rollups, in the order they were read. */
interface Bucket {
  readonly labels: Readonly<Record<string, string>>;
  readonly rollups: Rollup[];
}

/**
 * `groupRollups(rollups, later)` in pieces: the rollups are first sorted out by series (in
 * pieces), then each series' rollups are grouped on their own, in the order they were read.
 * `groupRollups` groups each series apart from the others, in read order, and lists the series
 * in the order of their first rollup, so the result is the same, series for series and part for
 * part (parts of equal starts in the same order too): only the event loop turns in between.
 * Nothing here is shared until it is returned, so a reader never sees a grouping half done.
 */
export async function groupInPieces(rollups: readonly Rollup[], later: boolean, pacer: Pacer): Promise<StoredSeries[]> {
  if (rollups.length <= PIECE) return groupRollups(rollups, later);
  const table = new LabelTable<Bucket>();
  for (const r of rollups) {
    const hash = hashLabels(r.labels);
    const bucket = table.find(r.labels, hash) ?? table.add({ labels: r.labels, rollups: [] }, hash);
    bucket.rollups.push(r);
    if (pacer.charge()) await pacer.pause();
  }
  const out: StoredSeries[] = [];
  for (const bucket of table.values) {
    out.push(groupRollups(bucket.rollups, later)[0]!);
    if (pacer.charge(bucket.rollups.length)) await pacer.pause();
  }
  return out;
}
