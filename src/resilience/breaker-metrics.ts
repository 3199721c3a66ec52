import { BREAKER_METRICS } from '../metrics/built-in-names.js';
import type { MetricContext } from '../metrics/context.js';
import type { BoundCounter } from '../metrics/counter.js';
import type { BoundGauge } from '../metrics/gauge.js';
import type { Histogram, HistogramSeries } from '../metrics/histogram.js';
import type { MetricRegistry } from '../metrics/registry.js';
import { BREAKER_OUTCOMES, BREAKER_STATE_VALUES, type BreakerLatency, type BreakerOutcome, type BreakerState, type BreakerStats } from './types.js';

// The breaker metric names live in metrics/built-in-names.ts; the package's index re-exports them from here.
export { BREAKER_METRICS };

/** Index of each outcome in {@link BREAKER_OUTCOMES}: the hot path indexes arrays, never maps. */
export const OUTCOME = Object.freeze({ success: 0, failure: 1, timeout: 2, rejected: 3, fallback: 4, ignored: 5 }) satisfies Record<
  BreakerOutcome,
  number
>;

/** Outcomes whose durations are the function's own latency (the function ran to an answer). */
const LATENCY_OUTCOMES = [OUTCOME.success, OUTCOME.failure, OUTCOME.timeout, OUTCOME.ignored];

/**
 * The series of one breaker, bound once so recording a call is two array reads and two
 * increments: no label lookup per call.
 */
export class BreakerInstruments {
  private readonly bound: BoundCounter[];
  /** Created on first use: six empty histograms per breaker would bloat every scrape. */
  private readonly durations: (HistogramSeries | undefined)[] = BREAKER_OUTCOMES.map(() => undefined);
  private readonly histogram: Histogram<'breaker' | 'outcome'>;
  private readonly state: BoundGauge;

  constructor(
    metrics: MetricRegistry,
    private readonly ctx: MetricContext,
    private readonly breaker: string,
  ) {
    const calls = metrics.counter({
      name: BREAKER_METRICS.calls,
      help: 'Circuit breaker calls by outcome (success, failure, timeout, rejected, fallback, ignored)',
      labelNames: ['breaker', 'outcome'],
    });
    // Counters exist from the start at 0, so rate() sees the first increment of each outcome.
    this.bound = BREAKER_OUTCOMES.map((outcome) => calls.labels({ breaker, outcome }));
    this.histogram = metrics.histogram({
      name: BREAKER_METRICS.duration,
      help: 'Duration of circuit breaker calls as their callers saw it, by outcome',
      labelNames: ['breaker', 'outcome'],
      unit: 'seconds',
    });
    this.state = metrics
      .gauge({ name: BREAKER_METRICS.state, help: 'Circuit breaker state: 0 closed, 1 half-open, 2 open', labelNames: ['breaker'] })
      .labels({ breaker });
    this.state.set(BREAKER_STATE_VALUES.closed);
  }

  /** Counts one call with `outcome` (an {@link OUTCOME} index) that took `seconds`. */
  record(outcome: number, seconds: number): void {
    this.bound[outcome]!.inc();
    (this.durations[outcome] ?? this.series(outcome))?.observe(seconds);
  }

  /** Sets the state gauge. */
  setState(state: BreakerState): void {
    this.state.set(BREAKER_STATE_VALUES[state]);
  }

  /** Calls by outcome since the breaker was created (the values of its `breaker_calls_total` series). */
  counts(): Pick<BreakerStats, 'calls' | 'successes' | 'failures' | 'timeouts' | 'rejects' | 'fallbacks' | 'ignored'> {
    const [successes, failures, timeouts, rejects, fallbacks, ignored] = this.bound.map((c) => c.value) as [number, number, number, number, number, number];
    return { calls: successes + failures + timeouts + rejects + fallbacks + ignored, successes, failures, timeouts, rejects, fallbacks, ignored };
  }

  /** p50, p95 and p99 (seconds) of the function's latency over the histogram slots still in memory. */
  latency(): BreakerLatency {
    const dist = this.histogram.distribution();
    const from = this.ctx.slotStart - (this.ctx.slotCount - 1) * this.ctx.slotLength;
    for (const outcome of LATENCY_OUTCOMES) {
      const series = this.durations[outcome];
      if (series !== undefined) this.histogram.addWindow(series, from, dist);
    }
    const { p50, p95, p99 } = dist.summary();
    return { p50, p95, p99 };
  }

  private series(outcome: number): HistogramSeries | undefined {
    const series = this.histogram.index.get({ breaker: this.breaker, outcome: BREAKER_OUTCOMES[outcome] });
    this.durations[outcome] = series;
    return series;
  }
}
