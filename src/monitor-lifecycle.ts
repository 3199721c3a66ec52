import type { Clock } from './core/clock.js';
import type { DeferredClock } from './core/deferred-clock.js';
import type { Diagnostics } from './core/diagnostics.js';
import type { MetricPipeline } from './metrics/pipeline.js';
import type { MonitorEvents } from './monitor-events.js';
import { closeWithin } from './monitor-close.js';

/** What a monitor's start and close act on. */
export interface LifecycleParts {
  /** The monitor's clock (the deadlines of `close()`). */
  clock: Clock;
  /** The clock its parts hold their timers on until the start. */
  timers: DeferredClock;
  pipeline: MetricPipeline;
  diagnostics: Diagnostics<MonitorEvents>;
  /** `flush.closeTimeout`. */
  closeTimeout: number;
  /** Stops the breakers' timers and refuses further calls. */
  stopBreakers(): void;
  /** Stops rule evaluation, waiting for one in progress. */
  stopAlerts(): Promise<void>;
  /** Delivers queued notifications for up to `ms`, then dead-letters the rest within `graceMs`. */
  closeNotifications(ms: number, graceMs: number): Promise<void>;
  /** Closes a store the monitor created (absent for a store passed in). */
  closeStorage: (() => Promise<void>) | undefined;
  /** How errors name `closeStorage`: `storage.close()` for a store the monitor created, else its detach. */
  closeStorageLabel?: string | undefined;
}

/**
 * A monitor's start and close. It starts at its first use, not when created: a monitor created
 * at module scope (as everyone writes it) arms no timer and draws no random value, which a
 * Cloudflare worker's global scope refuses. It closes once, within `flush.closeTimeout` plus a
 * grace (see monitor-close.ts), logging what nobody listened for in one line.
 */
export class Lifecycle {
  private state: 'idle' | 'starting' | 'started' | 'closed' = 'idle';
  /** When the clock first refused the timers at a start. */
  private firstRefusal: number | undefined;
  private refusalReported = false;
  private closing: Promise<void> | undefined;
  private readonly hooks = new Set<() => void | Promise<void>>();

  constructor(private readonly parts: LifecycleParts) {}

  /**
   * Fixes the open slot and arms the timers the parts held; idempotent, never throws, nothing
   * after `close()`. A runtime that refuses timers where the first use happens (a breaker or a
   * gauge set in a worker's global scope) gets them at the next use. Time stands still in a
   * worker's global scope: a refusal once the clock has moved is a clock that refuses timers
   * anywhere, reported on `error` once.
   */
  start(): void {
    if (this.state !== 'idle') return;
    const { pipeline, timers, clock, diagnostics } = this.parts;
    this.state = 'starting';
    pipeline.begin();
    try {
      timers.start();
      pipeline.arm();
      this.state = 'started';
    } catch (error) {
      this.state = 'idle';
      const now = clock.now();
      this.firstRefusal ??= now;
      if (now !== this.firstRefusal && !this.refusalReported) {
        this.refusalReported = true;
        diagnostics.fail(error);
      }
    }
  }

  /** Registers an `onClose` hook; returns a function that unregisters it. */
  onClose(fn: () => void | Promise<void>): () => void {
    this.hooks.add(fn);
    return () => this.hooks.delete(fn);
  }

  /**
   * Resolves once every task the monitor's timers started has settled: flushes and their
   * retries, rule evaluations, notification deliveries up to their next backoff (and the
   * dead-letter save and event after a failed one, bounded by the notification `timeout`), and
   * the writes of a `close()` in progress up to theirs (see DeferredClock.idle). On a ManualClock it is
   * `clock.idle()`: it also fires the timers due now, and rejects as that does.
   */
  idle(): Promise<void> {
    return this.parts.timers.idle();
  }

  /** Closes once: later calls return the same promise. Never rejects. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    // A close() from a listener of this one's first steps: the first call does the work.
    if (this.state === 'closed') return;
    this.state = 'closed';
    const parts = this.parts;
    parts.diagnostics.hold();
    try {
      // Timers still held (the monitor never started) are never armed; new ones go to the clock.
      parts.timers.close();
      parts.pipeline.stop();
      parts.stopBreakers();
      await closeWithin({
        clock: parts.clock,
        closeTimeout: parts.closeTimeout,
        hooks: [...this.hooks],
        stopAlerts: parts.stopAlerts,
        closeRecorder: (ms) => parts.pipeline.close(ms),
        closeLate: () => parts.pipeline.closeLate(),
        closeNotifications: parts.closeNotifications,
        closeStorage: parts.closeStorage,
        closeStorageLabel: parts.closeStorageLabel,
        report: (error) => parts.diagnostics.emit('error', error),
      });
    } finally {
      parts.diagnostics.release();
    }
  }
}
