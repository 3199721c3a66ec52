import type { ValidationError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { BoundCounter } from '../metrics/counter.js';
import type { BoundHistogram } from '../metrics/histogram.js';

/** An id as `mark` accepts it: the caller's own (a message id, an order id). */
export type TimelineId = string | number;

/** The series a timeline records into, bound once at its first mark. */
export interface TimelineSeries {
  /** End-to-end duration (ms) of a complete entry: `<name>_latency_ms{status="complete"}`. */
  readonly latency: BoundHistogram;
  /**
   * Latency (ms) of a partial entry, `<name>_latency_ms{status="partial"}` (seed 004 counts partial
   * messages in its total and bands): at least the TTL when it ran out, else the span of its phases.
   */
  readonly partialLatency: BoundHistogram;
  /** Step durations (ms), one bound series per step: `steps[i]` is phase i to phase i + 1. */
  readonly steps: readonly BoundHistogram[];
  readonly complete: BoundCounter;
  readonly partial: BoundCounter;
}

/** Where a timeline records and reports: built by the {@link TimelineRegistry}. */
export interface TimelineParts {
  readonly clock: Clock;
  /**
   * Binds the series (at the first mark, not at creation: binding starts the monitor, and a
   * timeline created at module scope must not arm timers there).
   */
  bind(): TimelineSeries;
  /** A caller's bad mark: thrown in strict mode, else reported and counted. Returns normally outside strict mode. */
  invalid(error: ValidationError): void;
  /** Open entries dropped to stay within `maxOpen`, for the registry to count. */
  evicted(count: number): void;
}

/** Counts of a timeline since it was created (this process only; reports read the fleet's). */
export interface TimelineCounts {
  complete: number;
  partial: number;
  /** Open entries dropped to stay within `maxOpen`. */
  dropped: number;
  /** Entries open now. */
  open: number;
}
