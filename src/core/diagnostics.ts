import { EventEmitter } from 'eventemitter3';
import { ConfigError, PulsewatchError, ValidationError, isPulsewatchError } from './errors.js';
import type { DropReason, DroppedEvent, FlushedEvent, MetricRecordedEvent } from './events.js';

/**
 * Where a monitor writes what nobody listened for: `console` (the default), a pino or winston
 * logger, anything with a `warn(message)` method.
 */
export interface Logger {
  warn(message: string): void;
}

/** The events every layer below the monitor may emit (a monitor's own event map extends them). */
export interface CoreEvents {
  metricRecorded: (event: MetricRecordedEvent) => void;
  flushed: (event: FlushedEvent) => void;
  dropped: (event: DroppedEvent) => void;
  error: (error: PulsewatchError) => void;
}

/** Counts dropped values by reason (`pulsewatch_dropped_total`, defined where metrics live). */
export interface DropCounter {
  inc(labels: { reason: DropReason }, amount?: number): void;
}

/** How the layers below the monitor report: through one {@link Diagnostics}, which never lets a listener throw into them. */
export interface Reporter {
  /** The monitor's `strict` option. */
  readonly strict: boolean;
  /** Emits to the listeners; never throws (see {@link Diagnostics.emit}). */
  emit<K extends keyof CoreEvents>(event: K, ...args: Parameters<CoreEvents[K]>): void;
  /** A caller's bad value: thrown in strict mode, else counted (`invalid_value`, unless `count` is false) and emitted on `error`. */
  reject(error: unknown, count?: boolean): void;
  /** pulsewatch's own failure (a store, a route, a hook): emitted on `error`, never thrown. */
  fail(error: unknown): void;
  /** Counts `count` items not kept and emits `dropped`; never throws. */
  drop(reason: DropReason, count: number): void;
}

/** At most one line per error code (and per drop reason) per this many ms of the monitor's clock. */
export const LOG_INTERVAL_MS = 60_000;

/** Drops of data already accepted (as opposed to values refused at the call). */
const LOSSES: ReadonlySet<DropReason> = new Set<DropReason>(['shutdown', 'buffer_full', 'rejected']);
/** Distinct codes tracked for rate limiting: codes are a short fixed list, this only bounds a foreign flood. */
const MAX_KEYS = 100;

type Listener = (...args: unknown[]) => void;
/** An event map: every event of `E` is a listener's signature. */
type EventMap<E> = { [K in keyof E]: (...args: never[]) => void };
interface Pace {
  last: number;
  /** Lines not written since `last`. */
  skipped: number;
}

/** Options of {@link Diagnostics}. */
export interface DiagnosticsOptions {
  /** The monitor's clock, which paces the log. */
  now(): number;
  strict: boolean;
  /** Default `globalThis.console`; `false` writes nothing. */
  logger?: Logger | false | undefined;
}

/**
 * One policy for everything a monitor reports. Every emit is isolated: each listener runs in
 * its own try (eventemitter3 calls it through one caller per event, with the listener as its
 * `this`), so a listener that throws neither skips the ones after it nor escapes into the
 * code that emitted (a recording call, a flush, a timer, `close()`), in strict mode too (strict
 * is about the caller's values, not a listener's bugs); the throw is reported on `error`, once.
 * An `error` listener's throw is logged instead (reporting it on `error` could loop). An `error`
 * (or a loss of accepted data) that nobody listens for is written to the `logger`, at most one
 * line per code a minute with the count not shown, so failures are never silent by default.
 */
export class Diagnostics<E extends CoreEvents & EventMap<E> = CoreEvents> implements Reporter {
  readonly strict: boolean;
  private readonly emitter = new EventEmitter();
  /** Per event, the function eventemitter3 holds for every listener: it calls the listener (its `this`) in a try. */
  private readonly callers = new Map<string, (this: Listener, ...args: unknown[]) => void>();
  private readonly paces = new Map<string, Pace>();
  private readonly logger: Logger | false | undefined;
  private readonly now: () => number;
  private counter: DropCounter | undefined;
  /** While closing: lines kept by key, written as one when the close ends. */
  private held: Map<string, { message: string; count: number }> | undefined;

  constructor(options: DiagnosticsOptions) {
    this.now = options.now;
    this.strict = options.strict;
    this.logger = options.logger;
  }

  /** Counts drops in `counter` from now on (the metric is defined after the diagnostics). */
  countDropsIn(counter: DropCounter): void {
    this.counter = counter;
  }

  /** Subscribes; returns a function that removes `listener` from `event`. */
  on<K extends keyof E>(event: K, listener: E[K], once = false): () => void {
    // Checked here: eventemitter3 turns the name into a string, which a hostile object can make throw.
    if (typeof event !== 'string') throw new ConfigError(`on: the event name must be a string, got a value of type ${typeof event}`);
    if (typeof listener !== 'function') throw new ConfigError(`on("${event}"): the listener must be a function, got a value of type ${typeof listener}`);
    const caller = this.caller(event);
    if (once) this.emitter.once(event, caller, listener);
    else this.emitter.on(event, caller, listener);
    return () => void this.emitter.off(event, caller, listener);
  }

