import type Opossum from 'opossum';
import { isPromiseLike } from '../core/promise.js';
import type { Clock } from '../core/clock.js';
import { BreakerOpenError, ClosedError, TimeoutError } from '../core/errors.js';
import type { MonitorEvents } from '../monitor-events.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';
import { OUTCOME, type BreakerInstruments } from './breaker-metrics.js';
import type { RotationSource } from './bucket-rotation.js';
import { PendingCall, type DeadlineList, type TimeoutSweeper } from './deadline-sweeper.js';
import { createOpossum, isOpossumError } from './opossum-machine.js';
import type { BreakerState, BreakerStats } from './types.js';

/** What a breaker gets from its registry. */
export interface BreakerDeps {
  readonly clock: Clock;
  readonly instruments: BreakerInstruments;
  readonly sweeper: TimeoutSweeper;
  /** Rotates the rolling window of the percentage rule. */
  readonly rotation: RotationSource;
  readonly emit: (event: 'breakerStateChanged', ...args: Parameters<MonitorEvents['breakerStateChanged']>) => void;
}

/**
 * An error `isFailure` said not to count, carried to opossum as a value so that opossum treats
 * the call as a success (its `errorFilter` semantics: a half-open trial that gets one closes).
 */
class Ignored {
  constructor(readonly error: unknown) {}
}

// Timeouts raised by a sweeper, told apart from a TimeoutError the function itself threw.
const ownTimeouts = new WeakSet<object>();

/**
 * A circuit breaker around one async function, created by `monitor.circuitBreaker()`.
 *
 * opossum is the state machine: it holds closed / open / half-open, arms the `resetTimeout`
 * timer, lets exactly one trial call through when half-open (closing on its success, reopening
 * on its failure), refuses calls while open and keeps the rolling window of the percentage
 * rule. While the breaker is closed, calls skip opossum's `fire()` and run on a lean path here,
 * which applies the same opening rules; that path, and call timeouts on one shared timer instead
 * of one per call, are why a breaker with metrics costs less per call than bare opossum.
 */
export class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> {
  /** The breaker's name (its `breaker` label). */
  readonly name: string;
  /** The resolved options, frozen. */
  readonly options: ResolvedBreakerOptions;

  private readonly opossum: Opossum<A, unknown>;
  private readonly clock: Clock;
  private readonly instruments: BreakerInstruments;
  private readonly deadlines: DeadlineList | undefined;
  private readonly emit: BreakerDeps['emit'];
  /** Feeds opossum's rolling window on the lean path (only the percentage rule reads it). */
  private readonly windowed: boolean;
  private current: BreakerState = 'closed';
  private streak = 0;
  private openedAt: number | undefined;
  private shut = false;
  /** Start of the call opossum is about to run (read synchronously by the action). */
  private guardedStart = 0;
  /** Lean-path calls not yet added to opossum's window: adding them per call costs an emit each. */
  private unfed = 0;
  private readonly feedWindow = (): void => {
    if (this.unfed === 0) return;
    this.opossum.status.window[0]!.fires += this.unfed;
    this.unfed = 0;
  };
  private readonly rotation: RotationSource;

  /** @internal Use `monitor.circuitBreaker()`. */
  constructor(
    name: string,
    private readonly fn: (...args: A) => R | PromiseLike<R>,
    options: ResolvedBreakerOptions,
    deps: BreakerDeps,
  ) {
    this.name = name;
    this.options = options;
    this.clock = deps.clock;
    this.instruments = deps.instruments;
    this.emit = deps.emit;
    this.windowed = options.errorThresholdPercentage !== undefined;
    this.rotation = deps.rotation;
    // Subscribed before opossum's window (listeners run in order): the calls counted since the
    // last rotation land in the bucket they happened in, before it rotates.
    this.rotation.on('rotate', this.feedWindow);
    this.deadlines =
      options.timeout === false
        ? undefined
        : deps.sweeper.list(options.timeout, () => {
            const error = new TimeoutError(`circuit breaker "${name}": the call did not answer within ${options.timeout} ms`, options.timeout as number);
            ownTimeouts.add(error);
            return error;
          }, name);
    this.opossum = createOpossum<A>(name, (...args: A) => this.invoke(args, this.guardedStart), options, deps.rotation);
    this.opossum.on('open', () => this.moved('open'));
    this.opossum.on('halfOpen', () => this.moved('halfOpen'));
    this.opossum.on('close', () => this.moved('closed'));
  }

