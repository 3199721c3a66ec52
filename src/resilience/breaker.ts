import { ADMIT_REJECT, ADMIT_TRIAL, BreakerMachine, type BreakerStateChangedEvent } from '../core/breaker-machine.js';
import type { Clock } from '../core/clock.js';
import { BreakerOpenError, ClosedError, TimeoutError } from '../core/errors.js';
import { isPromiseLike } from '../core/promise.js';
import { BreakerEmitter, type BreakerEvents } from './breaker-events.js';
import { OUTCOME, type BreakerInstruments } from './breaker-metrics.js';
import type { ResolvedBreakerOptions } from './breaker-options.js';
import { PendingCall, type DeadlineList, type TimeoutSweeper } from './deadline-sweeper.js';
import type { BreakerState, BreakerStats } from './types.js';

/** What a breaker gets from its registry. */
export interface BreakerDeps {
  readonly clock: Clock;
  readonly instruments: BreakerInstruments;
  readonly sweeper: TimeoutSweeper;
  /** Emits the monitor's `breakerStateChanged`. */
  readonly emit: (event: 'breakerStateChanged', payload: BreakerStateChangedEvent) => void;
  /** Reports a listener of `breaker.on()` that threw. */
  readonly listenerFailed: (breaker: string, event: string, error: unknown) => void;
}

// Timeouts raised by a sweeper, told apart from a TimeoutError the function itself threw.
const ownTimeouts = new WeakSet<object>();

/**
 * A circuit breaker around one async function, created by `monitor.circuitBreaker()`.
 *
 * The state machine is {@link BreakerMachine} (shared with the notification channels), its
 * reset timer on the monitor's clock; this class runs the calls: timeouts on one timer shared
 * by every breaker of the monitor (a deadline list, instead of a timer armed and cleared per
 * call), the fallback, the `isFailure` filter, metrics and events. Why it is not opossum:
 * docs/architecture.md, "Circuit breakers are our own state machine".
 */
export class CircuitBreaker<A extends unknown[] = unknown[], R = unknown> {
  /** The breaker's name (its `breaker` label). */
  readonly name: string;
  /** The resolved options, frozen. */
  readonly options: ResolvedBreakerOptions;

