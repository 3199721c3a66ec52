import PQueue from 'p-queue';
import { sleep, type Clock, type TimerHandle } from '../core/clock.js';
import { StorageError } from '../core/errors.js';
import type { DropReason } from '../core/events.js';
import type { Rollup, StorageAdapter } from '../storage/contract.js';
import { materializeRollups } from './hdr-codec.js';
import { abortable } from '../core/abortable.js';
import { backoffDelay } from '../core/backoff.js';

/** How the recorder writes and retries (validated in the monitor options). */
export interface RecorderSettings {
  batchSize: number;
  /** Batches written at once (default 1 when absent). */
  concurrency?: number;
  maxBuffered: number;
  retry: { initialDelay: number; maxDelay: number; factor: number; jitter: number };
}

/** What the recorder tells its owner. */
export interface RecorderHooks {
  flushed(rollups: number, batches: number, durationMs: number): void;
  dropped(reason: DropReason, count: number): void;
  failed(error: StorageError): void;
  /**
   * A hook above threw (typically a user's event listener). The recorder's state is already
   * consistent when hooks run, so it carries on. Default: the error is rethrown from a microtask,
   * surfacing like an exception thrown by any listener in a timer callback, instead of rejecting
   * `flush()` or `close()`.
   */
  hookFailed?(error: unknown): void;
}

/**
 * Keeps closed-slot rollups until the store has them. Writes go in batches through a p-queue,
 * one drain at a time, each writing up to `concurrency` batches at once; failed batches go back
 * to the head and are retried with exponential backoff while new rollups queue behind them, up
 * to `maxBuffered`, past which the oldest go.
 */
