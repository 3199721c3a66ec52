import type { CapabilityContext } from '../capability.js';
import { ClosedError, ConfigError, PulsewatchError } from '../core/errors.js';
import { CircuitBreaker } from './breaker.js';
import { BreakerInstruments } from './breaker-metrics.js';
import { parseBreakerOptions, type BreakerOptions, type ResolvedBreakerOptions } from './breaker-options.js';
import { TimeoutSweeper } from './deadline-sweeper.js';
import type { BreakerStats } from './types.js';

/**
 * The circuit breakers of one monitor. They share one timer for call timeouts; each open
 * breaker has its reset timer; rolling windows rotate without timers. All of it runs on the
 * monitor's clock, and `close()` stops it.
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker<never, unknown>>();
  private readonly fns = new Map<string, unknown>();
  private readonly sweeper: TimeoutSweeper;
  private closed = false;

  constructor(private readonly ctx: CapabilityContext) {
    this.sweeper = new TimeoutSweeper(ctx.clock);
  }

  /**
   * Creates the breaker `name` around `fn`. Names are unique per monitor (they are the
   * `breaker` label of its metrics): asking again with the same function and equal options
   * returns the existing breaker (so a module evaluated twice, or code that creates its breaker
   * per request, gets the same state); anything else under a taken name throws a
   * {@link ConfigError}. Throws a `ConfigError` naming the option on invalid options, and a
   * `ClosedError` once the monitor is closed.
   */
  create<A extends unknown[], R>(
    name: string,
    fn: (...args: A) => R | PromiseLike<R>,
    options: NoInfer<BreakerOptions<A, R>> = {},
  ): CircuitBreaker<A, R> {
    if (this.closed) throw new ClosedError(`cannot create circuit breaker "${String(name)}": the monitor is closed`);
    if (typeof name !== 'string' || name === '') throw new ConfigError(`circuit breaker name must be a non-empty string, got ${JSON.stringify(name)}`);
    if (typeof fn !== 'function') throw new ConfigError(`circuit breaker "${name}": fn must be a function, got ${typeof fn}`);
    const resolved = parseBreakerOptions(name, options);
    const existing = this.breakers.get(name);
    if (existing !== undefined) {
      if (this.fns.get(name) !== fn) {
        throw new ConfigError(`circuit breaker "${name}" already exists around another function; breaker names are unique per monitor`);
      }
      const difference = firstDifference(existing.options, resolved);
      if (difference !== undefined) {
        throw new ConfigError(`circuit breaker "${name}" already exists with other options (${difference} differs); breaker names are unique per monitor`);
      }
      return existing as unknown as CircuitBreaker<A, R>;
    }
    const ctx = this.ctx;
    const breaker = new CircuitBreaker<A, R>(name, fn, resolved, {
      clock: ctx.clock,
      instruments: new BreakerInstruments(ctx.metrics, ctx.metricContext, name),
      sweeper: this.sweeper,
      emit: (event, payload) => ctx.emit(event, payload),
      listenerFailed: (breaker, event, error) =>
        ctx.report(new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `circuit breaker "${breaker}": a "${event}" listener threw: ${errorMessage(error)}`, { cause: error })),
    });
    this.breakers.set(name, breaker as unknown as CircuitBreaker<never, unknown>);
    this.fns.set(name, fn);
    return breaker;
  }

  /** The breaker called `name`, if any. */
  get(name: string): CircuitBreaker | undefined {
    return this.breakers.get(name) as CircuitBreaker | undefined;
  }

  /** Every breaker's state and counts, computed now, in creation order. */
  list(): BreakerStats[] {
    return [...this.breakers.values()].map((breaker) => breaker.stats());
  }

  /**
   * Stops every timer (the breakers' reset timers and the shared timeout timer). Calls
   * still waiting on a deadline reject with a `ClosedError`, since nothing would time them out;
   * later calls reject with one at once.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const breaker of this.breakers.values()) breaker.shutdown();
    this.sweeper.close((breaker) => new ClosedError(`circuit breaker "${breaker}": the monitor was closed while the call was running`));
  }
}

/** The first option that differs between two resolved option sets (functions compared by identity). */
function firstDifference(a: ResolvedBreakerOptions, b: ResolvedBreakerOptions): string | undefined {
  for (const key of Object.keys(a) as (keyof ResolvedBreakerOptions)[]) {
    if (!Object.is(a[key], b[key])) return key;
  }
  return undefined;
}

function errorMessage(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unprintable value';
  }
}
