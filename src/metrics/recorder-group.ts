import { StorageError } from '../core/errors.js';
import type { Rollup } from '../storage/contract.js';
import { isolateRejected, isPermanentRejection } from './recorder-isolate.js';

/** What one drain of the recorder wrote, set aside and was refused (reported when it ends). */
export interface Tally {
  written: number;
  batches: number;
  rejected: number;
  firstRejection: StorageError | undefined;
}

/** A new empty tally. */
export function emptyTally(): Tally {
  return { written: 0, batches: 0, rejected: 0, firstRejection: undefined };
}

/** What is left to do after a group of batches was written: what to retry, and why. */
export interface GroupRetry {
  /** Rollups a transient failure left unwritten, in batch order. */
  retry: Rollup[];
  /** The first such failure. */
  cause: unknown;
}

/**
 * Sorts the results of a group of batches written at once (`results[i]` is `group[i]`'s) into
 * `tally`: a written batch is settled, a batch the store rejects permanently is split to set the
 * bad rollups aside and write the others (recorder-isolate.ts), and a batch that failed
 * transiently is returned to retry. `undefined` when the write was abandoned (`signal` aborted by
 * `close()`, which counted the rollups as dropped).
 */
export async function sortGroup(
  group: readonly (readonly Rollup[])[],
  results: readonly PromiseSettledResult<void>[],
  tally: Tally,
  write: (batch: readonly Rollup[]) => Promise<void>,
  signal: AbortSignal,
  settled: (count: number) => void,
): Promise<GroupRetry | undefined> {
  let retry: Rollup[] = [];
  let cause: unknown;
  for (let i = 0; i < group.length; i++) {
    const batch = group[i]!;
    const result = results[i]!;
    if (result.status === 'fulfilled') {
      tally.written += batch.length;
      tally.batches++;
      settled(batch.length);
    } else if (isPermanentRejection(result.reason)) {
      // The data is at fault: retrying the batch as it is would fail forever.
      const isolated = await isolateRejected(batch, result.reason, write, signal, settled);
      if (signal.aborted) return undefined;
      tally.written += isolated.written;
      tally.batches += isolated.batches;
      tally.rejected += isolated.rejected;
      tally.firstRejection ??= isolated.firstRejection;
      if (isolated.retry.length > 0) {
        retry = retry.concat(isolated.retry);
        cause ??= isolated.cause;
      }
    } else {
      // concat, not push(...batch): a large batch would overflow the stack.
      retry = retry.concat(batch);
      cause ??= result.reason;
    }
  }
  return { retry, cause };
}

/** The error that reports rollups a store rejected as invalid (dropped as `rejected`, once per drain). */
export function rejectedError(storage: string, count: number, first: StorageError | undefined): StorageError {
  const reason = first === undefined ? '' : ` First: ${first.message}`;
  return new StorageError(
    `"${storage}" storage rejected ${count} rollup${count === 1 ? '' : 's'} as invalid: dropped (reason 'rejected'), never retried; the other rollups were written or kept for retry.${reason}`,
    { cause: first, permanent: true },
  );
}
