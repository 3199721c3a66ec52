import { jobRules } from './packs-jobs.js';
import { slaRules } from './packs-sla.js';
import type { AlertRuleInput } from './rule-schema.js';

/**
 * Built-in rule packs, opt-in: `await monitor.alerts.createRules(rulePacks.defaults())`. Each
 * is a function returning plain rule inputs, so you can change any field before creating them.
 */

/** Options of {@link defaultRules}: seed 003's metricType names. */
export interface DefaultRulesOptions {
  /** Response times in ms (seed 003's `response_time`). */
  responseTimeMetric?: string;
  /** Error rate in percent (seed 003's `error_rate`). */
  errorRateMetric?: string;
  /** Memory usage in percent (seed 003's `memory_usage`). */
  memoryMetric?: string;
  channels?: string[];
}

/** Seed 003's three default rules: response time > 1000 ms for 5 m, error rate > 5 % for 3 m, memory > 90 % for 10 m. */
export function defaultRules(options: DefaultRulesOptions = {}): AlertRuleInput[] {
  const channels = options.channels ?? [];
  return [
    { name: 'High Response Time', metric: options.responseTimeMetric ?? 'response_time', aggregation: 'avg', window: '5m', condition: 'greater_than', threshold: 1000, duration: '5m', cooldown: '30m', severity: 'warning', type: 'performance', channels },
    { name: 'High Error Rate', metric: options.errorRateMetric ?? 'error_rate', aggregation: 'avg', window: '5m', condition: 'greater_than', threshold: 5, duration: '3m', cooldown: '15m', severity: 'error', type: 'error', channels },
    { name: 'High Memory Usage', metric: options.memoryMetric ?? 'memory_usage', aggregation: 'avg', window: '10m', condition: 'greater_than', threshold: 90, duration: '10m', cooldown: '1h', severity: 'warning', type: 'system', channels },
  ];
}

/** Options of {@link serviceRules}: metric names and the unit of the timing histograms. */
export interface ServiceRulesOptions {
  /** Request latency histogram (default `http_request_duration_seconds`, with a `status` label for errors). */
  requestMetric?: string;
  /** Database query latency histogram. */
  dbMetric?: string;
  /** Unit of the two histograms above: thresholds are converted. Default `'seconds'`. */
  unit?: 'seconds' | 'ms';
  /** Queue depth gauge (default `job_queue_size`, read where `state="pending"`). */
  queueMetric?: string;
  queueLabels?: Record<string, string>;
  /** Job executions counter with a `status` label (default `job_executions_total`). */
  jobMetric?: string;
  /**
   * The label naming the job on `jobMetric`, one failure-rate alert per value (default `job`, as
   * `recordJobExecution` writes it; `type` for `monitor.jobs`' `job_outcomes_total`).
   */
  jobLabel?: string;
  /** CPU and memory usage gauges in percent. */
  cpuMetric?: string;
  memoryMetric?: string;
  channels?: string[];
}

/**
 * Seed 002's thresholds: response time 2 s / 5 s and a spike (5 m average over 1.5x the hour's),
 * error rate 5 / 10 / 15 %, slow database (average over 500 ms, critical over 2 s, more than 20 %
 * slow), queue depth 50 / 100 / 200, job failure rate 10 / 15 / 25 % per job, CPU 80 / 95 %,
 * memory 85 / 95 %.
 */
export function serviceRules(options: ServiceRulesOptions = {}): AlertRuleInput[] {
  const s = options.unit === 'ms' ? 1000 : 1;
  const req = options.requestMetric ?? 'http_request_duration_seconds';
  const db = options.dbMetric ?? 'db_query_duration_seconds';
  const queue = options.queueMetric ?? 'job_queue_size';
  const queueLabels = options.queueLabels ?? { state: 'pending' };
  const jobs = options.jobMetric ?? 'job_executions_total';
  const jobLabel = options.jobLabel ?? 'job';
  const cpu = options.cpuMetric ?? 'system_cpu_usage_percent';
  const mem = options.memoryMetric ?? 'system_memory_usage_percent';
  const channels = options.channels ?? [];
  const base = { window: '5m', duration: '2m', condition: 'greater_than', channels } as const;
  return [
    { ...base, name: 'Response time warning', metric: req, aggregation: 'avg', threshold: 2 * s, severity: 'warning', type: 'performance' },
    { ...base, name: 'Response time critical', metric: req, aggregation: 'avg', threshold: 5 * s, severity: 'critical', type: 'performance' },
    { ...base, name: 'Response time spike', metric: req, aggregation: { type: 'spike', of: 'avg', baselineWindow: '1h' }, threshold: 1.5, severity: 'warning', type: 'performance' },
    { ...base, name: 'Error rate medium', metric: req, aggregation: 'errorRate', threshold: 5, severity: 'warning', type: 'error' },
    { ...base, name: 'Error rate high', metric: req, aggregation: 'errorRate', threshold: 10, severity: 'error', type: 'error' },
    { ...base, name: 'Error rate critical', metric: req, aggregation: 'errorRate', threshold: 15, severity: 'critical', type: 'error' },
    { ...base, name: 'Slow database queries', metric: db, aggregation: 'avg', threshold: 0.5 * s, severity: 'warning', type: 'database' },
    { ...base, name: 'Database critical', metric: db, aggregation: 'avg', threshold: 2 * s, severity: 'critical', type: 'database' },
    { ...base, name: 'Slow query percentage', metric: db, aggregation: { type: 'compliance', under: 0.5 * s }, condition: 'less_than', threshold: 80, severity: 'warning', type: 'database' },
    { ...base, name: 'Queue depth medium', metric: queue, labels: queueLabels, aggregation: 'last', threshold: 50, severity: 'warning', type: 'queue' },
    { ...base, name: 'Queue depth high', metric: queue, labels: queueLabels, aggregation: 'last', threshold: 100, severity: 'error', type: 'queue' },
    { ...base, name: 'Queue depth critical', metric: queue, labels: queueLabels, aggregation: 'last', threshold: 200, severity: 'critical', type: 'queue' },
    { ...base, name: 'Job failure rate medium', metric: jobs, aggregation: 'errorRate', groupBy: [jobLabel], threshold: 10, severity: 'warning', type: 'job' },
    { ...base, name: 'Job failure rate high', metric: jobs, aggregation: 'errorRate', groupBy: [jobLabel], threshold: 15, severity: 'error', type: 'job' },
    { ...base, name: 'Job failure rate critical', metric: jobs, aggregation: 'errorRate', groupBy: [jobLabel], threshold: 25, severity: 'critical', type: 'job' },
    { ...base, name: 'CPU usage high', metric: cpu, aggregation: 'avg', threshold: 80, severity: 'error', type: 'system' },
    { ...base, name: 'CPU usage critical', metric: cpu, aggregation: 'avg', threshold: 95, severity: 'critical', type: 'system' },
    { ...base, name: 'Memory usage high', metric: mem, aggregation: 'avg', threshold: 85, severity: 'error', type: 'system' },
    { ...base, name: 'Memory usage critical', metric: mem, aggregation: 'avg', threshold: 95, severity: 'critical', type: 'system' },
  ];
}

/** Every built-in pack. */
export const rulePacks = { defaults: defaultRules, service: serviceRules, sla: slaRules, jobs: jobRules } as const;

export { slaRules, type SlaRulesOptions } from './packs-sla.js';
