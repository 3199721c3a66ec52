/**
 * Failures of an adapter's best-effort side work (the metric name index, a malformed state entry)
 * that must not fail the call carrying it: handed to the adapter's `onError` option, else written
 * as a warning at most once a minute per adapter, so a store that keeps failing cannot flood a log.
 */
import { StorageError } from '../core/errors.js';

/** Warnings written at most this often (ms) when no `onError` was given. */
const WARN_INTERVAL_MS = 60_000;

/** Takes a failure that did not fail the call; never throws. */
export type SideFailureReporter = (error: StorageError) => void;

/** The reporter for `onError` (a listener that throws is ignored), or the rate-limited console warning. */
export function sideFailureReporter(onError: ((error: StorageError) => void) | undefined, label: string): SideFailureReporter {
  if (onError !== undefined) {
    return (error) => {
      try {
        onError(error);
      } catch {
        // A listener's failure is its own: the write it reports on already succeeded.
      }
    };
  }
  let last = -Infinity;
  let missed = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < WARN_INTERVAL_MS) {
      missed++;
      return;
    }
    last = now;
    const more = missed > 0 ? ` (${missed} more since the last warning)` : '';
    missed = 0;
    globalThis.console?.warn?.(`pulsewatch: ${label}: ${error.message}${more}`);
  };
}

/** `error` as a transient StorageError saying what failed, its cause kept. */
export function sideFailure(what: string, error: unknown): StorageError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`${what}: ${reason}`, { cause: error });
}
