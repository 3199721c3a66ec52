/**
 * Names of the metrics pulsewatch defines itself. A leaf module (it imports nothing), so the
 * registry, the snapshot and the breakers all read the list without importing one another:
 * metrics/ must not import from resilience/ (see docs/architecture.md, layers).
 */

/**
 * Names of the job metrics: those `recordJobExecution` records into (`executions`, `duration`,
 * labels `job` and `status`, kept as they were) and those `monitor.jobs` maintains itself (labels
 * `type`, plus `outcome="success"|"failure"` where a run ends, the convention breakers use too).
 */
export const JOB_METRICS = Object.freeze({
  /** `recordJobExecution`: runs by `job` and `status`. */
  executions: 'job_executions_total',
  /** `recordJobExecution`: in seconds (Prometheus' base unit); `snapshot().jobs` still reports its times in ms. */
  duration: 'job_duration_seconds',
  /**
   * A gauge with `type` and `state` labels: `monitor.jobs` keeps waiting, active, delayed, failed
   * (dead letters out of retries) and dead_letter (dead letters still to be retried).
   */
  queue: 'job_queue_size',
  /** `monitor.jobs`: attempts running now, by `type`. */
  activeWorkers: 'job_active_workers',
  /** `monitor.jobs`: time from enqueue (or from the end of a retry's backoff) to the attempt's start, by `type`. */
  waitTime: 'job_wait_duration_seconds',
  /** `monitor.jobs`: run time of each attempt, by `type` and `outcome`. */
  runTime: 'job_run_duration_seconds',
  /** `monitor.jobs`: attempts started, by `type`. */
  attempts: 'job_attempts_total',
  /** `monitor.jobs`: jobs finished, by `type` and `outcome` (failure: out of retries). */
  outcomes: 'job_outcomes_total',
  /** `monitor.jobs`: attempts that ran past their `timeout`, by `type`. */
  timeouts: 'job_timeouts_total',
  /** `monitor.jobs`: enqueues skipped because their idempotency key ran within its TTL, by `type`. */
  dedupHits: 'job_dedup_hits_total',
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