  /** Removes every subscription of `listener` to `event`. */
  off<K extends keyof E>(event: K, listener: E[K]): void {
    if (typeof event !== 'string') return;
    const caller = this.callers.get(event);
    if (caller !== undefined) this.emitter.off(event, caller, listener);
  }

  /** Listeners of `event`. */
  listenerCount(event: keyof E & string): number {
    return this.emitter.listenerCount(event);
  }

  /** Emits `event` to each listener in turn; never throws. */
  emit<K extends keyof E & string>(event: K, ...args: Parameters<E[K]>): void {
    if (event === 'error' && this.emitter.listenerCount('error') === 0) this.unheard(args[0] as unknown as PulsewatchError);
    this.emitter.emit(event, ...args);
  }

  private caller(event: string): (this: Listener, ...args: unknown[]) => void {
    let caller = this.callers.get(event);
    if (caller === undefined) {
      const threw = (error: unknown): void => this.listenerThrew(event, error);
      caller = function (this: Listener, ...args: unknown[]): void {
        try {
          this(...args);
        } catch (error) {
          threw(error);
        }
      };
      this.callers.set(event, caller);
    }
    return caller;
  }

  reject(error: unknown, count = true): void {
    const e = isPulsewatchError(error) ? error : new ValidationError(String(error), [], { cause: error });
    if (this.strict) throw e;
    if (count) this.counter?.inc({ reason: 'invalid_value' });
    this.emit('error', ...([e] as Parameters<E['error']>));
  }

  fail(error: unknown): void {
    const e = isPulsewatchError(error) ? error : new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `unexpected failure: ${messageOf(error)}`, { cause: error });
    this.emit('error', ...([e] as Parameters<E['error']>));
  }

  drop(reason: DropReason, count: number): void {
    this.counter?.inc({ reason }, count);
    this.emit('dropped', ...([{ reason, count }] as Parameters<E['dropped']>));
    if (LOSSES.has(reason) && this.listenerCount('dropped') === 0 && this.listenerCount('error') === 0) {
      this.log(`dropped:${reason}`, `${count} rollups or notifications were dropped (${reason})`);
    }
  }

  /**
   * Keeps the lines nobody listened for until {@link release}: a `close()` whose store is down
   * fails many writes and then drops what is left, and says so in one line.
   */
  hold(): void {
    this.held ??= new Map();
  }

  /** Writes what {@link hold} kept, losses first, as one line. */
  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held === undefined || held.size === 0) return;
    const lines = [...held].sort(([a], [b]) => Number(b.startsWith('dropped:')) - Number(a.startsWith('dropped:')));
    const now = this.now();
    for (const [key] of lines) this.paces.set(key, { last: now, skipped: 0 });
    this.write(`while closing: ${lines.map(([, l]) => (l.count > 1 ? `${l.message} (and ${l.count - 1} more like it)` : l.message)).join('; ')}`);
  }

  private listenerThrew(event: string, error: unknown): void {
    const message = `a "${event}" listener threw: ${messageOf(error)}`;
    // An error listener's throw goes to the log: on `error` it could throw again, and again.
    if (event === 'error') this.log('error-listener', message);
    else this.emit('error', ...([new PulsewatchError('ERR_PULSEWATCH_INTERNAL', message, { cause: error })] as Parameters<E['error']>));
  }

  private unheard(error: PulsewatchError | undefined): void {
    if (error === undefined) return;
    let code: string;
    let message: string;
    try {
      code = String(error.code);
      message = String(error.message);
    } catch {
      return;
    }
    this.log(code, message);
  }

  /** Writes `message` unless a line of `key` was written within the interval (then counts it). */
  private log(key: string, message: string): void {
    if (this.logger === false) return;
    if (this.held !== undefined) {
      const line = this.held.get(key);
      if (line === undefined) this.held.set(key, { message, count: 1 });
      else line.count++;
      return;
    }
    const now = this.now();
    const pace = this.paces.get(key);
    if (pace !== undefined && now - pace.last < LOG_INTERVAL_MS) {
      pace.skipped++;
      return;
    }
    const more = pace !== undefined && pace.skipped > 0 ? ` (${pace.skipped} more since the last warning)` : '';
    if (pace !== undefined) {
      pace.last = now;
      pace.skipped = 0;
    } else if (this.paces.size < MAX_KEYS) this.paces.set(key, { last: now, skipped: 0 });
    this.write(`${message}${more}`);
  }

  private write(message: string): void {
    try {
      const logger = this.logger === false ? undefined : (this.logger ?? (globalThis.console as Logger | undefined));
      logger?.warn(`pulsewatch: ${message}; listen to the monitor's "error" event to handle these`);
    } catch {
      // A logger that throws must not throw into the host; there is nowhere left to report it.
    }
  }
}

function messageOf(error: unknown): string {
  try {
    return (error as Error)?.message ?? String(error);
  } catch {
    return typeof error;
  }
}