  /** The current state. */
  get state(): BreakerState {
    return this.current;
  }

  /** Whether an open breaker makes the health view unhealthy (from the `critical` option). */
  get critical(): boolean {
    return this.options.critical;
  }

  /**
   * Calls the function through the breaker. Rejects with a `BreakerOpenError` while the breaker
   * is open, a `TimeoutError` when the call exceeds `timeout`, or the function's own error;
   * with a `fallback`, resolves with its value instead (errors `isFailure` rejects excepted).
   */
  fire(...args: A): Promise<R> {
    if (this.shut) return Promise.reject(new ClosedError(`circuit breaker "${this.name}" is closed: its monitor was closed`));
    const start = this.clock.monotonic();
    if (this.current !== 'closed') return this.guarded(args, start);
    // The lean path: opossum's fire() is skipped while closed (see the class comment).
    if (this.windowed) this.unfed++;
    const fn = this.fn; // called as a plain function: `this` inside fn is not the breaker
    let result: R | PromiseLike<R>;
    try {
      result = fn(...args);
    } catch (error) {
      return new Promise<R>((resolve, reject) => this.settle(error, args, start, resolve, reject));
    }
    if (!isPromiseLike(result)) {
      this.succeeded(start);
      return Promise.resolve(result);
    }
    const deadlines = this.deadlines;
    if (deadlines === undefined) {
      return Promise.resolve(result).then(
        (value) => this.succeeded(start, value),
        (error: unknown) => this.leanFailed(error, args, start),
      );
    }
    // One promise per call, settled by whichever comes first: the answer or the sweeper.
    // (No named closures here: tsx's keepNames would wrap each one in a defineProperty per call.)
    return new Promise<R>((resolve, reject) => {
      const call = new PendingCall(start + deadlines.timeout, (error) => this.settle(error, args, start, resolve, reject));
      deadlines.insert(call);
      result.then(
        (value) => {
          if (deadlines.remove(call)) resolve(this.succeeded(start, value));
        },
        (error: unknown) => {
          if (deadlines.remove(call)) this.settle(error, args, start, resolve, reject);
        },
      );
    });
  }

  /** State and counts, computed now. */
  stats(): BreakerStats {
    const stats: BreakerStats = {
      name: this.name,
      state: this.current,
      critical: this.options.critical,
      ...this.instruments.counts(),
      consecutiveFailures: this.streak,
      latency: this.instruments.latency(),
    };
    if (this.windowed) {
      this.feedWindow();
      const w = this.opossum.stats;
      stats.window = { calls: w.fires, failures: w.failures, errorPercentage: w.fires === 0 ? 0 : (w.failures / w.fires) * 100 };
    }
    if (this.openedAt !== undefined) stats.openedAt = this.openedAt;
    return stats;
  }

  /** @internal Stops opossum's timers and refuses further calls (the monitor is closing). */
  shutdown(): void {
    if (this.shut) return;
    this.shut = true;
    this.rotation.removeListener('rotate', this.feedWindow);
    this.opossum.shutdown();
  }

  /** Open or half-open: opossum refuses the call, or runs it as the one half-open trial. */
  private guarded(args: A, start: number): Promise<R> {
    this.guardedStart = start;
    return this.opossum.fire(...args).then(
      (value) => {
        if (!(value instanceof Ignored)) return this.succeeded(start, value as R);
        this.streak = 0;
        this.record(OUTCOME.ignored, start);
        throw value.error;
      },
      (error: unknown) => {
        // opossum's own errors here can only be EOPENBREAKER: fire() refuses calls after shutdown.
        if (isOpossumError(error)) return this.conclude(new BreakerOpenError(this.name, { cause: error }), OUTCOME.rejected, args, start);
        // The trial failed: opossum has counted it and reopened.
        this.streak++;
        return this.conclude(error, isOwnTimeout(error) ? OUTCOME.timeout : OUTCOME.failure, args, start);
      },
    );
  }

