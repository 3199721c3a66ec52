import { overallStatus } from '../health/status.js';
import type { HealthReport, HealthStatus } from '../health/types.js';

/** Seed 003's verdict on one check. */
export type SystemCheckStatus = 'pass' | 'warn' | 'fail';

/** One entry of seed 003's `GET /health/system` list. */
export interface SystemHealthCheck {
  name: string;
  status: SystemCheckStatus;
  /** One human line (seed 003: `'Average response time: 245ms'`); left out where health details are hidden. */
  message?: string | undefined;
  /** The measured value, when the check has one (`details.value`), else null; left out where health details are hidden. */
  value?: number | null;
  /** The threshold it was graded against (`details.threshold`), else null; left out where health details are hidden. */
  threshold?: number | null;
}

/** Seed 003's `GET /health/system` answer. */
export interface SystemHealth {
  /**
   * `/health`'s rule (`overallStatus`): `critical` when a critical check fails, `warning` when a
   * non-critical one fails or any entry warns, else `healthy`. The vitals and the active alerts
   * count as non-critical checks.
   */
  status: 'healthy' | 'warning' | 'critical';
  /** When the answer was produced (ISO 8601). */
  timestamp: string;
  checks: SystemHealthCheck[];
}

const BY_STATUS: Readonly<Record<HealthStatus, SystemCheckStatus>> = { healthy: 'pass', degraded: 'warn', unhealthy: 'fail' };

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Seed 003's list from a health report: each check as `{ name, status, message, value,
 * threshold }`. The status is the check's own grade (`details.result` of the graded checks:
 * `checks.metric`, `checks.memory`, ...) or else its health status (healthy: pass, degraded:
 * warn, unhealthy: fail); value and threshold come from `details`. `extra` entries (system
 * vitals, active alerts) follow the checks. The overall status is graded as `/health` grades
 * (`overallStatus` of src/health/status.ts): each check by its health status and `critical`
 * option, the extra entries by their grade as non-critical checks, so both routes answer 503
 * for the same checks.
 */
export function systemHealthOf(report: HealthReport, extra: readonly SystemHealthCheck[] = []): SystemHealth {
  const checks: SystemHealthCheck[] = [];
  const graded: { status: HealthStatus; critical: boolean }[] = [];
  for (const [name, check] of Object.entries(report.checks)) {
    const details = check.details ?? {};
    const result = details.result;
    const status = result === 'pass' || result === 'warn' || result === 'fail' ? result : BY_STATUS[check.status];
    checks.push({
      name,
      // A check slower than its degradedAfter is degraded whatever its grade: the worse one counts.
      status: worse(status, BY_STATUS[check.status]),
      ...(check.message === undefined ? {} : { message: check.message }),
      value: finite(details.value),
      threshold: finite(details.threshold),
    });
    // Graded by its health status, as /health grades it (a `details.result` shown worse does not
    // make this answer worse than /health's).
    graded.push({ status: check.status, critical: check.critical });
  }
  checks.push(...extra);
  for (const c of extra) graded.push({ status: AS_HEALTH[c.status], critical: false });
  const overall = overallStatus(graded);
  return { status: overall === 'unhealthy' ? 'critical' : overall === 'degraded' ? 'warning' : 'healthy', timestamp: report.timestamp, checks };
}

const AS_HEALTH: Readonly<Record<SystemCheckStatus, HealthStatus>> = { pass: 'healthy', warn: 'degraded', fail: 'unhealthy' };

const RANK: Readonly<Record<SystemCheckStatus, number>> = { pass: 0, warn: 1, fail: 2 };

function worse(a: SystemCheckStatus, b: SystemCheckStatus): SystemCheckStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * Seed 003's "Active Alerts" entry: the count of active alerts, failing with a critical one,
 * warning with any other.
 */
export function activeAlertsCheck(alerts: readonly { severity: string }[]): SystemHealthCheck {
  const critical = alerts.filter((a) => a.severity === 'critical').length;
  const high = alerts.filter((a) => a.severity === 'error').length;
  return {
    name: 'Active Alerts',
    status: critical > 0 ? 'fail' : alerts.length > 0 ? 'warn' : 'pass',
    message: `${alerts.length} active alerts (${critical} critical, ${high} high)`,
    value: alerts.length,
    threshold: null,
  };
}