export class Recorder {
  private pending: Rollup[] = [];
  private readonly queue = new PQueue({ concurrency: 1 });
  private retryTimer: TimerHandle | undefined;
  private failures = 0;
  /** Rollups being written (no longer in `pending`). */
  private inFlight = 0;
  /** Aborted when `close()` gives up: writes in flight are abandoned (and already counted as dropped). */
  private writes = new AbortController();
  private closed = false;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly clock: Clock,
    private readonly settings: RecorderSettings,
    private readonly hooks: RecorderHooks,
  ) {}

  /** Rollups accepted but not yet written. */
  get buffered(): number {
    return this.pending.length;
  }

  /** True while a failed write waits for its retry. */
  get backingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  /** A copy of the rollups not yet written (for reads that must see them). */
  pendingRollups(): readonly Rollup[] {
    // Histogram rollups encode their `hdr` lazily (see hdr-codec.ts): readers get them encoded.
    materializeRollups(this.pending);
    return this.pending.slice();
  }

  /** Accepts rollups; drops the oldest beyond the bound. */
  add(rollups: readonly Rollup[]): void {
    if (rollups.length === 0) return;
    for (const r of rollups) this.pending.push(r);
    this.trimToBound();
  }

  /**
   * Writes everything pending. Resolves when done, or when a write failed (a retry is then
   * scheduled); never rejects. While a retry is scheduled it only waits for the queue.
   */
  async flush(): Promise<void> {
    if (this.backingOff) return this.queue.onIdle();
    await this.queue.add(() => this.drain(!this.closed));
  }

  /**
   * Writes everything pending, retrying failures (without waiting for backoff timers) until the
   * store takes it all or `timeoutMs` passes. The deadline is hard: a write still in flight then
   * is aborted (its signal fires) and abandoned. What is left is reported as dropped (`shutdown`).
   * Never rejects.
   */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    this.cancelRetry();
    let lost = 0;
    const writes = this.writes;
    const deadline = this.clock.monotonic() + timeoutMs;
    let expire!: () => void;
    const expired = new Promise<void>((resolve) => (expire = resolve));
    // keepAlive: at shutdown this timer may be all that holds the process until data is written.
    const timer = this.clock.setTimeout(
      () => {
        // Counted here, synchronously, so an abandoned batch is neither lost silently nor counted twice.
        lost += this.pending.length + this.inFlight;
        this.pending = [];
        this.inFlight = 0;
        writes.abort(new StorageError(`close() gave up writing to "${this.storage.name}" storage after ${timeoutMs} ms`));
        expire();
      },
      timeoutMs,
      { keepAlive: true },
    );
    try {
      await Promise.race([this.writeAll(deadline, writes.signal), expired]);
    } finally {
      this.clock.clearTimeout(timer);
      if (writes.signal.aborted) this.writes = new AbortController();
    }
    lost += this.pending.length;
    this.pending = [];
    if (lost > 0) this.emit(() => this.hooks.dropped('shutdown', lost));
  }

  private async writeAll(deadline: number, signal: AbortSignal): Promise<void> {
    await this.queue.onIdle();
    let delay = this.settings.retry.initialDelay;
    while (this.pending.length > 0 && !signal.aborted) {
      const ok = await this.queue.add(() => this.drain(false));
      if (ok || this.pending.length === 0) continue;
      const remaining = deadline - this.clock.monotonic();
      if (remaining <= 0) break;
      await sleep(this.clock, Math.min(delay, remaining), signal, { keepAlive: true });
      delay = Math.min(delay * this.settings.retry.factor, this.settings.retry.maxDelay);
    }
  }

  private async drain(scheduleRetry: boolean): Promise<boolean> {
    const started = this.clock.monotonic();
    const signal = this.writes.signal;
    const concurrency = this.settings.concurrency ?? 1;
    let written = 0;
    let batches = 0;
    try {
      while (this.pending.length > 0 && !signal.aborted) {
        // Several batches at once: a store's round trip, not its work, bounds one writer.
        const group: Rollup[][] = [];
        while (group.length < concurrency && this.pending.length > 0) {
          const batch = this.pending.splice(0, this.settings.batchSize);
          materializeRollups(batch); // encode deferred `hdr`s, a batch at a time, off the slot timer
          group.push(batch);
          this.inFlight += batch.length;
        }
        const results = await Promise.allSettled(group.map((batch) => abortable(() => this.storage.writeRollups(batch, { signal }), signal)));
        // Abandoned by close(), which already counted the batches as dropped.
        if (signal.aborted) return false;
        this.inFlight = 0;
        let failed: Rollup[] = [];
        let cause: unknown;
        results.forEach((result, i) => {
          const batch = group[i]!;
          if (result.status === 'fulfilled') {
            written += batch.length;
            batches++;
          } else {
            // concat, not push(...batch): a large batch would overflow the stack.
            failed = failed.concat(batch);
            cause ??= result.reason;
          }
        });
        if (failed.length > 0) {
          // Back at the head, in their order, unless newer rollups pushed them past the bound meanwhile.
          this.pending = failed.concat(this.pending);
          this.trimToBound();
          this.failures++;
          if (scheduleRetry) this.scheduleRetry();
          const attempt = this.failures;
          this.emit(() =>
            this.hooks.failed(
              new StorageError(`writing ${failed.length} rollups to "${this.storage.name}" storage failed (attempt ${attempt}); kept for retry`, { cause }),
            ),
          );
          return false;
        }
        this.failures = 0;
      }
      return !signal.aborted;
    } finally {
      if (written > 0) this.emit(() => this.hooks.flushed(written, batches, this.clock.monotonic() - started));
    }
  }

  private trimToBound(): void {
    const excess = this.pending.length - this.settings.maxBuffered;
    if (excess <= 0) return;
    this.pending.splice(0, excess);
    this.emit(() => this.hooks.dropped('buffer_full', excess));
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delay = backoffDelay(this.failures, this.settings.retry);
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      void this.queue.add(() => this.drain(!this.closed));
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Runs a hook; one that throws must not leave the recorder half-updated or reject its callers. */
  private emit(call: () => void): void {
    try {
      call();
    } catch (error) {
      if (this.hooks.hookFailed !== undefined) this.hooks.hookFailed(error);
      else
        queueMicrotask(() => {
          throw error;
        });
    }
  }
}
