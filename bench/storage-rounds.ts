/**
 * The write-throughput method shared by the Redis and PostgreSQL storage benches, fixed before
 * any figure was read (issue 15):
 *
 * - Every case writes the same number of rollups in batches of 100 (`flush.batchSize`), 4
 *   batches in flight (`flush.concurrency`) unless it says otherwise: what the recorder does.
 * - All cases run in one process against one store, in interleaved rounds after an untimed
 *   warm-up round; the case that starts a round rotates, so the store's growth, the machine's
 *   load drift and the JIT's state spread over every case alike. A case's figure is the median
 *   of its rounds (min and max shown), never a best run.
 * - The rollups a round writes are built before its clock starts; only `writeRollups` is timed.
 * - The machine is 2 cores shared with other work: the load average at the start and the end
 *   is part of the result.
 */
import { loadavg } from 'node:os';
import type { Rollup, StorageAdapter } from '../src/storage/contract.js';

/** Rounds timed per case (after one untimed warm-up round). */
export const ROUNDS = 5;
/** Rollups per batch and batches in flight: the recorder's defaults. */
export const BATCH = 100;
export const IN_FLIGHT = 4;

/** One write case: the rollups of a round (built untimed) and how many batches fly at once. */
export interface WriteCase {
  readonly label: string;
  /** Rollups for round `round` (-1 is the warm-up). */
  readonly rollups: (round: number) => Rollup[];
  readonly inFlight: number;
}

/** A case's rate over the rounds. */
export interface WriteResult {
  label: string;
  median: number;
  min: number;
  max: number;
  rollups: number;
}

/** Writes `rollups` in batches of {@link BATCH}, `inFlight` at a time; resolves to the seconds taken. */
export async function timedWrite(storage: StorageAdapter, rollups: readonly Rollup[], inFlight: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rollups.length; i += inFlight * BATCH) {
    const group: Promise<void>[] = [];
    for (let j = i; j < Math.min(i + inFlight * BATCH, rollups.length); j += BATCH) group.push(storage.writeRollups(rollups.slice(j, j + BATCH)));
    await Promise.all(group);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Runs the warm-up round, then {@link ROUNDS} interleaved rounds; the median rate per case. */
export async function interleavedWrites(storage: StorageAdapter, cases: readonly WriteCase[]): Promise<WriteResult[]> {
  for (const c of cases) await timedWrite(storage, c.rollups(-1), c.inFlight);
  const rates: number[][] = cases.map(() => []);
  let size = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (round + k) % cases.length;
      const c = cases[i]!;
      const rollups = c.rollups(round);
      size = rollups.length;
      rates[i]!.push(rollups.length / (await timedWrite(storage, rollups, c.inFlight)));
    }
  }
  return cases.map((c, i) => ({ label: c.label, median: median(rates[i]!), min: Math.min(...rates[i]!), max: Math.max(...rates[i]!), rollups: size }));
}

/** The 1, 5 and 15 minute load averages, for the notes. */
export function load(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

/** `12,345 rollups/s (11,000 - 13,000)`. */
export function formatRate(r: WriteResult): string {
  const f = (n: number): string => Math.round(n).toLocaleString('en-US');
  return `${f(r.median)} rollups/s (${f(r.min)} - ${f(r.max)})`;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
