import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../../src/core/errors.js';
import { checks } from '../../../src/health/checks/index.js';
import type { HealthCheckContext } from '../../../src/health/types.js';
import type { AlertRecord, Severity } from '../../../src/storage/records.js';

const ctx = {} as HealthCheckContext;

describe('checks.activeAlerts: seed 003 "Active Alerts"', () => {
  const alert = (severity: Severity, status: 'firing' | 'resolved' = 'firing') => ({ severity, status }) as AlertRecord;
  const source = (...alerts: AlertRecord[]) => ({ alerts: { getActiveAlerts: () => alerts } });

  it('passes with no firing alert, in seed 003 wording', async () => {
    expect(await checks.activeAlerts(source())(ctx)).toEqual({
      status: 'healthy',
      message: '0 active alerts (0 critical, 0 error, 0 warning)',
      details: { result: 'pass', value: 0, bySeverity: { critical: 0, error: 0, warning: 0, info: 0 } },
    });
  });

  it('warns on a warning or error alert, fails on a critical one; info and resolved alerts pass', async () => {
    expect(await checks.activeAlerts(source(alert('info'), alert('critical', 'resolved')))(ctx)).toMatchObject({ status: 'healthy', details: { value: 1 } });
    expect(await checks.activeAlerts(source(alert('warning'), alert('error')))(ctx)).toMatchObject({ status: 'degraded', details: { result: 'warn', value: 2 } });
    expect(await checks.activeAlerts(source(alert('critical'), alert('warning')))(ctx)).toMatchObject({
      status: 'unhealthy',
      message: '2 active alerts (1 critical, 0 error, 1 warning)',
    });
  });

  it('takes warnAt and failAt, and an async source', async () => {
    const async = { alerts: { getActiveAlerts: async () => [alert('error')] } };
    expect(await checks.activeAlerts(async, { failAt: 'error' })(ctx)).toMatchObject({ status: 'unhealthy' });
    expect(await checks.activeAlerts(async, { warnAt: 'critical', failAt: 'critical' })(ctx)).toMatchObject({ status: 'healthy' });
    let error: unknown;
    try {
      checks.activeAlerts(async, { warnAt: 'critical', failAt: 'warning' });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toBe('checks.activeAlerts options: failAt: must be as severe as warnAt or more, got "warning"');
  });
});
