import PQueue from 'p-queue';
import { sleep, Stretch, type Clock, type TimerHandle } from '../core/clock.js';
import { StorageError } from '../core/errors.js';
import type { Rollup, StorageAdapter } from '../storage/contract.js';
import { materializeRollups } from './hdr-codec.js';
import { abortable } from '../core/abortable.js';
import { backoffDelay } from '../core/backoff.js';
import { RollupBuffer } from './recorder-buffer.js';
import type { RecorderHooks, RecorderSettings } from './recorder-settings.js';
import { emptyTally, rejectedError, sortGroup } from './recorder-group.js';

// What the recorder takes (settings, hooks) lives in recorder-settings.ts.
export type { RecorderHooks, RecorderSettings } from './recorder-settings.js';

/**
 * Keeps closed-slot rollups until the store has them. Writes go in batches through a p-queue,
 * one drain at a time, each writing up to `concurrency` batches at once. A batch that fails
 * transiently goes back to the head and is retried with exponential backoff while new rollups
 * queue behind it, up to `maxBuffered`, past which the oldest go. A batch the store rejects
 * permanently (invalid data) is split to set the bad rollups aside (dropped, `rejected`) and
 * write all the others: one bad value never stops the pipeline.
 */
export class Recorder {
  private readonly pending: RollupBuffer;
  private readonly queue = new PQueue({ concurrency: 1 });
  private retryTimer: TimerHandle | undefined;
  private failures = 0;
  /** Rollups being written (no longer in `pending`). */
  private inFlight = 0;
  /** Batches taken from the buffer whose write has not settled yet (see pendingRollups). */
  private readonly sending = new Set<readonly Rollup[]>();
  /**
   * Aborted when `close()` gives up: writes in flight are abandoned (and already counted as
   * dropped). Made at first use: workerd refuses an AbortController made at module scope, where
   * users create their monitor.
   */
  private writesValue: AbortController | undefined;
  private get writes(): AbortController {
    return (this.writesValue ??= new AbortController());
  }
  private set writes(controller: AbortController) {
    this.writesValue = controller;
  }
  private closed = false;
  /** The flush whose drain is queued behind a running one and has not started (see {@link flush}). */
  private queuedFlush: Promise<void> | undefined;

  constructor(
    private readonly storage: StorageAdapter,
    private readonly clock: Clock,
    private readonly settings: RecorderSettings,
    private readonly hooks: RecorderHooks,
  ) {
    const maxLate = settings.maxLate ?? Math.floor(settings.maxBuffered * 0.25);
    this.pending = new RollupBuffer(settings.maxBuffered, maxLate, (reason, count) => this.emit(() => this.hooks.dropped(reason, count)));
  }

  /** Rollups accepted but not yet written (late ones included). */
  get buffered(): number {
    return this.pending.size;
  }

  /** Late rollups accepted but not yet written. */
  get bufferedLate(): number {
    return this.pending.lateSize;
  }

  /** True while a failed write waits for its retry. */
  get backingOff(): boolean {
    return this.retryTimer !== undefined;
  }

  /** A copy of the rollups not yet written (for reads that must see them). */
  pendingRollups(): readonly Rollup[] {
    // Histogram rollups encode their `hdr` lazily (see hdr-codec.ts): readers get them encoded.
    // Batches being written count as waiting until their write settles: they have left the
    // buffer and may not be stored yet (readers tell a stored copy apart by its stamp).
    const all = this.pending.all(); // a fresh array
    for (const batch of this.sending) for (const r of batch) all.push(r);
    materializeRollups(all);
    return all;
  }

  /** Accepts rollups of closed slots; drops the oldest beyond `maxBuffered` (late ones first). */
  add(rollups: readonly Rollup[]): void {
    if (rollups.length === 0) return;
    this.pending.add(rollups);
  }

  /**
   * Accepts rollups of late records (slots before the current one). They count against
   * `maxLate` only, never push current rollups out, and are the first to go when the buffer is
   * full; past `maxLate` the new ones are dropped (`late`). Written after the current ones.
   * Returns how many of `rollups` were kept.
   */
  addLate(rollups: readonly Rollup[]): number {
    if (rollups.length === 0) return 0;
    return this.pending.addLate(rollups);
  }

  /** How many more late rollups {@link addLate} would keep now. */
  get lateRoom(): number {
    return this.pending.lateRoom;
  }

  /**
   * Writes everything pending. Resolves when done, or when a write failed (a retry is then
   * scheduled); never rejects. While a retry is scheduled it only waits for the queue.
   */
  flush(): Promise<void> {
    if (this.backingOff) return this.queue.onIdle();
    // A drain queued and not started yet writes everything pending when it starts: a flush
    // joins it. Otherwise a write that hangs (a silent connection) gets one more queued drain,
    // and one more task on the monitor's clock, at every flush interval, for as long as it hangs.
    if (this.queuedFlush !== undefined) return this.queuedFlush;
    let started = false;
    const done = this.queue
      .add(() => {
        started = true;
        this.queuedFlush = undefined;
        return this.drain(!this.closed);
      })
      .then(() => undefined);
    // p-queue starts a task at once when the queue is idle: that drain is already taking rollups.
    if (!started) this.queuedFlush = done;
    return done;
  }

