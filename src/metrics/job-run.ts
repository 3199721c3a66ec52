import { isPulsewatchError, PulsewatchError, ValidationError, type ValidationIssue } from '../core/errors.js';
import type { MetricRecordedEvent } from '../core/events.js';
import type { MetricRegistry } from './registry.js';
import { JOB_METRICS } from './built-in-names.js';

/** Job duration buckets in seconds: seed 000's jobs run seconds to minutes (bottlenecks at 60 s and 120 s). */
const JOB_BUCKETS_SECONDS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600];
/** Longest job id kept as a label value: a longer one is a mistake (a payload passed as the id), not an id. */
export const MAX_JOB_ID_LENGTH = 256;

/**
 * Records one job run (seed 000) in `job_executions_total{job,outcome}` and
 * `job_duration_seconds{job,outcome}` (`outcome` is `success` or `failure`, the label breakers and
 * notifiers use): the duration comes in ms and is stored in seconds, the
 * Prometheus base unit. Returns the `metricRecorded` event (the duration in ms, as given), or
 * the error to report for arguments no JavaScript caller should pass; never throws.
 */
export function jobRun(registry: MetricRegistry, jobId: unknown, success: unknown, durationMs: unknown, metadata: unknown, now: number): MetricRecordedEvent | PulsewatchError {
  const issues: ValidationIssue[] = [];
  if (typeof jobId !== 'string' || jobId === '') issues.push({ path: 'jobId', message: 'must be a non-empty string' });
  else if (jobId.length > MAX_JOB_ID_LENGTH) issues.push({ path: 'jobId', message: `must be at most ${MAX_JOB_ID_LENGTH} characters, got ${jobId.length}` });
  if (typeof success !== 'boolean') issues.push({ path: 'success', message: 'must be a boolean' });
  if (typeof durationMs !== 'number' || !(durationMs >= 0 && durationMs < Infinity)) issues.push({ path: 'durationMs', message: 'must be a finite number >= 0' });
  if (issues.length > 0) return new ValidationError(`invalid job execution: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
  const labels = { job: jobId as string, outcome: success ? 'success' : 'failure' };
  try {
    const executions = registry.counter({ name: JOB_METRICS.executions, help: 'Job executions by job and outcome', labelNames: ['job', 'outcome'] });
    const duration = registry.histogram({ name: JOB_METRICS.duration, help: 'Job execution time by job and outcome', labelNames: ['job', 'outcome'], unit: 'seconds', buckets: JOB_BUCKETS_SECONDS });
    executions.inc(1, labels);
    duration.observe((durationMs as number) / 1000, labels);
  } catch (error) {
    // A name taken by a metric of another definition, or the metric limit reached; in strict
    // mode also a value the histogram refused (the monitor's report() throws it again).
    return isPulsewatchError(error) ? error : new ValidationError(`recordJobExecution: ${(error as Error)?.message ?? String(error)}`, [], { cause: error });
  }
  return { name: JOB_METRICS.duration, value: durationMs as number, unit: 'ms', labels: { ...labels, ...scalarMetadata(metadata) }, timestamp: now };
}

/** The scalar entries of `metadata`, as strings; `{}` for anything else (a Proxy that throws included). */
function scalarMetadata(metadata: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (metadata === undefined || metadata === null || typeof metadata !== 'object') return out;
  try {
    for (const [k, v] of Object.entries(metadata)) {
      // defineProperty: a "__proto__" key stays an own entry instead of replacing the prototype.
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') Object.defineProperty(out, k, { value: String(v), enumerable: true, writable: true, configurable: true });
    }
  } catch {
    // Metadata only decorates the event; a hostile object must not cost the recorded run.
  }
  return out;
}
