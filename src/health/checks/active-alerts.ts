import { z } from 'zod';
import type { AlertRecord, Severity } from '../../storage/records.js';
import { parseOptions } from '../../core/options.js';
import type { HealthCheck } from '../types.js';
import { GRADE_STATUS, type Grade } from './grade.js';

/** Anything with an alert engine: `monitor` itself (`monitor.alerts.getActiveAlerts()`). */
export interface AlertSource {
  alerts: { getActiveAlerts(): readonly AlertRecord[] | Promise<readonly AlertRecord[]> };
}

const SEVERITIES = ['info', 'warning', 'error', 'critical'] as const satisfies readonly Severity[];
const RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

/** Options of {@link activeAlertsCheck}. */
export const activeAlertsCheckOptionsSchema = z
  .strictObject({
    /** A firing alert of this severity or worse makes the check `degraded` (default `'warning'`). */
    warnAt: z.enum(SEVERITIES).default('warning'),
    /** A firing alert of this severity or worse makes the check `unhealthy` (default `'critical'`). */
    failAt: z.enum(SEVERITIES).default('critical'),
  })
  .refine((o) => RANK[o.warnAt] <= RANK[o.failAt], { path: ['failAt'], message: 'must be as severe as warnAt or more' });

/** Options of {@link activeAlertsCheck} as callers pass them. */
export type ActiveAlertsCheckOptions = z.input<typeof activeAlertsCheckOptionsSchema>;

/**
 * Seed 003's "Active Alerts" check: counts firing alerts by severity ("2 active alerts
 * (1 critical, 0 error, 1 warning)"). A firing alert at `failAt` or worse fails, at `warnAt`
 * or worse warns; `details.value` is the number of firing alerts.
 *
 * @example monitor.health.register('alerts', checks.activeAlerts(monitor), { critical: false })
 */
export function activeAlertsCheck(source: AlertSource, options: ActiveAlertsCheckOptions = {}): HealthCheck {
  const o = parseOptions(activeAlertsCheckOptionsSchema, options, 'checks.activeAlerts options');
  return async () => {
    const firing = (await source.alerts.getActiveAlerts()).filter((a) => a.status === 'firing');
    const bySeverity: Record<Severity, number> = { critical: 0, error: 0, warning: 0, info: 0 };
    let worst = -1;
    for (const alert of firing) {
      bySeverity[alert.severity] = (bySeverity[alert.severity] ?? 0) + 1;
      worst = Math.max(worst, RANK[alert.severity] ?? 0);
    }
    const result: Grade = worst >= RANK[o.failAt] ? 'fail' : worst >= RANK[o.warnAt] ? 'warn' : 'pass';
    const n = firing.length;
    return {
      status: GRADE_STATUS[result],
      message: `${n} active alert${n === 1 ? '' : 's'} (${bySeverity.critical} critical, ${bySeverity.error} error, ${bySeverity.warning} warning)`,
      details: { result, value: n, bySeverity },
    };
  };
}
