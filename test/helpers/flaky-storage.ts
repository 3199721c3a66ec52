import type { CallOptions, Rollup, RollupQuery, StorageAdapter } from '../../src/storage/contract.js';
import { MemoryStorage, type MemoryStorageOptions } from '../../src/storage/memory/memory-storage.js';
import type { AlertQuery, AlertRecord, DeadLetter, DeadLetterQuery, JobDeadLetter, JobDeadLetterQuery, StoredRule } from '../../src/storage/records.js';

/** One call to {@link FlakyStorage.writeRollups}. */
export interface WriteAttempt {
  /** Rollups in the batch. */
  size: number;
  /** Whether the write succeeded. */
  ok: boolean;
  /** `now()` of the clock given to the helper when the call was made (undefined without one). */
  at: number | undefined;
  /** The abort signal the caller passed, if any. */
  signal: AbortSignal | undefined;
}

/** Options of {@link FlakyStorage}. */
export interface FlakyStorageOptions {
  /** Options of the real MemoryStorage underneath. */
  memory?: MemoryStorageOptions;
  /**
   * Source of time (usually the test's ManualClock): timestamps write attempts and, unless
   * `memory.now` is given, drives the inner store's retention too.
   */
  now?: () => number;
}

/**
 * A test double of a failing store: a real {@link MemoryStorage} underneath, with a switch that
 * makes writes reject. It records every write attempt (batch size, outcome, time), the rollups
 * written in order, and the most writes that were ever in flight at once.
 */
export class FlakyStorage implements StorageAdapter {
  readonly name = 'flaky';
  /** The real store; what it holds is what was written. */
  readonly inner: MemoryStorage;
  /** Every `writeRollups` call, in order. */
  readonly attempts: WriteAttempt[] = [];
  /** Every rollup the inner store accepted, in write order. */
  readonly written: Rollup[] = [];
  /** The most `writeRollups` calls in flight at the same time. */
  maxConcurrentWrites = 0;
  /** How many times {@link FlakyStorage.close} was called. */
  closeCalls = 0;

  private failing = false;
  private failuresLeft = 0;
  private error: Error = new Error('storage is down');
  private inFlight = 0;
  private gate: Promise<void> | undefined;
  /** Writes waiting at the gate of {@link FlakyStorage.hold}. */
  private held = 0;
  private readonly heldWaiters = new Set<() => void>();
  private readonly now: (() => number) | undefined;

  constructor(options: FlakyStorageOptions = {}) {
    this.inner = new MemoryStorage({ ...(options.now ? { now: options.now } : {}), ...options.memory });
    this.now = options.now;
  }

  /** Makes every write reject with `error` until {@link FlakyStorage.recover} is called. */
  fail(error: Error = new Error('storage is down')): this {
    this.failing = true;
    this.error = error;
    return this;
  }

  /** Makes the next `count` writes reject, then writes succeed again. */
  failNext(count: number, error: Error = new Error('storage is down')): this {
    this.failuresLeft = count;
    this.error = error;
    return this;
  }

  /** Writes succeed again. */
  recover(): this {
    this.failing = false;
    this.failuresLeft = 0;
    return this;
  }

  /** True while writes are set to fail. */
  get isFailing(): boolean {
    return this.failing || this.failuresLeft > 0;
  }

  /**
   * Holds every write (before it succeeds or fails) until the returned function is called, to
   * observe what happens while a write is in flight.
   */
  hold(): () => void {
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.gate = undefined;
      release();
    };
  }

  /**
   * Resolves once `count` writes are waiting at the gate of {@link FlakyStorage.hold}: the
   * promise that means "the writes reached the store", for a test to look at the state while
   * they are in flight.
   */
  whenHeld(count = 1): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = (): void => {
        if (this.held < count) return;
        this.heldWaiters.delete(check);
        resolve();
      };
      this.heldWaiters.add(check);
      check();
    });
  }

  /** Sizes of the batches written successfully, in order. */
  get batchSizes(): number[] {
    return this.attempts.filter((a) => a.ok).map((a) => a.size);
  }

  /** Attempts that failed. */
  get failedAttempts(): WriteAttempt[] {
    return this.attempts.filter((a) => !a.ok);
  }

  /** Written rollups, without pulsewatch's own `pulsewatch_*` self-metrics. */
  get userRollups(): Rollup[] {
    return this.written.filter((r) => !r.name.startsWith('pulsewatch_'));
  }

  async writeRollups(rollups: readonly Rollup[], options?: CallOptions): Promise<void> {
    const attempt: WriteAttempt = { size: rollups.length, ok: false, at: this.now?.(), signal: options?.signal };
    this.attempts.push(attempt);
    this.inFlight++;
    this.maxConcurrentWrites = Math.max(this.maxConcurrentWrites, this.inFlight);
    try {
      if (this.gate !== undefined) {
        const gate = this.gate;
        this.held++;
        for (const check of [...this.heldWaiters]) check();
        await gate.finally(() => this.held--);
      }
      if (this.failing) throw this.error;
      if (this.failuresLeft > 0) {
        this.failuresLeft--;
        throw this.error;
      }
      await this.inner.writeRollups(rollups, options);
      attempt.ok = true;
      for (const r of rollups) this.written.push(r);
    } finally {
      this.inFlight--;
    }
  }

  queryRollups(query: RollupQuery, options?: CallOptions): Promise<Rollup[]> {
    return this.inner.queryRollups(query, options);
  }

  tryAcquire(key: string, ttlMs: number, options?: CallOptions): Promise<boolean> {
    return this.inner.tryAcquire(key, ttlMs, options);
  }

  saveAlert(alert: AlertRecord, options?: CallOptions): Promise<void> {
    return this.inner.saveAlert(alert, options);
  }

  queryAlerts(query: AlertQuery, options?: CallOptions): Promise<AlertRecord[]> {
    return this.inner.queryAlerts(query, options);
  }

  saveRule(rule: StoredRule, options?: CallOptions): Promise<void> {
    return this.inner.saveRule(rule, options);
  }

  deleteRule(id: string, options?: CallOptions): Promise<boolean> {
    return this.inner.deleteRule(id, options);
  }

  listRules(options?: CallOptions): Promise<StoredRule[]> {
    return this.inner.listRules(options);
  }

  saveDeadLetter(letter: DeadLetter, options?: CallOptions): Promise<void> {
    return this.inner.saveDeadLetter(letter, options);
  }

  listDeadLetters(query?: DeadLetterQuery, options?: CallOptions): Promise<DeadLetter[]> {
    return this.inner.listDeadLetters(query, options);
  }

  deleteDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.inner.deleteDeadLetter(id, options);
  }

  saveJobDeadLetter(letter: JobDeadLetter, options?: CallOptions): Promise<void> {
    return this.inner.saveJobDeadLetter(letter, options);
  }

  listJobDeadLetters(query?: JobDeadLetterQuery, options?: CallOptions): Promise<JobDeadLetter[]> {
    return this.inner.listJobDeadLetters(query, options);
  }

  deleteJobDeadLetter(id: string, options?: CallOptions): Promise<boolean> {
    return this.inner.deleteJobDeadLetter(id, options);
  }

  purgeBefore(timestamp: number, options?: CallOptions): Promise<number> {
    return this.inner.purgeBefore(timestamp, options);
  }

  async close(): Promise<void> {
    this.closeCalls++;
    await this.inner.close();
  }
}
