import type { AlertRuleInput } from './rule-schema.js';

/** Options of {@link jobRules}. */
export interface JobRulesOptions {
  channels?: string[];
  /** Failure rate in percent over which JOB_FAILURE fires (default 25: seed 000's medium bottleneck). */
  failureRate?: number;
  /** Waiting jobs of one type over which QUEUE_BACKLOG fires (default 100: seed 000's backlog target). */
  backlog?: number;
  /** Dead letters of one type over which the dead-letter rule fires (default 100: seed 000's health threshold). */
  deadLetters?: number;
  /** Percent over the learned baseline at which PERFORMANCE_DEGRADATION fires (default 10: seed 000). */
  regression?: number;
  /** Runs the baseline is learned from (default 10: seed 000). */
  baselineRuns?: number;
}

/**
 * Seed 000's job alerts on the metrics `monitor.jobs` keeps (and `pulsewatch/bullmq` records
 * under the same names), one alert per job type: JOB_FAILURE (error, 15 m cooldown),
 * QUEUE_BACKLOG (warning, 30 m), the dead letters piling up (warning, 1 h), and
 * PERFORMANCE_DEGRADATION when the mean run time is 10 % over the baseline learned after 10 runs
 * (warning, 1 h). Cooldowns follow seed 000: errors 15-30 min, warnings 30-60 min.
 */
export function jobRules(options: JobRulesOptions = {}): AlertRuleInput[] {
  const channels = options.channels ?? [];
  const base = { channels, groupBy: ['type'] };
  return [
    { ...base, name: 'Job failure rate', type: 'JOB_FAILURE', severity: 'error', metric: 'job_outcomes_total', aggregation: 'errorRate', window: '15m', condition: 'greater_than', threshold: options.failureRate ?? 25, duration: '5m', cooldown: '15m' },
    { ...base, name: 'Job queue backlog', type: 'QUEUE_BACKLOG', severity: 'warning', metric: 'job_queue_size', labels: { state: 'waiting' }, aggregation: 'last', window: '5m', condition: 'greater_than', threshold: options.backlog ?? 100, duration: '5m', cooldown: '30m' },
    { ...base, name: 'Job dead letters piling up', type: 'QUEUE_BACKLOG', severity: 'warning', metric: 'job_queue_size', labels: { state: 'dead_letter' }, aggregation: 'last', window: '5m', condition: 'greater_or_equal', threshold: options.deadLetters ?? 100, cooldown: '1h' },
    { ...base, name: 'Job performance regression', type: 'PERFORMANCE_DEGRADATION', severity: 'warning', metric: 'job_run_duration_seconds', labels: { outcome: 'success' }, aggregation: { type: 'regression', of: 'avg', minCount: options.baselineRuns ?? 10 }, window: '1h', condition: 'greater_than', threshold: options.regression ?? 10, cooldown: '1h' },
  ];
}
