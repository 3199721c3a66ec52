import type { Clock } from '../core/clock.js';

/** Status of one check or of the whole: seed 000's three levels. */
export type HealthStatus = 'healthy' | 'degraded' | 'unhealthy';

/** What a check receives on each run. */
export interface HealthCheckContext {
  /** Aborted when the check's `timeout` passes: hand it to fetch or your driver so the work stops too. */
  readonly signal: AbortSignal;
  /** The monitor's clock, for checks that keep their own time budget. */
  readonly clock: Clock;
  /** The name the check is registered under. */
  readonly name: string;
}

/** The detailed form of a check's result. */
export interface HealthCheckOutcome {
  status: HealthStatus;
  /** One human line, e.g. `'Average response time: 245ms'`. */
  message?: string | undefined;
  /** Anything worth showing next to the status (counts, the value and its threshold). */
  details?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * What a check returns or resolves: a status, a boolean (`true` healthy, `false` unhealthy), an
 * outcome object, or nothing (healthy: a check that throws on failure is the common shape).
 * Throwing or rejecting makes the check `unhealthy` with the error's message.
 */
export type HealthCheckResult = HealthStatus | boolean | HealthCheckOutcome | void;

/** A health check: probes one dependency or condition. */
export type HealthCheck = (context: HealthCheckContext) => HealthCheckResult | Promise<HealthCheckResult>;

/** One check's entry in a {@link HealthReport} (seed 000's `checks.<name>`). */
export interface CheckReport {
  status: HealthStatus;
  /** How long the run took, in ms (rounded); a timed-out run reports its timeout. */
  responseTime: number;
  message?: string | undefined;
  details?: Readonly<Record<string, unknown>> | undefined;
  /** Whether a failure of this check makes the whole `unhealthy` (otherwise `degraded`). */
  critical: boolean;
  /** True when `quick` served a result cached within the check's `cacheTtl`. */
  cached: boolean;
  /** When this result was produced (ISO 8601). */
  timestamp: string;
}

/** Answer of `check.one(name)`: one check's report with its name (seed 000's `/api/health/<name>`). */
export interface NamedCheckReport extends CheckReport {
  name: string;
}

/** Counts of check statuses in a {@link HealthReport}. */
export interface HealthCounts {
  healthy: number;
  degraded: number;
  unhealthy: number;
  total: number;
}

/** Answer of `monitor.health.check()`: seed 000's GET /api/health body. */
export interface HealthReport {
  status: HealthStatus;
  /** When the answer was produced (ISO 8601). */
  timestamp: string;
  /** ms since the monitor started. */
  uptime: number;
  /** The group this answer covers, when one was asked for. */
  group?: string | undefined;
  checks: Record<string, CheckReport>;
  overall: HealthCounts;
}

/** Payload of `healthChanged`: the overall status, a group's status or one check's status moved. */
export interface HealthChangedEvent {
  /**
   * `'overall'` for the whole answer, `'group'` for a group's answer (then `group` names it),
   * `'check'` for one check (then `check` names it).
   */
  scope: 'overall' | 'group' | 'check';
  check?: string | undefined;
  group?: string | undefined;
  status: HealthStatus;
  /** The status before; undefined on the first answer. */
  previous: HealthStatus | undefined;
  /** The check's message (for `scope: 'check'`), e.g. why it failed. */
  message?: string | undefined;
  /** When the change was seen (ms since the epoch). */
  at: number;
}
