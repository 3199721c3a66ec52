import { isPulsewatchError, type StorageError } from '../core/errors.js';
import type { Rollup } from '../storage/contract.js';

/**
 * True when a write failed because the store rejected the data itself: a pulsewatch
 * StorageError (from this copy of the package or another) with `permanent: true`. Anything else,
 * a plain `Error` from a custom adapter included, is a transient fault the recorder retries.
 */
export function isPermanentRejection(error: unknown): error is StorageError {
  return isPulsewatchError(error) && error.code === 'ERR_PULSEWATCH_STORAGE' && (error as StorageError).permanent === true;
}

/** What became of a batch the store rejected permanently. */
export interface Isolation {
  /** Rollups stored (by the adapter alongside its rejection, or by the rewrites of the halves). */
  written: number;
  /** Successful rewrites. */
  batches: number;
  /** Rollups the store rejected as invalid: set aside, never retried. */
  rejected: number;
  /** The error that set aside the first of them. */
  firstRejection: StorageError | undefined;
  /** Rollups left unwritten by a transient failure met on the way, in batch order: to retry. */
  retry: Rollup[];
  /** That transient failure. */
  cause: unknown;
}

/**
 * Finds the rollups a store rejects in a batch that failed with `error` (permanent), writing all
 * the others. With `error.rejected` (indexes in the batch) the adapter has stored every other
 * rollup already; without it nothing of the batch is taken to be stored, and the batch is split
 * in halves, each rewritten, recursively: one bad rollup among n costs about 2 log2(n) writes,
 * and a rollup that fails alone is the bad one. `settled(n)` tells the caller as rollups leave
 * its hands (written or rejected; those in `retry` are still the caller's). Stops when `signal` aborts: the caller
 * has then given up on what is left.
 */
export async function isolateRejected(
  batch: readonly Rollup[],
  error: StorageError,
  write: (rollups: readonly Rollup[]) => Promise<void>,
  signal: AbortSignal,
  settled: (count: number) => void,
): Promise<Isolation> {
  const out: Isolation = { written: 0, batches: 0, rejected: 0, firstRejection: undefined, retry: [], cause: undefined };

  const reject = (count: number, by: StorageError): void => {
    out.rejected += count;
    out.firstRejection ??= by;
    settled(count);
  };

  const split = async (part: readonly Rollup[], by: StorageError): Promise<void> => {
    const named = rejectedIndexes(by, part.length);
    if (named !== undefined) {
      out.written += part.length - named;
      settled(part.length - named);
      reject(named, by);
      return;
    }
    if (part.length === 1) return reject(1, by);
    const middle = Math.ceil(part.length / 2);
    for (const half of [part.slice(0, middle), part.slice(middle)]) {
      if (signal.aborted) return;
      // After a transient failure the rest waits for the retry, in order, untried.
      if (out.retry.length > 0) {
        out.retry = out.retry.concat(half);
        continue;
      }
      try {
        await write(half);
        if (signal.aborted) return;
        out.written += half.length;
        out.batches++;
        settled(half.length);
      } catch (failure) {
        if (signal.aborted) return;
        if (isPermanentRejection(failure)) await split(half, failure);
        else {
          out.retry = out.retry.concat(half);
          out.cause = failure;
        }
      }
    }
  };

  await split(batch, error);
  return out;
}

/**
 * How many rollups `error.rejected` names in a batch of `length`, or undefined when it names
 * none usable (absent, empty, or not indexes of the batch): the batch is then split instead.
 */
function rejectedIndexes(error: StorageError, length: number): number | undefined {
  const list = error.rejected;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const unique = new Set<number>();
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= length) return undefined;
    unique.add(i);
  }
  return unique.size;
}
