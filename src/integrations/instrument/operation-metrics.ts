import type { Monitor } from '../../monitor.js';
import type { BoundCounter, Counter } from '../../metrics/counter.js';
import type { BoundHistogram, Histogram } from '../../metrics/histogram.js';
import { LabelBudget, OTHER_LABEL, reportFailure } from './shared.js';

/** Names and help texts of one family of call metrics (a count, a duration, errors). */
export interface OperationFamily {
  readonly calls: string;
  readonly duration: string;
  readonly errors: string;
  /** What one call is, for the help texts: `'Database queries'`. */
  readonly noun: string;
  /** The label naming the instrumented object (`pool`, `client`). */
  readonly targetLabel: string;
  /** The label naming the call (`operation`, `command`). */
  readonly operationLabel: string;
  /** The function named in reported failures: `'instrumentPg'`. */
  readonly owner: string;
}

interface Handles {
  readonly calls: BoundCounter;
  readonly duration: BoundHistogram;
}

/**
 * Records the calls of one instrumented object (a pool, a client): `<calls>{target, op}`,
 * `<duration>{target, op}` (seconds) and `<errors>{target, op, code}`. At most `maxOperations`
 * distinct operation labels (the rest are `other`); their bound handles are kept, so a call
 * after the first of its kind looks up one small map and builds no label object. Never throws:
 * a failure of its own is reported on the monitor's `error` event.
 */
export class OperationMetrics {
  private readonly callsMetric: Counter<string>;
  private readonly durationMetric: Histogram<string>;
  private readonly errorsMetric: Counter<string>;
  private readonly handles = new Map<string, Handles>();
  private readonly operations: LabelBudget;
  private readonly clock: Monitor['clock'];

  constructor(
    private readonly monitor: Monitor,
    private readonly family: OperationFamily,
    private readonly target: string,
    buckets: readonly number[],
    maxOperations: number,
  ) {
    const { targetLabel, operationLabel, noun } = family;
    this.clock = monitor.clock;
    this.operations = new LabelBudget(maxOperations);
    this.callsMetric = monitor.counter({ name: family.calls, help: `${noun} by ${targetLabel} and ${operationLabel}`, labelNames: [targetLabel, operationLabel] });
    this.durationMetric = monitor.histogram({
      name: family.duration,
      help: `${noun} duration by ${targetLabel} and ${operationLabel}, failed ones included`,
      labelNames: [targetLabel, operationLabel],
      unit: 'seconds',
      buckets: [...buckets],
    });
    this.errorsMetric = monitor.counter({
      name: family.errors,
      help: `${noun} that failed, by ${targetLabel}, ${operationLabel} and error code`,
      labelNames: [targetLabel, operationLabel, 'code'],
    });
  }

  /** The start time to hand to {@link done} (NaN, reported, when the clock failed: {@link done} then records nothing). Never throws. */
  start(): number {
    try {
      return this.clock.monotonic();
    } catch (error) {
      reportFailure(this.monitor, this.family.owner, error);
      return Number.NaN;
    }
  }

  /** Records a call of `operation` that started at `start`; `code` set means it failed. Never throws. */
  done(operation: string, start: number, code?: string): void {
    if (Number.isNaN(start)) return;
    try {
      const seconds = (this.clock.monotonic() - start) / 1000;
      const h = this.handles.get(operation) ?? this.handlesOf(operation);
      h.calls.inc();
      h.duration.observe(seconds);
      if (code !== undefined) this.errorsMetric.inc({ [this.family.targetLabel]: this.target, [this.family.operationLabel]: this.operations.admit(operation), code });
    } catch (error) {
      reportFailure(this.monitor, this.family.owner, error);
    }
  }

  private handlesOf(operation: string): Handles {
    const label = this.operations.admit(operation);
    const labels = { [this.family.targetLabel]: this.target, [this.family.operationLabel]: label };
    const h: Handles = { calls: this.callsMetric.labels(labels), duration: this.durationMetric.labels(labels) };
    // Keyed by what the caller passes, so a known operation is one lookup; past the budget only
    // `other` is kept (the map stays bounded whatever names arrive).
    this.handles.set(label === OTHER_LABEL ? OTHER_LABEL : operation, h);
    return h;
  }
}
