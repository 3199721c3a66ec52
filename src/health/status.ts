import { plainDetails } from './details.js';
import type { HealthCheckOutcome, HealthCounts, HealthStatus } from './types.js';

const STATUSES: readonly HealthStatus[] = ['healthy', 'degraded', 'unhealthy'];
const RANK: Record<HealthStatus, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/**
 * Gauge value of each status (`health_check_status`, `health_status`): 1 healthy, 0.5 degraded,
 * 0 unhealthy, so `min(health_check_status) < 1` alerts on anything not fully healthy.
 */
export const STATUS_GAUGE_VALUE: Readonly<Record<HealthStatus, number>> = Object.freeze({ healthy: 1, degraded: 0.5, unhealthy: 0 });

/** True for `'healthy'`, `'degraded'` and `'unhealthy'`. */
export function isHealthStatus(value: unknown): value is HealthStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value);
}

/** The worse of two statuses. */
export function worseOf(a: HealthStatus, b: HealthStatus): HealthStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * The whole's status from its checks: a critical check that is unhealthy makes it `unhealthy`;
 * a non-critical unhealthy one, or any degraded one, makes it `degraded`. No checks: `healthy`
 * (an empty liveness group means the process answers, which is what liveness asks).
 */
export function overallStatus(checks: Iterable<{ status: HealthStatus; critical: boolean }>): HealthStatus {
  let status: HealthStatus = 'healthy';
  for (const c of checks) {
    if (c.status === 'unhealthy') status = worseOf(status, c.critical ? 'unhealthy' : 'degraded');
    else status = worseOf(status, c.status);
  }
  return status;
}

/** How many checks are in each status (seed 000's `overall`). */
export function countStatuses(checks: Iterable<{ status: HealthStatus }>): HealthCounts {
  const counts: HealthCounts = { healthy: 0, degraded: 0, unhealthy: 0, total: 0 };
  for (const c of checks) {
    counts[c.status]++;
    counts.total++;
  }
  return counts;
}

/**
 * HTTP status for a health answer: 503 for `unhealthy`, 200 otherwise (`degraded` still serves
 * traffic; the body says so). Spring maps DOWN and OUT_OF_SERVICE to 503 the same way.
 */
export function healthHttpStatus(report: HealthStatus | { status: HealthStatus }): 200 | 503 {
  const status = typeof report === 'string' ? report : report.status;
  return status === 'unhealthy' ? 503 : 200;
}

/** A check's return value in its detailed form, or `invalid` describing what was wrong with it. */
export type NormalizedResult = { ok: true; outcome: HealthCheckOutcome } | { ok: false; invalid: string };

/** Turns what a check returned into an outcome (see {@link HealthCheckResult} for the accepted forms). */
export function normalizeResult(value: unknown): NormalizedResult {
  if (value === undefined || value === true) return { ok: true, outcome: { status: 'healthy' } };
  if (value === false) return { ok: true, outcome: { status: 'unhealthy', message: 'check returned false' } };
  if (isHealthStatus(value)) return { ok: true, outcome: { status: value } };
  if (typeof value === 'object' && value !== null && isHealthStatus((value as { status?: unknown }).status)) {
    const { status, message, details } = value as { status: HealthStatus; message?: unknown; details?: unknown };
    const outcome: HealthCheckOutcome = { status };
    if (message !== undefined && message !== null) outcome.message = String(message);
    // Copied into JSON-safe data: a health answer is an HTTP body (see plainDetails).
    if (details !== undefined && details !== null) outcome.details = plainDetails(details);
    return { ok: true, outcome };
  }
  return { ok: false, invalid: `check returned ${describe(value)}; expected 'healthy', 'degraded', 'unhealthy', a boolean, nothing, or { status, message?, details? }` };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') {
    const status = (value as { status?: unknown }).status;
    return status === undefined ? 'an object without a status' : `an object with status ${JSON.stringify(status)}`;
  }
  return `${typeof value} ${String(value)}`;
}