  /**
   * opossum's action for the calls it fires: the function with its deadline. Resolves with its
   * value or an {@link Ignored} error (a success to opossum); rejects with a counted error.
   */
  private invoke(args: A, start: number): Promise<unknown> {
    const fn = this.fn;
    let result: R | PromiseLike<R>;
    try {
      result = fn(...args);
    } catch (error) {
      return this.ignores(error) ? Promise.resolve(new Ignored(error)) : Promise.reject(error);
    }
    if (!isPromiseLike(result)) return Promise.resolve(result);
    const work = this.deadlines === undefined ? Promise.resolve(result) : this.deadlines.track(result, start);
    return this.options.isFailure === undefined ? work : work.then(undefined, (error: unknown) => (this.ignores(error) ? new Ignored(error) : Promise.reject(error)));
  }

  /** Whether `isFailure` says `error` does not count. Our own timeouts always count, and so does an error the filter throws on. */
  private ignores(error: unknown): boolean {
    const isFailure = this.options.isFailure;
    if (isFailure === undefined || isOwnTimeout(error)) return false;
    try {
      return !isFailure(error);
    } catch {
      return false;
    }
  }

  private succeeded(start: number): void;
  private succeeded(start: number, value: R): R;
  private succeeded(start: number, value?: R): R | undefined {
    this.streak = 0;
    this.record(OUTCOME.success, start);
    return value;
  }

  /** Settles a lean call that failed or expired. */
  private settle(error: unknown, args: A, start: number, resolve: (value: R | Promise<R>) => void, reject: (error: unknown) => void): void {
    try {
      resolve(this.leanFailed(error, args, start));
    } catch (thrown) {
      reject(thrown);
    }
  }

  /** An error on the lean path: ignored, or counted (possibly opening the breaker), then the fallback or a throw. */
  private leanFailed(error: unknown, args: A, start: number): R | Promise<R> {
    if (this.ignores(error)) {
      this.streak = 0;
      this.record(OUTCOME.ignored, start);
      throw error;
    }
    this.streak++;
    this.counted(error, args, start);
    return this.conclude(error, isOwnTimeout(error) ? OUTCOME.timeout : OUTCOME.failure, args, start);
  }

  /** Ends an unsuccessful call: the fallback's value, or `reason` thrown. */
  private conclude(reason: unknown, outcome: number, args: A, start: number): R | Promise<R> {
    if (this.options.fallback !== undefined) return this.fallBack(args, reason, outcome, start);
    this.record(outcome, start);
    throw reason;
  }

  /** A failure on the lean path: feed opossum's window and apply the opening rules. */
  private counted(error: unknown, args: A, start: number): void {
    if (this.windowed) {
      this.feedWindow();
      this.opossum.emit('failure', error, this.clock.monotonic() - start, args);
    }
    if (this.current !== 'closed') return;
    const { failureThreshold, errorThresholdPercentage, volumeThreshold } = this.options;
    if (failureThreshold !== false && this.streak >= failureThreshold) {
      this.opossum.open();
      return;
    }
    if (errorThresholdPercentage === undefined) return;
    // opossum's own rule (lib/circuit.js fail()), on its own rolling window.
    const { fires, failures } = this.opossum.stats;
    if (fires >= volumeThreshold && (failures / fires) * 100 > errorThresholdPercentage) this.opossum.open();
  }

  private async fallBack(args: A, reason: unknown, outcome: number, start: number): Promise<R> {
    const fallback = this.options.fallback as (...a: unknown[]) => R | PromiseLike<R>;
    let value: R;
    try {
      value = await fallback(...args, reason);
    } catch (error) {
      // The fallback failed too: the call ends with the original outcome and the fallback's error.
      this.record(outcome, start);
      throw error;
    }
    this.record(OUTCOME.fallback, start);
    return value;
  }

  private record(outcome: number, start: number): void {
    this.instruments.record(outcome, (this.clock.monotonic() - start) / 1000);
  }

  private moved(to: BreakerState): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    const at = this.clock.now();
    if (to === 'open') this.openedAt = at;
    else if (to === 'closed') {
      this.openedAt = undefined;
      this.streak = 0;
    }
    this.instruments.setState(to);
    this.emit('breakerStateChanged', { name: this.name, from, to, at });
  }
}

function isOwnTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ownTimeouts.has(error);
}