  private readonly machine: BreakerMachine;
  private readonly clock: Clock;
  private readonly instruments: BreakerInstruments;
  private readonly deadlines: DeadlineList | undefined;
  private readonly events: BreakerEmitter<BreakerEvents<A, R>>;
  private readonly emitMonitor: BreakerDeps['emit'];
  private openedAt: number | undefined;
  private shut = false;

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
    this.emitMonitor = deps.emit;
    this.events = new BreakerEmitter(name, (event, error) => deps.listenerFailed(name, event, error));
    this.machine = new BreakerMachine(deps.clock, options, (from, to) => this.moved(from, to));
    this.deadlines =
      options.timeout === false
        ? undefined
        : deps.sweeper.list(options.timeout, () => {
            const error = new TimeoutError(`circuit breaker "${name}": the call did not answer within ${options.timeout} ms`, options.timeout as number);
            ownTimeouts.add(error);
            return error;
          }, name);
  }

  /** The current state. */
  get state(): BreakerState {
    return this.machine.state;
  }

  /** Whether an open breaker makes the health view unhealthy (from the `critical` option). */
  get critical(): boolean {
    return this.options.critical;
  }

  /**
   * Listens to one of the breaker's events (opossum's names: `fire`, `success`, `failure`,
   * `timeout`, `reject`, `open`, `halfOpen`, `close`, `fallback`). Returns a function that
   * removes the listener. A listener that throws is reported on the monitor's `error` event.
   * Throws a `ConfigError` for an unknown event name.
   */
  on<K extends keyof BreakerEvents<A, R>>(event: K, listener: BreakerEvents<A, R>[K]): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Calls the function through the breaker. Rejects with a `BreakerOpenError` while the breaker
   * is open, a `TimeoutError` when the call exceeds `timeout`, or the function's own error;
   * with a `fallback`, resolves with its value instead (errors `isFailure` rejects excepted).
   */
  fire(...args: A): Promise<R> {
    if (this.shut) return Promise.reject(new ClosedError(`circuit breaker "${this.name}" is closed: its monitor was closed`));
    const start = this.clock.monotonic();
    if (this.events.active) this.events.emit('fire', args);
    const admission = this.machine.admit(start);
    if (admission === ADMIT_REJECT) return this.refused(args, start);
    const trial = admission === ADMIT_TRIAL;
    const fn = this.fn; // called as a plain function: `this` inside fn is not the breaker
    let result: R | PromiseLike<R>;
    let thenable: boolean;
    try {
      result = fn(...args);
      // Inside the try: a `then` getter that throws fails the call, as `await` would make it.
      thenable = isPromiseLike(result);
    } catch (error) {
      return new Promise<R>((resolve, reject) => this.settle(error, args, start, trial, resolve, reject));
    }
    if (!thenable) return Promise.resolve(this.succeeded(start, trial, result as R));
    const answer = result as PromiseLike<R>;
    const deadlines = this.deadlines;
    if (deadlines === undefined) {
      return Promise.resolve(answer).then(
        (value) => this.succeeded(start, trial, value),
        (error: unknown) => this.failed(error, args, start, trial),
      );
    }
    // One promise per call, settled by whichever comes first: the answer or the sweeper.
    // (No named closures here: tsx's keepNames would wrap each one in a defineProperty per call.)
    return new Promise<R>((resolve, reject) => {
      const call = new PendingCall(start + deadlines.timeout, (error) => this.settle(error, args, start, trial, resolve, reject));
      deadlines.insert(call);
      try {
        answer.then(
          (value) => {
            if (deadlines.remove(call)) resolve(this.succeeded(start, trial, value));
          },
          (error: unknown) => {
            if (deadlines.remove(call)) this.settle(error, args, start, trial, resolve, reject);
          },
        );
      } catch (error) {
        // A `then` that throws is the call's failure now, not a throw out of the executor that
        // left the call to time out later (its fallback skipped, a half-open trial held till then).
        if (deadlines.remove(call)) this.settle(error, args, start, trial, resolve, reject);
      }
    });
  }

  /** State and counts, computed now. */
  stats(): BreakerStats {
    const stats: BreakerStats = {
      name: this.name,
      state: this.machine.state,
      critical: this.options.critical,
      ...this.instruments.counts(),
      consecutiveFailures: this.machine.consecutiveFailures,
      latency: this.instruments.latency(),
    };
    const window = this.machine.window;
    if (window !== undefined) {
      const now = this.clock.monotonic();
      const calls = window.calls(now);
      const failures = window.failed(now);
      stats.window = { calls, failures, errorPercentage: calls === 0 ? 0 : (failures / calls) * 100 };
    }
    if (this.openedAt !== undefined) stats.openedAt = this.openedAt;
    return stats;
  }

  /** @internal Stops the reset timer and refuses further calls (the monitor is closing). */
  shutdown(): void {
    if (this.shut) return;
    this.shut = true;
    this.machine.dispose();
  }

  /** The breaker refused the call: the fallback's value, or the `BreakerOpenError`. */
  private refused(args: A, start: number): Promise<R> {
    const error = new BreakerOpenError(this.name);
    if (this.events.active) this.events.emit('reject', error);
    try {
      return Promise.resolve(this.conclude(error, OUTCOME.rejected, args, start));
    } catch (thrown) {
      return Promise.reject(thrown);
    }
  }

  private succeeded(start: number, trial: boolean, value: R): R {
    // The `close` a trial's success causes comes before `success`, as in opossum (whose own
    // `success` listener, the first registered, closes the breaker).
    this.machine.success(trial);
    const seconds = this.record(OUTCOME.success, start);
    if (this.events.active) this.events.emit('success', value, seconds * 1000);
    return value;
  }

  /** Settles a call that failed or expired. */
  private settle(error: unknown, args: A, start: number, trial: boolean, resolve: (value: R | Promise<R>) => void, reject: (error: unknown) => void): void {
    try {
      resolve(this.failed(error, args, start, trial));
    } catch (thrown) {
      reject(thrown);
    }
  }

  /**
   * An error from the function or the deadline: ignored (`isFailure` said it does not count: the
   * breaker treats it as a success, as opossum's `errorFilter` does, and it is rethrown), or
   * counted (possibly opening the breaker), then the fallback's value or a throw.
   */
  private failed(error: unknown, args: A, start: number, trial: boolean): R | Promise<R> {
    if (this.ignores(error)) {
      this.machine.success(trial);
      this.record(OUTCOME.ignored, start);
      throw error;
    }
    const now = this.clock.monotonic();
    const timedOut = isOwnTimeout(error);
    if (this.events.active) {
      if (timedOut) this.events.emit('timeout', error as TimeoutError, now - start, args);
      this.events.emit('failure', error, now - start, args);
    }
    this.machine.failure(trial, now);
    return this.conclude(error, timedOut ? OUTCOME.timeout : OUTCOME.failure, args, start);
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

  /** Ends an unsuccessful call: the fallback's value, or `reason` thrown. */
  private conclude(reason: unknown, outcome: number, args: A, start: number): R | Promise<R> {
    if (this.options.fallback !== undefined) return this.fallBack(args, reason, outcome, start);
    this.record(outcome, start);
    throw reason;
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
    if (this.events.active) this.events.emit('fallback', value, reason);
    return value;
  }

  /** Counts the call under `outcome`; returns its duration in seconds. */
  private record(outcome: number, start: number): number {
    const seconds = (this.clock.monotonic() - start) / 1000;
    this.instruments.record(outcome, seconds);
    return seconds;
  }

  /** The machine changed state: gauge, monitor event, the breaker's own event. */
  private moved(from: BreakerState, to: BreakerState): void {
    const at = this.clock.now();
    if (to === 'open') this.openedAt = at;
    else if (to === 'closed') this.openedAt = undefined;
    this.instruments.setState(to);
    this.emitMonitor('breakerStateChanged', { name: this.name, from, to, at });
    if (!this.events.active) return;
    if (to === 'open') this.events.emit('open');
    else if (to === 'halfOpen') this.events.emit('halfOpen', this.options.resetTimeout);
    else this.events.emit('close');
  }
}

function isOwnTimeout(error: unknown): boolean {
  return typeof error === 'object' && error !== null && ownTimeouts.has(error);
}
