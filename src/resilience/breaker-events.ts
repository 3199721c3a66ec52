import { ConfigError, type BreakerOpenError } from '../core/errors.js';

/**
 * The events of one breaker (`breaker.on(name, listener)`), with opossum's names, payloads and
 * order (test/resilience/opossum-conformance.test.ts runs both): `fire` first; then `success`,
 * `timeout` (followed by `failure`), `failure` or `reject`; `open` right after the failure that
 * opened the breaker, `close` right before the success of the trial that closed it; `fallback`
 * last, once the fallback answered. Latencies are in ms on the monitor's clock. Unlike opossum's
 * `errorFilter`, an error `isFailure` does not count emits neither `success` nor `failure`.
 */
export interface BreakerEvents<A extends unknown[] = unknown[], R = unknown> {
  /** A call was made (refused ones included). */
  fire: (args: A) => void;
  /** The function answered. */
  success: (result: R, latencyMs: number) => void;
  /** The function failed or timed out, and the error counts against the breaker. */
  failure: (error: unknown, latencyMs: number, args: A) => void;
  /** The call did not answer within `timeout` (a `failure` follows). */
  timeout: (error: Error, latencyMs: number, args: A) => void;
  /** The breaker refused the call: open, or half-open with its trial running. */
  reject: (error: BreakerOpenError) => void;
  /** The breaker opened. */
  open: () => void;
  /** `resetTimeout` passed: the next call is the trial. */
  halfOpen: (resetTimeout: number) => void;
  /** The trial succeeded: calls flow again. */
  close: () => void;
  /** The fallback answered the call instead (after a failure, a timeout or a refusal). */
  fallback: (result: R, error: unknown) => void;
}

/** Name of an event in {@link BreakerEvents}. */
export type BreakerEventName = keyof BreakerEvents;

const NAMES: ReadonlySet<string> = new Set<BreakerEventName>(['fire', 'success', 'failure', 'timeout', 'reject', 'open', 'halfOpen', 'close', 'fallback']);

type Listener = (...args: never[]) => void;

/**
 * A breaker's listeners. Nothing is allocated until the first `on()`, and `active` stays false
 * until then, so a breaker nobody listens to pays one field read per call. A listener that
 * throws is reported through `onListenerError` and never reaches the caller of `fire()`.
 */
export class BreakerEmitter<E extends { [K in keyof E]: Listener }> {
  /** Whether any listener was ever added: the hot path's only check. */
  active = false;
  private readonly listeners = new Map<keyof E, Listener[]>();

  constructor(
    private readonly owner: string,
    private readonly onListenerError: (event: string, error: unknown) => void,
  ) {}

  /** Adds `listener` for `event`; returns a function that removes it. */
  on<K extends keyof E>(event: K, listener: E[K]): () => void {
    if (typeof event !== 'string' || !NAMES.has(event)) {
      throw new ConfigError(`circuit breaker "${this.owner}": unknown event ${JSON.stringify(String(event))}; events are ${[...NAMES].join(', ')}`);
    }
    if (typeof listener !== 'function') throw new ConfigError(`circuit breaker "${this.owner}": on("${event}"): the listener must be a function, got ${typeof listener}`);
    // Copy on write: a listener that removes itself mid-emit does not skip the next one.
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    this.active = true;
    return () => {
      const list = this.listeners.get(event);
      if (list === undefined) return;
      const index = list.indexOf(listener);
      if (index >= 0) this.listeners.set(event, [...list.slice(0, index), ...list.slice(index + 1)]);
    };
  }

  /** Calls every listener of `event`; never throws. */
  emit<K extends keyof E>(event: K, ...args: Parameters<E[K]>): void {
    const list = this.listeners.get(event);
    if (list === undefined) return;
    for (const listener of list) {
      try {
        (listener as (...a: Parameters<E[K]>) => void)(...args);
      } catch (error) {
        this.onListenerError(event as string, error);
      }
    }
  }
}
