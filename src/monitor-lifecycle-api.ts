import type { CLOSE_GRACE_MS } from './monitor-close.js';

/**
 * A monitor's lifecycle as its users call it: hooks run at close, the write backlog, an
 * awaitable idle for tests, flush, close and error reporting. `Monitor` implements it by handing
 * each call to its `Lifecycle` (monitor-lifecycle.ts), its pipeline and its diagnostics.
 */
export interface MonitorLifecycleApi {
  /**
   * Runs `fn` when the monitor closes, after its last slot is closed and while its rollups are
   * written (for integrations that own timers, such as `systemMonitor`), before the notification
   * queues drain. Returns a function that unregisters it. A hook that throws is reported on
   * `error` and does not stop the close; one still pending after `flush.closeTimeout` is
   * abandoned (and named in a `TimeoutError` on `error`).
   */
  onClose(fn: () => void | Promise<void>): () => void;
  /** Rollups accepted and not yet written to storage. */
  readonly bufferedRollups: number;
  /**
   * Resolves once every task the monitor's timers started has settled: flushes and their retries,
   * rule evaluations, notification deliveries up to their next backoff, close()'s writes up to
   * theirs. On a ManualClock this is `clock.idle()`. See docs/testing.md.
   */
  idle(): Promise<void>;
  /** Closes the current slot now and writes every pending rollup. Never rejects; failures go to `error`. */
  flush(): Promise<void>;
  /**
   * Stops the timers, closes the current slot, runs the `onClose` hooks and writes everything
   * accepted before the call, retrying failed writes, all within `flush.closeTimeout`; closes
   * storage the monitor created. Always settles within `flush.closeTimeout` plus
   * {@link CLOSE_GRACE_MS} (1 s), whatever a hook, a channel, a notifier or the store does: what
   * could not finish is abandoned and reported (`dropped` with reason `shutdown`, and a
   * `TimeoutError` on `error` naming what still hung). What nobody listened for is logged once. Never rejects.
   */
  close(): Promise<void>;
  /**
   * Reports a failure of work done for this monitor outside it (an HTTP route, a framework
   * adapter, a cluster worker, an integration of your own) on its `error` event, logged like any
   * other when nobody listens. A `PulsewatchError` is emitted as is, anything else wrapped in one
   * with code `ERR_PULSEWATCH_INTERNAL` and the original as `cause`. Never throws.
   */
  reportError(error: unknown): void;
}
