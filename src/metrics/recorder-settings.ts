import type { StorageError } from '../core/errors.js';
import type { DropReason } from '../core/events.js';

/** How the recorder writes and retries (validated in the monitor options). */
export interface RecorderSettings {
  batchSize: number;
  /** Batches written at once (default 1 when absent). */
  concurrency?: number;
  maxBuffered: number;
  /**
   * Late rollups (see {@link Recorder.addLate}) kept at most; past it new ones are dropped
   * (`late`). Default: a quarter of `maxBuffered`.
   */
  maxLate?: number;
  retry: { initialDelay: number; maxDelay: number; factor: number; jitter: number };
}

/** What the recorder tells its owner. */
export interface RecorderHooks {
  flushed(rollups: number, batches: number, durationMs: number): void;
  dropped(reason: DropReason, count: number): void;
  failed(error: StorageError): void;
  /**
   * A hook above threw (typically a user's event listener). The recorder's state is already
   * consistent when hooks run, so it carries on. Without this hook, or when it throws too, the
   * error is ignored: nothing the recorder calls ever throws into the host, or rejects `flush()`
   * or `close()`.
   */
  hookFailed?(error: unknown): void;
}
