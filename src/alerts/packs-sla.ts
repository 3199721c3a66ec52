import { timelineMetricNames } from '../timeline/options.js';
import type { AlertRuleInput } from './rule-schema.js';

/** Options of {@link slaRules}. */
export interface SlaRulesOptions {
  /**
   * The timeline timed by `monitor.timeline(name)` (default `'message'`): the rules read its
   * `<name>_latency_ms` (every status: complete entries end to end, partial ones at the latency
   * recorded for them, at least the TTL when it ran out: the set `slaReport` counts) and `<name>_entries_total`.
   */
  timeline?: string;
  /** End-to-end latency histogram in ms, instead of the timeline's (default `<timeline>_latency_ms`, so `message_latency_ms`). */
  metric?: string;
  /** The SLA target in ms (seed 004: 5 s). */
  target?: number;
  /** Window the SLA is judged over (default 1 h). */
  window?: string | number;
  /** Fewest samples a window must hold before its numbers mean something (seed 004: 5). */
  minSamples?: number;
  channels?: string[];
}

/**
 * Seed 004's SLA alerts over a timeline's (or a latency histogram's) window: compliance (share
 * at or under 5 s of complete and partial entries, seed 004's denominator and the percent
 * `slaReport` shows) below 95 %, any message over 30 s and a complete rate under 80 % (critical);
 * mean over 2 s and p95 over 5 s (warning); fewer than 5 samples and the mean changed by more than
 * 50 % against the window before (info). The complete rate is read as the share of partial
 * entries (`status="partial"` on `<timeline>_entries_total`) over 20 %.
 */
export function slaRules(options: SlaRulesOptions = {}): AlertRuleInput[] {
  const names = timelineMetricNames(options.timeline ?? 'message');
  const metric = options.metric ?? names.latency;
  const target = options.target ?? 5_000;
  const window = options.window ?? '1h';
  const channels = options.channels ?? [];
  const base = { metric, window, channels, type: 'sla' } as const;
  return [
    { ...base, name: 'SLA compliance', aggregation: { type: 'compliance', under: target }, condition: 'less_than', threshold: 95, severity: 'critical' },
    { ...base, name: 'Message over 30s', aggregation: 'max', condition: 'greater_than', threshold: 30_000, severity: 'critical' },
    {
      ...base,
      name: 'Complete rate low',
      metric: names.entries,
      aggregation: { type: 'errorRate', errorLabels: { status: 'partial' } },
      condition: 'greater_than',
      threshold: 20,
      severity: 'critical',
      description: 'more than 20 % of the entries reached their TTL without their last phase (complete rate under 80 %)',
    },
    { ...base, name: 'Mean latency high', aggregation: 'avg', condition: 'greater_than', threshold: 2_000, severity: 'warning' },
    { ...base, name: 'P95 latency high', aggregation: 'p95', condition: 'greater_than', threshold: target, severity: 'warning' },
    { ...base, name: 'Too few samples', aggregation: 'count', condition: 'less_than', threshold: options.minSamples ?? 5, severity: 'info' },
    { ...base, name: 'Latency trend', aggregation: { type: 'change', of: 'avg', direction: 'both' }, condition: 'greater_than', threshold: 50, severity: 'info' },
  ];
}
