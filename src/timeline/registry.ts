import type { CapabilityContext } from '../capability.js';
import type { TimerHandle } from '../core/clock.js';
import { ClosedError, ConfigError, LimitError, type ValidationError } from '../core/errors.js';
import { parseOptions } from '../core/options.js';
import { isBuiltInMetric } from '../metrics/built-in-names.js';
import { isValidTimelineName, stepName, timelineMetricNames, timelineOptionsSchema, type ResolvedTimelineOptions, type TimelineMetricNames, type TimelineOptions } from './options.js';
import { Timeline, type TimelineSeries } from './timeline.js';

/** How often open entries past their TTL are finished as partial (and evictions counted). */
export const SWEEP_INTERVAL_MS = 5_000;
/** Timelines per monitor at most: each is a few metrics, and names come from code, not input. */
export const MAX_TIMELINES = 100;

/**
 * The timelines of one monitor (`monitor.timeline(name, options)`). One timer, armed at the first
 * mark, finishes expired entries of every timeline every {@link SWEEP_INTERVAL_MS} and counts the
 * open entries dropped since the last tick on `pulsewatch_dropped_total{reason="cardinality"}`.
 */
export class TimelineRegistry {
  private readonly timelines = new Map<string, Timeline>();
  private timer: TimerHandle | undefined;
  private evictedPending = 0;
  private closed = false;

  constructor(private readonly ctx: CapabilityContext) {}

  /**
   * Creates the timeline `name` (its metrics are `<name>_latency_ms{status}`,
   * `<name>_phase_latency_ms{phase}` and `<name>_entries_total{status}`). Asking again with equal options returns the same timeline (a
   * module evaluated twice); other options under a taken name throw a {@link ConfigError}, as do
   * invalid options (naming the option). Throws a `LimitError` past {@link MAX_TIMELINES}. A
   * conflict on any of its metrics throws before one is defined (none is left registered).
   */
  create(name: string, options: TimelineOptions): Timeline {
    if (this.closed) throw new ClosedError(`cannot create timeline "${String(name).slice(0, 100)}": the monitor is closed`);
    if (!isValidTimelineName(name)) {
      throw new ConfigError(`timeline name must make valid metric names ([a-zA-Z_:][a-zA-Z0-9_:]*, at most 180 characters), got ${typeof name === 'string' ? JSON.stringify(String(name).slice(0, 100)) : typeof name}`);
    }
    const resolved = parseOptions(timelineOptionsSchema, options, `timeline("${name}") options`);
    const existing = this.timelines.get(name);
    if (existing !== undefined) {
      const difference = firstDifference(existing.options, resolved);
      if (difference !== undefined) throw new ConfigError(`timeline "${name}" already exists with other options (${difference} differs); timeline names are unique per monitor`);
      return existing;
    }
    if (this.timelines.size >= MAX_TIMELINES) throw new LimitError('timelines', MAX_TIMELINES, `at most ${MAX_TIMELINES} timelines per monitor`);
    const names = timelineMetricNames(name);
    const help = resolved.help === '' ? `timeline ${name}` : resolved.help;
    // Every definition checked before any is made: a conflict on the second must not leave the
    // first registered (the registry cannot undefine a metric), taking a name from the user.
    this.checkFree(name, names);
    // Defined now so that a definition conflict (a metric of that name already) throws here, not at the first mark.
    const latency = this.ctx.metrics.histogram({
      name: names.latency,
      help: `${help}: end-to-end duration (first phase to last) of complete entries; of partial ones, at least the TTL when it ran out (else the span of the phases they have)`,
      unit: 'ms',
      labelNames: ['status'],
    });
    const steps = this.ctx.metrics.histogram({ name: names.steps, help: `${help}: duration of each step between phases`, unit: 'ms', labelNames: ['phase'] });
    const entries = this.ctx.metrics.counter({ name: names.entries, help: `${help}: entries finished, complete or partial (TTL reached without the last phase)`, labelNames: ['status'] });
    const bind = (): TimelineSeries => {
      this.arm();
      const p = resolved.phases;
      return {
        latency: latency.labels({ status: 'complete' }),
        partialLatency: latency.labels({ status: 'partial' }),
        steps: p.slice(1).map((to, i) => steps.labels({ phase: stepName(p[i]!, to) })),
        complete: entries.labels({ status: 'complete' }),
        partial: entries.labels({ status: 'partial' }),
      };
    };
    const timeline = new Timeline(name, resolved, {
      clock: this.ctx.clock,
      bind,
      invalid: (error) => this.invalid(error),
      evicted: (count) => {
        this.evictedPending += count;
      },
    });
    this.timelines.set(name, timeline);
    return timeline;
  }