  /**
   * Writes everything pending, retrying failures (without waiting for backoff timers) until the
   * store takes it all or `timeoutMs` passes. The deadline is hard: a write still in flight then
   * is aborted (its signal fires) and abandoned. What is left is reported as dropped (`shutdown`).
   * Never rejects; resolves true when everything was written.
   */
  async close(timeoutMs: number): Promise<boolean> {
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
        lost += this.pending.clear() + this.inFlight;
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
    lost += this.pending.clear();
    if (lost > 0) this.emit(() => this.hooks.dropped('shutdown', lost));
    return lost === 0 && !writes.signal.aborted;
  }

  private async writeAll(deadline: number, signal: AbortSignal): Promise<void> {
    // The writes are tracked on the clock up to each backoff, which the retry's timer resumes:
    // a ManualClock's idle() waits for a write, never for a backoff (a write that never answers
    // keeps it waiting until close() gives up on it).
    const stretch = new Stretch(this.clock);
    stretch.beginTracked();
    try {
      await this.queue.onIdle();
      let delay = this.settings.retry.initialDelay;
      while (this.pending.size > 0 && !signal.aborted) {
        const ok = await this.queue.add(() => this.drain(false));
        if (ok || this.pending.size === 0) continue;
        const remaining = deadline - this.clock.monotonic();
        if (remaining <= 0) break;
        stretch.close();
        await sleep(this.clock, Math.min(delay, remaining), signal, { keepAlive: true, resume: () => stretch.begin() });
        delay = Math.min(delay * this.settings.retry.factor, this.settings.retry.maxDelay);
      }
    } finally {
      stretch.close();
    }
  }

  private async drain(scheduleRetry: boolean): Promise<boolean> {
    const started = this.clock.monotonic();
    const signal = this.writes.signal;
    const concurrency = this.settings.concurrency ?? 1;
    const write = (batch: readonly Rollup[]) => abortable(() => this.storage.writeRollups(batch, { signal }), signal);
    // Rollups leave `inFlight` as they are settled; once close() gave up it counted them all.
    const settled = (count: number) => {
      if (!signal.aborted) this.inFlight -= count;
    };
    const tally = emptyTally();
    try {
      while (this.pending.size > 0 && !signal.aborted) {
        // Several batches at once: a store's round trip, not its work, bounds one writer.
        const group: Rollup[][] = [];
        while (group.length < concurrency && this.pending.size > 0) {
          const batch = this.pending.take(this.settings.batchSize);
          materializeRollups(batch); // encode deferred `hdr`s, a batch at a time, off the slot timer
          group.push(batch);
          this.sending.add(batch);
          this.inFlight += batch.length;
        }
        let results: PromiseSettledResult<void>[];
        try {
          results = await Promise.allSettled(group.map(write));
        } finally {
          // Stored, or back in the buffer below, or dropped by close(): no longer being written.
          for (const batch of group) this.sending.delete(batch);
        }
        // Abandoned by close(), which already counted the batches as dropped.
        if (signal.aborted) return false;
        const sorted = await sortGroup(group, results, tally, write, signal, settled);
        if (sorted === undefined) return false;
        const { retry, cause } = sorted;
        if (retry.length > 0) {
          // Back at the head, in their order, unless newer rollups pushed them past the bound meanwhile.
          this.inFlight -= retry.length;
          this.pending.putBack(retry);
          this.failures++;
          if (scheduleRetry) this.scheduleRetry();
          const attempt = this.failures;
          this.emit(() =>
            this.hooks.failed(
              new StorageError(`writing ${retry.length} rollups to "${this.storage.name}" storage failed (attempt ${attempt}); kept for retry`, { cause }),
            ),
          );
          return false;
        }
        this.failures = 0;
      }
      return !signal.aborted;
    } finally {
      if (tally.written > 0) this.emit(() => this.hooks.flushed(tally.written, tally.batches, this.clock.monotonic() - started));
      if (tally.rejected > 0) this.reportRejected(tally.rejected, tally.firstRejection);
    }
  }

  /** Rollups the store rejected as invalid: dropped (`rejected`) and reported once per drain. */
  private reportRejected(count: number, first: StorageError | undefined): void {
    this.emit(() => this.hooks.dropped('rejected', count));
    const error = rejectedError(this.storage.name, count, first);
    this.emit(() => this.hooks.failed(error));
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.closed) return;
    const delay = backoffDelay(this.failures, this.settings.retry);
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      // The retry goes back to the clock (drain never rejects): a ManualClock's idle() waits for it.
      return this.queue.add(() => this.drain(!this.closed));
    }, delay);
  }

  private cancelRetry(): void {
    if (this.retryTimer === undefined) return;
    this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * Runs a hook; one that throws must not leave the recorder half-updated, reject its callers or
   * throw into the host (not even from a microtask, where it would be an uncaught exception).
   */
  private emit(call: () => void): void {
    try {
      call();
    } catch (error) {
      try {
        this.hooks.hookFailed?.(error);
      } catch {
        // The report of a failure failed too: nowhere left to send it that cannot throw.
      }
    }
  }
}
