/**
 * The monitor's compaction schedule: every `interval` of wall-clock time (the same ticks on every
 * instance, as rule evaluation's), the instance that takes the tick's store lease merges the
 * store's older rollups tier by tier, at most `maxPerRun` of them per run, none younger than the
 * longest histogram ring of the fleet (ring-spans.ts).
 */
import { yieldTurn, type Clock, type TimerHandle } from '../core/clock.js';
import type { Reporter } from '../core/diagnostics.js';
import { ConfigError, StorageError } from '../core/errors.js';
import { compactionMemoryIssue, type CompactionSettings } from './compaction-options.js';
import { RING_SPAN_GRACE } from './ring-spans.js';
import { hasRole, type CompactionStore, type LeaseStore, type StorageLifecycle } from './roles.js';

/**
 * Most rollups one `compactRollups` call of the schedule merges. The merge (HDR histograms decoded,
 * added and encoded again) runs in this process, some 30-50 us a histogram rollup on a loaded
 * 2-core machine: 2,000 keep each call's stretch of the event loop near 100 ms, where the store's
 * default 10,000 would hold the host's event loop for half a second.
 */
const CALL_LIMIT = 2_000;

/** Lease names the ticks cycle through (a lease lasts one tick: a name is free long before its turn comes back). */
const KEYS = 64;

/** What a schedule needs from its monitor. */
export interface CompactionScheduleDeps {
  /** The monitor's clock (its DeferredClock: the runs a timer starts are what `idle()` waits for). */
  clock: Clock;
  storage: StorageLifecycle & LeaseStore & Partial<CompactionStore>;
  reporter: Pick<Reporter, 'fail'>;
  /** The span of the histogram slots this monitor keeps in memory (slots x slot length): nothing younger is compacted. */
  memorySpan: number;
  /**
   * The longest ring span the fleet publishes (ring-spans.ts `readFleetRingSpan`), read by the
   * lease holder at each run: nothing younger is compacted. Absent (a store without the `state`
   * role): only this monitor's ring is known.
   */
  fleetSpan?: ((signal: AbortSignal) => Promise<number>) | undefined;
}

/** What one run did. */
export interface CompactionRun {
  /** Whether this instance held the tick's lease (and so ran). */
  ran: boolean;
  merged: number;
  written: number;
  /** False when the run stopped at `maxPerRun` with spans left. */
  done: boolean;
}

/**
 * Runs compaction on the monitor's clock. A run takes the lease
 * `pulsewatch:compact:<tick mod 64>` for one interval (store-wide, not per service: rollups of
 * every service share the store's spans), so one instance of the fleet runs each tick; when it
 * dies, the next tick's lease goes to whichever instance asks first. Failures (the lease, a
 * compaction call) go to the monitor's `error` event; nothing is thrown into the host, and the
 * next tick tries again. Tiers run coarsest first: hours already merged into a day are not read
 * again for the hour tier.
 */
export class CompactionSchedule {
  private timer: TimerHandle | undefined;
  private running: Promise<CompactionRun> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();

  /**
   * Throws a ConfigError when the first tier's `after` is not longer than the monitor's memory
   * span: the tier would silently wait behind the monitor's own ring. Other instances' rings are
   * read at each run (`fleetSpan`).
   */
  constructor(
    private readonly settings: CompactionSettings,
    private readonly deps: CompactionScheduleDeps,
  ) {
    const issue = compactionMemoryIssue(settings, deps.memorySpan);
    if (issue !== undefined) throw new ConfigError(issue);
  }

  /** Arms the first tick (the next multiple of `interval` on the clock). */
  start(): void {
    if (!hasRole(this.deps.storage, 'compaction')) {
      this.deps.reporter.fail(new ConfigError(`compaction is on, but "${this.deps.storage.name}" storage does not play the compaction role (compactRollups): rollups are kept as written`));
      return;
    }
    this.arm();
  }

  /** Stops the schedule; resolves when a run in progress has stopped (its current store call aborted). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.abort.abort(new StorageError('compaction stopped: the monitor is closing'));
    await this.running?.catch(() => undefined);
  }

  /** One run now, as a tick runs it (lease included). Never rejects: failures are reported. */
  run(): Promise<CompactionRun> {
    return (this.running ??= this.tick().finally(() => (this.running = undefined)));
  }

  private arm(): void {
    if (this.stopped) return;
    const { interval } = this.settings;
    const now = this.deps.clock.now();
    this.timer = this.deps.clock.setTimeout(() => {
      this.timer = undefined;
      return this.run().finally(() => this.arm());
    }, interval - (((now % interval) + interval) % interval) || interval);
  }

  private async tick(): Promise<CompactionRun> {
    const out: CompactionRun = { ran: false, merged: 0, written: 0, done: true };
    const { storage, clock } = this.deps;
    const { interval, maxPerRun, tiers } = this.settings;
    const now = clock.now();
    try {
      const tick = Math.floor(now / interval);
      if (!(await storage.tryAcquire(`pulsewatch:compact:${tick % KEYS}`, interval, { signal: this.abort.signal }))) return out;
    } catch (cause) {
      if (!this.stopped) this.deps.reporter.fail(new StorageError(`taking the compaction lease on "${storage.name}" storage failed; compaction waits for the next tick`, { cause }));
      return out;
    }
    out.ran = true;
    // Slots the fleet's rings may hold are read from memory by their instance: never compacted.
    let fleetSpan = 0;
    try {
      fleetSpan = this.deps.fleetSpan === undefined ? 0 : await this.deps.fleetSpan(this.abort.signal);
    } catch (cause) {
      out.done = false;
      if (!this.stopped) this.deps.reporter.fail(new StorageError(`reading the fleet's ring spans from "${storage.name}" storage failed; compaction waits for the next tick`, { cause }));
      return out;
    }
    try {
      for (let t = tiers.length - 1; t >= 0 && !this.stopped; t--) {
        const { span } = tiers[t]!;
        // Nothing this monitor or another instance may still hold in memory: each reads its own slots from there.
        // Another instance's ring ends by its own clock: the grace readers allow for skew widens it.
        const after = Math.max(tiers[t]!.after, this.deps.memorySpan, fleetSpan > 0 ? fleetSpan + RING_SPAN_GRACE : 0);
        const before = Math.floor((now - after) / span) * span;
        let done = false;
        while (!done && !this.stopped) {
          const room = maxPerRun - out.merged;
          if (room <= 0) {
            out.done = false;
            return out;
          }
          const limit = Math.min(room, CALL_LIMIT);
          const r = await storage.compactRollups!({ span, before, limit }, { signal: this.abort.signal });
          out.merged += r.merged;
          out.written += r.written;
          done = r.done;
          // The run's cap reached, or another session holds the store's compaction (nothing merged): next tick.
          if (!r.done && (limit === room || r.merged === 0)) {
            out.done = false;
            return out;
          }
          // A store that merges in this process without I/O (MemoryStorage) would otherwise run
          // the whole run in one stretch: requests and timers go between two calls.
          if (!r.done) await yieldTurn(clock);
        }
      }
    } catch (cause) {
      out.done = false;
      if (!this.stopped) this.deps.reporter.fail(new StorageError(`compacting rollups in "${storage.name}" storage failed; the next tick goes on`, { cause }));
    }
    return out;
  }
}