  /** The timeline called `name`, if created. */
  get(name: string): Timeline | undefined {
    return this.timelines.get(name);
  }

  /** Every timeline, in creation order. */
  list(): Timeline[] {
    return [...this.timelines.values()];
  }

  /** Finishes every expired entry now and counts the evictions not counted yet: what a report reads first. */
  sweep(): void {
    const now = this.ctx.clock.now();
    for (const t of this.timelines.values()) t.sweep(now);
    if (this.evictedPending > 0) {
      const count = this.evictedPending;
      this.evictedPending = 0;
      this.ctx.drop('cardinality', count);
    }
  }

  /** Stops the sweep timer after a last sweep. Timelines keep accepting marks (no timer finishes them). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.sweep();
  }

  /**
   * Throws what defining the timeline's metrics would throw, before any is defined: a name taken
   * by a metric, a Prometheus sample another metric already exposes, or no room left under
   * `limits.maxMetrics` for all three.
   */
  private checkFree(name: string, names: TimelineMetricNames): void {
    const wanted: [string, 'counter' | 'histogram'][] = [
      [names.latency, 'histogram'],
      [names.steps, 'histogram'],
      [names.entries, 'counter'],
    ];
    const exposed = new Map<string, string>();
    for (const metric of this.ctx.metrics.all()) for (const sample of samplesOf(metric.kind, metric.name)) exposed.set(sample, metric.name);
    for (const [metric, kind] of wanted) {
      if (this.ctx.metrics.get(metric) !== undefined) throw new ConfigError(`timeline "${name}": metric "${metric}" is already defined; a timeline defines its own metrics (${wanted.map(([n]) => n).join(', ')})`);
      for (const sample of samplesOf(kind, metric)) {
        const owner = exposed.get(sample);
        if (owner !== undefined) throw new ConfigError(`timeline "${name}": metric "${metric}" would expose "${sample}", which metric "${owner}" already exposes`);
      }
    }
    const counted = wanted.filter(([n]) => !isBuiltInMetric(n)).length;
    if (this.ctx.metrics.room < counted) {
      const max = this.ctx.metrics.maxMetrics;
      throw new LimitError('limits.maxMetrics', max, `timeline "${name}" not created: its ${counted} metrics do not fit under limits.maxMetrics (${max})`);
    }
  }

  private arm(): void {
    if (this.timer !== undefined || this.closed) return;
    const tick = (): void => {
      this.timer = this.ctx.clock.setTimeout(tick, SWEEP_INTERVAL_MS);
      this.sweep();
    };
    this.timer = this.ctx.clock.setTimeout(tick, SWEEP_INTERVAL_MS);
  }

  private invalid(error: ValidationError): void {
    if (this.ctx.metricContext.strict) throw error;
    this.ctx.drop('invalid_value', 1);
    this.ctx.report(error);
  }
}

/** The Prometheus samples a metric of `kind` called `name` exposes (what MetricRegistry refuses to expose twice). */
function samplesOf(kind: 'counter' | 'gauge' | 'histogram', name: string): string[] {
  if (kind === 'gauge') return [name];
  if (kind === 'histogram') return [name, `${name}_bucket`, `${name}_count`, `${name}_sum`, `${name}_created`];
  const base = name.endsWith('_total') ? name.slice(0, -'_total'.length) : name;
  return [base, `${base}_total`, `${base}_created`];
}

function firstDifference(a: Readonly<ResolvedTimelineOptions>, b: Readonly<ResolvedTimelineOptions>): string | undefined {
  for (const key of Object.keys(a) as (keyof ResolvedTimelineOptions)[]) {
    if (JSON.stringify(a[key]) !== JSON.stringify(b[key])) return key;
  }
  return undefined;
}
