import type { Clock } from '../core/clock.js';
import type { Reporter } from '../core/diagnostics.js';
import { isValidationError, PulsewatchError, type ValidationIssue } from '../core/errors.js';
import { jobRun } from './job-run.js';
import { trackPerformance, type PerformanceTrackingOptions } from './performance-tracking.js';
import { parseMetricRecord, type MetricRecord, type MetricRecordInput } from './record-metric.js';
import type { RecordedMetrics } from './recorded-metrics.js';
import type { MetricRegistry } from './registry.js';

/** One issue of a batch given to `monitor.recordMetrics`: which record, which field, what is wrong. */
export interface RecordBatchIssue extends ValidationIssue {
  /** Position of the record in the batch. */
  index: number;
}

/** What `monitor.recordMetrics` did with a batch. */
export interface RecordBatchResult {
  /** Records recorded: the whole batch, or 0 when any record had an issue. */
  accepted: number;
  /** The first `limits.maxIssues` issues found (empty when the batch was recorded). */
  issues: RecordBatchIssue[];
  /** Issues found past those listed. */
  truncatedIssues: number;
}

/**
 * The record API of the seed services, which a monitor offers beside its counters, gauges and
 * histograms: records in the seeds' shape, job runs and timed functions. Invalid input never
 * throws into the caller outside strict mode: it is dropped, counted and reported.
 */
export interface SeedRecordApi {
  /**
   * Records a seed-style metric (`metricType`, `value`, `unit`, `tags`, `timestamp`) into a
   * histogram named after the metricType. Invalid input is dropped and emitted as a
   * {@link ValidationError} naming the field (thrown instead in strict mode). Records past the
   * bounds (`limits.maxRecordedMetrics`, `maxRecordAge`, `maxClockSkew`, the series limit) are
   * dropped and counted: see docs/metrics.md.
   */
  recordMetric(input: MetricRecordInput): void;
  /**
   * Records a batch of seed-style records (seed 003's POST body, what `POST /metrics` takes) all
   * or none: every record is validated first, as `recordMetric` would, and the batch is recorded
   * only when none has an issue. Returns how many were recorded and the issues, each with its
   * record's index (at most `limits.maxIssues` listed). Never throws, in strict mode too.
   */
  recordMetrics(inputs: readonly MetricRecordInput[]): RecordBatchResult;
  /**
   * Records one job run (seed 000) in `job_executions_total` and `job_duration_seconds`, by job
   * and outcome (the duration is given in ms and stored in seconds, the Prometheus base unit).
   * Invalid arguments, whatever a JavaScript caller passes, are dropped and reported as a
   * {@link ValidationError} naming them (thrown instead in strict mode).
   */
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void;
  /** Wraps `fn` to record each call's duration in `<name>_duration_seconds`, by outcome (seed 002). */
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F;
}

/** What the seed record API needs from the monitor. */
export interface SeedRecordsHost {
  readonly registry: MetricRegistry;
  readonly recorded: RecordedMetrics;
  readonly reporter: Reporter;
  readonly clock: Clock;
  /** `limits.maxIssues`: issues listed for one batch. */
  readonly maxIssues: number;
  /** Starts the monitor (a record is a first use); idempotent, never throws. */
  start(): void;
}

/**
 * The seed record API of one monitor: validation at the boundary, then the metrics
 * `RecordedMetrics` and the job metrics define. Never throws outside strict mode.
 */
export class SeedRecords implements SeedRecordApi {
  constructor(private readonly host: SeedRecordsHost) {}

  /** Invalid input is counted (`invalid_value`) and emitted, thrown in strict mode. */
  recordMetric(input: MetricRecordInput): void {
    this.host.start();
    let record: MetricRecord;
    try {
      record = parseMetricRecord(input);
    } catch (error) {
      this.host.reporter.reject(error);
      return;
    }
    this.host.recorded.record(record);
  }

  /**
   * Validates every record of `inputs` (its fields, and what recording would refuse: a unit
   * other than the one its metricType keeps, a name taken, the metric and time limits, counting
   * the new names earlier in the batch), then records them all, or none when any has an issue.
   * Recorded in one synchronous stretch, so nothing changes between the check and the record; a
   * record that still throws (a bug) is reported on `error` and the rest is recorded. Never
   * throws, in strict mode too: the issues are the answer.
   */
  recordMetrics(inputs: readonly MetricRecordInput[]): RecordBatchResult {
    this.host.start();
    const list: readonly unknown[] = Array.isArray(inputs) ? inputs : [inputs];
    const issues: RecordBatchIssue[] = [];
    let found = 0;
    const names = new Map<string, string | undefined>();
    const records: MetricRecord[] = [];
    list.forEach((input, index) => {
      let recordIssues: readonly ValidationIssue[];
      try {
        const record = parseMetricRecord(input);
        records.push(record);
        recordIssues = this.host.recorded.issues(record, names);
      } catch (error) {
        recordIssues = isValidationError(error) ? error.issues : [{ path: '', message: 'the record could not be read' }];
      }
      for (const issue of recordIssues) {
        found++;
        if (issues.length < this.host.maxIssues) issues.push({ index, path: issue.path, message: issue.message });
      }
    });
    if (found > 0) return { accepted: 0, issues, truncatedIssues: found - issues.length };
    for (const record of records) {
      try {
        this.host.recorded.record(record);
      } catch (error) {
        this.host.reporter.fail(error);
      }
    }
    return { accepted: records.length, issues, truncatedIssues: 0 };
  }

  /** Seed 000's job run, through the job metrics `jobRun` defines. */
  recordJobExecution(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    this.host.start();
    const run = jobRun(this.host.registry, jobId, success, durationMs, metadata, this.host.clock.now());
    if (run instanceof PulsewatchError) this.host.reporter.reject(run);
    else this.host.reporter.emit('metricRecorded', run);
  }

  /** Seed 002's timed function, through `trackPerformance`; its calls start the monitor, not the wrapping. */
  withPerformanceTracking<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    const clock = this.host.clock;
    return trackPerformance(this.host.registry, fn, options, () => clock.monotonic());
  }
}
