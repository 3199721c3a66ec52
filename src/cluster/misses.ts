import { LimitError, PulsewatchError, StorageError, TimeoutError, ValidationError } from '../core/errors.js';
import type { Monitor } from '../monitor.js';
import type { Counter } from '../metrics/counter.js';

/** What the primary was doing when a worker let it down. */
export type MissOp = 'attach' | 'collect' | 'flush' | 'message' | 'merge' | 'retire';

/**
 * Why: no answer in time (`timeout`), the worker went away (`gone`, `unsent`), too many requests
 * waiting (`busy`), a message past the bounds (`too_large`, `limit`) or of the wrong shape
 * (`invalid`), the worker could not read its state (`failed`), rollups still unwritten after a
 * flush (`unflushed`), a family that does not match another worker's (`conflict`).
 */
export type MissReason = 'timeout' | 'gone' | 'unsent' | 'busy' | 'too_large' | 'limit' | 'invalid' | 'failed' | 'unflushed' | 'conflict';

/** Name of the counter of misses, on the primary's monitor. */
export const MISSES_METRIC = 'pulsewatch_cluster_misses_total';

/** The primary's monitor, as far as counting and reporting go. */
export interface MissHost {
  counter: Monitor['counter'];
  reportError(error: unknown): void;
}

/**
 * Counts every miss on `pulsewatch_cluster_misses_total{op,reason}` and reports it on the
 * monitor's `error` event as the matching error class (a worker gone is counted only: exits are
 * normal). Never throws.
 */
export class Misses {
  private readonly counter: Counter<'op' | 'reason'>;

  constructor(private readonly host: MissHost) {
    this.counter = host.counter({
      name: MISSES_METRIC,
      help: 'Times the primary went without a worker answer, a message or a family it asked for, by operation and reason',
      labelNames: ['op', 'reason'],
    });
  }

  /** Counts one miss (or `extra.count`) and reports `detail` (what happened, naming the worker). */
  miss(op: MissOp, reason: MissReason, detail: string, extra: MissDetail = {}): void {
    this.counter.inc({ op, reason }, extra.count ?? 1);
    if (reason === 'gone' || reason === 'unsent' || extra.quiet === true) return;
    this.host.reportError(errorFor(reason, `cluster: ${detail}`, extra));
  }
}

/** What an error about a miss carries besides its message. */
export interface MissDetail {
  /** Misses to count (default 1). */
  count?: number;
  /** Count without reporting (a miss reported before, that repeats every scrape). */
  quiet?: boolean;
  /** A timeout's budget in ms. */
  timeoutMs?: number;
  /** The option that bounds what was refused, and its value. */
  option?: string;
  max?: number;
}

function errorFor(reason: MissReason, message: string, extra: MissDetail): PulsewatchError {
  switch (reason) {
    case 'timeout':
      return new TimeoutError(message, extra.timeoutMs ?? 0);
    case 'busy':
    case 'too_large':
    case 'limit':
      return new LimitError(extra.option ?? 'cluster', extra.max ?? 0, message);
    case 'invalid':
    case 'conflict':
      return new ValidationError(message);
    case 'unflushed':
      return new StorageError(message);
    default:
      return new PulsewatchError('ERR_PULSEWATCH_INTERNAL', message);
  }
}
