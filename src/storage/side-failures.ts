/**
 * Failures of an adapter's best-effort side work (the metric name index, a malformed state entry)
 * that must not fail the call carrying it: handed to the adapter's `onError` option; else to the
 * reporters attached through `StorageLifecycle.attachSideFailures` (a monitor given the store
 * attaches its `error` event); else written as a warning at most once a minute per adapter, so a
 * store that keeps failing cannot flood a log.
 */
import { StorageError } from '../core/errors.js';

/** Warnings written at most this often (ms) when nothing else takes the failure. */
const WARN_INTERVAL_MS = 60_000;

/** Takes a failure that did not fail the call; never throws. */
export type SideFailureReporter = (error: StorageError) => void;

/**
 * One adapter's side failures: where they go (see the file comment). `report` is bound, so it can
 * be handed to the adapter's parts as a {@link SideFailureReporter}.
 */
export class SideFailures {
  /** Reporters attached by monitors, each until it detaches (a Set: two monitors on one store both hear). */
  private readonly attached = new Set<SideFailureReporter>();
  private last = -Infinity;
  private missed = 0;

  constructor(
    /** The user's `onError` option: when given it takes every failure, and nothing is attached. */
    private readonly onError: ((error: StorageError) => void) | undefined,
    /** Names the adapter in the console warning. */
    private readonly label: string,
  ) {}

  /** Routes one failure; never throws (a listener's throw is its own: the call it reports on already succeeded). */
  readonly report: SideFailureReporter = (error) => {
    if (this.onError !== undefined) return guarded(this.onError, error);
    if (this.attached.size > 0) {
      for (const reporter of [...this.attached]) guarded(reporter, error);
      return;
    }
    const now = Date.now();
    if (now - this.last < WARN_INTERVAL_MS) {
      this.missed++;
      return;
    }
    this.last = now;
    const more = this.missed > 0 ? ` (${this.missed} more since the last warning)` : '';
    this.missed = 0;
    // The adapters' own messages mostly start with their name already: not named twice.
    const named = error.message.startsWith(`${this.label}:`) ? error.message : `${this.label}: ${error.message}`;
    globalThis.console?.warn?.(`pulsewatch: ${named}${more}`);
  };

  /**
   * Sends later failures to `reporter` until the returned function is called, unless the user
   * gave `onError` (which keeps them: undefined is returned and nothing is attached).
   */
  attach(reporter: SideFailureReporter): (() => void) | undefined {
    if (this.onError !== undefined || typeof reporter !== 'function') return undefined;
    // Wrapped: the same function attached twice (two monitors sharing one listener) is two entries.
    const entry: SideFailureReporter = (error) => reporter(error);
    this.attached.add(entry);
    return () => {
      this.attached.delete(entry);
    };
  }
}

function guarded(reporter: SideFailureReporter, error: StorageError): void {
  try {
    reporter(error);
  } catch {
    // A listener's failure is its own: the work it reports on already succeeded.
  }
}

/** The reporter for `onError` (a listener that throws is ignored), or the rate-limited console warning. */
export function sideFailureReporter(onError: ((error: StorageError) => void) | undefined, label: string): SideFailureReporter {
  return new SideFailures(onError, label).report;
}

/** `error` as a transient StorageError saying what failed, its cause kept. */
export function sideFailure(what: string, error: unknown): StorageError {
  const reason = error instanceof Error ? error.message : String(error);
  return new StorageError(`${what}: ${reason}`, { cause: error });
}
