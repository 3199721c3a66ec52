/**
 * Names of the metrics pulsewatch defines itself. A leaf module (it imports nothing), so the
 * registry, the snapshot and the breakers all read the list without importing one another:
 * metrics/ must not import from resilience/ (see docs/architecture.md, layers).
 */

/** Names of the job metrics `recordJobExecution` records into and `snapshot()` reads. */
export const JOB_METRICS = Object.freeze({
  executions: 'job_executions_total',
  /** In seconds (Prometheus' base unit); `snapshot().jobs` still reports its times in ms. */
  duration: 'job_duration_seconds',
  /** A gauge with a `state` label (pending, queued, processing, failed, dead_letter) read by `snapshot().queue`. */
  queue: 'job_queue_size',
} as const);

/** Names of the metrics every circuit breaker records into (one series per breaker and outcome). */
export const BREAKER_METRICS = Object.freeze({
  calls: 'breaker_calls_total',
  duration: 'breaker_call_duration_seconds',
  state: 'breaker_state',
} as const);

/** Prefix of pulsewatch's self-metrics (`pulsewatch_dropped_total`, notifier metrics, ...). */
export const SELF_METRIC_PREFIX = 'pulsewatch_';

/**
 * Name prefixes `recordMetric` (and `POST /metrics`) may not define: pulsewatch defines metrics
 * under them later (a breaker created, a job recorded), and a record that took such a name first
 * would make those definitions fail. The whole prefix is reserved, not only today's names, so a
 * record cannot take a sample name a built-in family exposes (`job_executions` is a sample of
 * `job_executions_total`) nor one a later version adds.
 */
export const RESERVED_RECORD_PREFIXES: readonly string[] = Object.freeze([SELF_METRIC_PREFIX, 'breaker_', 'job_']);

const BUILT_IN = new Set<string>([...Object.values(BREAKER_METRICS), ...Object.values(JOB_METRICS)]);

/**
 * True for a metric name pulsewatch defines itself: a fixed set, so these are left out of
 * `limits.maxMetrics` and a monitor at its limit still reports drops.
 */
export function isBuiltInMetric(name: string): boolean {
  return name.startsWith(SELF_METRIC_PREFIX) || BUILT_IN.has(name);
}

/** True for a name `recordMetric` refuses: it starts with one of {@link RESERVED_RECORD_PREFIXES}. */
export function isReservedRecordName(name: string): boolean {
  return RESERVED_RECORD_PREFIXES.some((prefix) => name.startsWith(prefix));
}
