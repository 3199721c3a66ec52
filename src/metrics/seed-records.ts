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

/** What the seed record API needs from the monitor. */
export interface SeedRecordsHost {
  readonly registry: MetricRegistry;
  readonly recorded: RecordedMetrics;
  readonly reporter: Reporter;
  readonly clock: Clock;
  /** `limits.maxIssues`: issues listed for one batch. */
  readonly maxIssues: number;
}

/**
 * The seeds' record API behind the monitor's `recordMetric`, `recordMetrics`,
 * `recordJobExecution` and `withPerformanceTracking`: validation at the boundary, then the
 * metrics `RecordedMetrics` and the job metrics define. Never throws outside strict mode.
 */
export class SeedRecords {
  constructor(private readonly host: SeedRecordsHost) {}

  /** `recordMetric`: invalid input is counted (`invalid_value`) and emitted, thrown in strict mode. */
  record(input: MetricRecordInput): void {
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
   * `recordMetrics`: validates every record of `inputs` (its fields, and what recording would
   * refuse: a unit other than the one its metricType keeps, a name taken, the metric and time
   * limits, counting the new names earlier in the batch), then records them all, or none when
   * any has an issue. Recorded in one synchronous stretch, so nothing changes between the check
   * and the record; a record that still throws (a bug) is reported on `error` and the rest is
   * recorded. Never throws, in strict mode too: the issues are the answer.
   */
  recordBatch(inputs: readonly MetricRecordInput[]): RecordBatchResult {
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

  /** A record {@link parseMetricRecord} produced, recorded or dropped as `recordMetric` would. */
  recordParsed(record: MetricRecord): void {
    this.host.recorded.record(record);
  }

  /** The issues `recordMetric` would drop `record` for, recording nothing; `batch` as in `RecordedMetrics.issues`. */
  issues(record: MetricRecord, batch: Map<string, string | undefined>): ValidationIssue[] {
    return this.host.recorded.issues(record, batch);
  }

  /** `recordJobExecution` (seed 000). */
  job(jobId: string, success: boolean, durationMs: number, metadata?: Record<string, unknown>): void {
    const run = jobRun(this.host.registry, jobId, success, durationMs, metadata, this.host.clock.now());
    if (run instanceof PulsewatchError) this.host.reporter.reject(run);
    else this.host.reporter.emit('metricRecorded', run);
  }

  /** `withPerformanceTracking` (seed 002). */
  track<F extends (this: never, ...args: never[]) => unknown>(fn: F, options: PerformanceTrackingOptions): F {
    const clock = this.host.clock;
    return trackPerformance(this.host.registry, fn, options, () => clock.monotonic());
  }
}
