import { JOB_METRICS } from '../metrics/built-in-names.js';
import type { BoundCounter } from '../metrics/counter.js';
import type { BoundHistogram } from '../metrics/histogram.js';
import type { MetricRegistry } from '../metrics/registry.js';

/** Run and wait buckets in seconds: seed 000's jobs run milliseconds to minutes (bottlenecks at 60 s and 120 s). */
const JOB_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600];

/** The types each registry's queue gauge reads, keyed by the gauge (one per registry). */
const TYPES = new WeakMap<object, QueueCounts[]>();

/** What the queue gauges read of each job type when they are collected. */
export interface QueueCounts {
  readonly type: string;
  waiting(): number;
  active(): number;
  delayed(): number;
  failed(): number;
  deadLetter(): number;
}

/** One job type's metric handles, bound once so an attempt costs no label lookup. */
export interface TypeMetrics {
  attempt(): void;
  waited(ms: number): void;
  ran(ms: number, ok: boolean): void;
  finished(ok: boolean): void;
  timedOut(): void;
  dedupHit(): void;
}

/**
 * The job metrics of a monitor (names in {@link JOB_METRICS}). Counters and histograms are bound
 * per type; the gauges (queue size by state, active workers) are read from the queues when the
 * metrics are read, so nothing on the job path keeps them.
 */
export class JobMetrics {
  private types: QueueCounts[] | undefined;

  constructor(private readonly registry: MetricRegistry) {}

  /**
   * Defines the gauges at the first job type, so a monitor without jobs exposes none. The list of
   * types they read belongs to the gauge itself: a second JobMetrics on the same registry
   * (`monitor.jobs` and `pulsewatch/bullmq` on one monitor) gets the same gauge from the registry
   * and adds its types to the same list, instead of defining a collect callback that is ignored.
   */
  private defineGauges(): QueueCounts[] {
    if (this.types !== undefined) return this.types;
    const registry = this.registry;
    const queue = registry.gauge({
      name: JOB_METRICS.queue,
      help: 'Jobs by type and state (waiting, active, delayed, failed, dead_letter)',
      labelNames: ['type', 'state'],
      collect: (g) => {
        for (const t of TYPES.get(g) ?? []) {
          g.set(t.waiting(), { type: t.type, state: 'waiting' });
          g.set(t.active(), { type: t.type, state: 'active' });
          g.set(t.delayed(), { type: t.type, state: 'delayed' });
          g.set(t.failed(), { type: t.type, state: 'failed' });
          g.set(t.deadLetter(), { type: t.type, state: 'dead_letter' });
        }
      },
    });
    let types = TYPES.get(queue);
    if (types === undefined) TYPES.set(queue, (types = []));
    const list = types;
    registry.gauge({
      name: JOB_METRICS.activeWorkers,
      help: 'Job attempts running now, by type',
      labelNames: ['type'],
      collect: (g) => {
        for (const t of list) g.set(t.active(), { type: t.type });
      },
    });
    this.types = types;
    return types;
  }

  /** Binds the metrics of one type; its gauges are read from `counts`. */
  forType(counts: QueueCounts): TypeMetrics {
    this.defineGauges().push(counts);
    const type = counts.type;
    const r = this.registry;
    const attempts = r.counter({ name: JOB_METRICS.attempts, help: 'Job attempts started, by type', labelNames: ['type'] }).labels({ type });
    const outcomes = r.counter({ name: JOB_METRICS.outcomes, help: 'Jobs finished, by type and outcome (failure: out of retries)', labelNames: ['type', 'outcome'] });
    const timeouts = r.counter({ name: JOB_METRICS.timeouts, help: 'Job attempts that ran past their timeout, by type', labelNames: ['type'] }).labels({ type });
    const dedup = r.counter({ name: JOB_METRICS.dedupHits, help: 'Enqueues skipped by their idempotency key, by type', labelNames: ['type'] }).labels({ type });
    const wait = r.histogram({ name: JOB_METRICS.waitTime, help: 'Time jobs waited for a worker, by type', labelNames: ['type'], unit: 'seconds', buckets: JOB_BUCKETS }).labels({ type });
    const run = r.histogram({ name: JOB_METRICS.runTime, help: 'Run time of job attempts, by type and outcome', labelNames: ['type', 'outcome'], unit: 'seconds', buckets: JOB_BUCKETS });
    const ranOk: BoundHistogram = run.labels({ type, outcome: 'success' });
    const ranFailed: BoundHistogram = run.labels({ type, outcome: 'failure' });
    const ok: BoundCounter = outcomes.labels({ type, outcome: 'success' });
    const failed: BoundCounter = outcomes.labels({ type, outcome: 'failure' });
    return {
      attempt: () => attempts.inc(),
      waited: (ms) => void wait.observe(ms / 1000),
      ran: (ms, success) => void (success ? ranOk : ranFailed).observe(ms / 1000),
      finished: (success) => (success ? ok : failed).inc(),
      timedOut: () => timeouts.inc(),
      dedupHit: () => dedup.inc(),
    };
  }
}
