import { EventEmitter } from 'eventemitter3';
import { ConfigError, PulsewatchError, StorageError } from './core/errors.js';
import type { DropReason } from './core/events.js';
import type { MonitorEvents } from './monitor-events.js';

/** Drops of data already accepted (as opposed to values refused at the call). */
const LOSS_REASONS: ReadonlySet<DropReason> = new Set<DropReason>(['shutdown', 'buffer_full', 'rejected']);
/** Error codes logged when nobody listens to `error`: lost writes and a `close()` that gave up. */
const LOGGED_CODES: ReadonlySet<string> = new Set(['ERR_PULSEWATCH_STORAGE', 'ERR_PULSEWATCH_TIMEOUT']);
/** At most one `console.warn` per this many ms (on the monitor's clock) for losses nobody heard. */
export const UNHEARD_LOG_INTERVAL_MS = 60_000;

/**
 * A monitor's events. Every event goes through {@link EventHub.emit}: a listener that throws
 * must not break the code that emitted (a recording call, a flush, an evaluation, `close()`),
 * not even in strict mode, since strict is about the caller's values, not a listener's bugs.
 */
export class EventHub {
  private readonly emitter = new EventEmitter<MonitorEvents>();
  /** When a loss nobody listened for was last logged, and how many were not logged since. */
  private lastWarning = -Infinity;
  private unheardSince = 0;

  /** `now`: the monitor's clock, which paces the warnings. */
  constructor(private readonly now: () => number) {}

  /** Subscribes; returns a function that unsubscribes. */
  on<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E], once = false): () => void {
    // Checked here: eventemitter3 turns the name into a string, which a hostile object can make throw.
    if (typeof event !== 'string') throw new ConfigError(`on: the event name must be a string, got a value of type ${typeof event}`);
    if (typeof listener !== 'function') throw new ConfigError(`on("${event}"): the listener must be a function, got a value of type ${typeof listener}`);
    if (once) this.emitter.once(event, listener as never);
    else this.emitter.on(event, listener as never);
    return () => this.emitter.off(event, listener as never);
  }

  /** Removes a listener. */
  off<E extends keyof MonitorEvents>(event: E, listener: MonitorEvents[E]): void {
    if (typeof event !== 'string') return;
    this.emitter.off(event, listener as never);
  }

  /**
   * Emits `event`; never throws. A listener's throw is reported on `error`; an `error`
   * listener's throw is swallowed (the error reached the listeners before it, and reporting it
   * on `error` again could loop).
   */
  emit<E extends keyof MonitorEvents>(event: E, args: Parameters<MonitorEvents[E]>): void {
    if (event === 'error' && this.emitter.listenerCount('error') === 0) this.unheard(args[0] as PulsewatchError);
    try {
      (this.emitter.emit as (e: E, ...a: Parameters<MonitorEvents[E]>) => boolean)(event, ...args);
    } catch (error) {
      if (event !== 'error') this.emit('error', [new PulsewatchError('ERR_PULSEWATCH_INTERNAL', `a "${event}" listener threw: ${(error as Error)?.message ?? String(error)}`, { cause: error })]);
    }
  }

  /** Emits `dropped`; a loss of accepted data that nobody listens for is logged. */
  dropped(reason: DropReason, count: number): void {
    this.emit('dropped', [{ reason, count }]);
    if (LOSS_REASONS.has(reason) && this.emitter.listenerCount('dropped') === 0 && this.emitter.listenerCount('error') === 0) {
      this.unheard(new StorageError(`${count} rollups or notifications were dropped (${reason})`));
    }
  }

  /**
   * Data loss must not be silent when nobody listens: a storage failure, a `close()` that gave up
   * or a drop of stored data (`shutdown`, `buffer_full`, `rejected`) with no `error` listener is
   * logged with `console.warn`, the first at once, then at most one per minute (on the monitor's
   * clock) with the number not shown. Validation errors are the caller's and are not logged.
   */
  private unheard(error: PulsewatchError | undefined): void {
    if (error === undefined || !LOGGED_CODES.has(error.code)) return;
    const now = this.now();
    if (now - this.lastWarning < UNHEARD_LOG_INTERVAL_MS) {
      this.unheardSince++;
      return;
    }
    const more = this.unheardSince > 0 ? ` (${this.unheardSince} more since the last warning)` : '';
    this.lastWarning = now;
    this.unheardSince = 0;
    globalThis.console?.warn?.(`pulsewatch: ${error.message}${more}; listen to the monitor's "error" event to handle these`);
  }
}
