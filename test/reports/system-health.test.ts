import { describe, expect, it } from 'vitest';
import type { CheckReport, HealthReport, HealthStatus } from '../../src/health/types.js';
import { activeAlertsCheck, systemHealthOf, type SystemHealthCheck } from '../../src/reports/system-health.js';

function check(status: HealthStatus, critical: boolean, details?: Record<string, unknown>): CheckReport {
  return { status, critical, responseTime: 1, cached: false, timestamp: '2026-01-01T00:00:00.000Z', ...(details === undefined ? {} : { details }) };
}

function report(checks: Record<string, CheckReport>): HealthReport {
  return { checks, timestamp: '2026-01-01T00:00:00.000Z' } as unknown as HealthReport;
}

const cpu = (status: SystemHealthCheck['status']): SystemHealthCheck => ({ name: 'CPU Usage', status, message: 'CPU', value: 99, threshold: 95 });

describe('/health/system grades as /health does (one rule: overallStatus)', () => {
  it('is critical when a critical check fails', () => {
    expect(systemHealthOf(report({ db: check('unhealthy', true) })).status).toBe('critical');
  });

  it('is a warning, not critical, when only a non-critical check fails (as /health answers degraded, 200)', () => {
    const body = systemHealthOf(report({ cache: check('unhealthy', false), db: check('healthy', true) }));
    expect(body.status).toBe('warning');
    // The entry itself still shows the failure.
    expect(body.checks[0]).toMatchObject({ name: 'cache', status: 'fail' });
  });

  it('counts a critical alert and a failing vital as non-critical entries: a warning', () => {
    const alerts = activeAlertsCheck([{ severity: 'critical' }]);
    expect(alerts.status).toBe('fail');
    expect(systemHealthOf(report({ db: check('healthy', true) }), [cpu('fail'), alerts]).status).toBe('warning');
    expect(systemHealthOf(report({}), [cpu('pass'), activeAlertsCheck([])]).status).toBe('healthy');
  });

  it('grades a check by its health status, as /health does, whatever grade its details show', () => {
    const body = systemHealthOf(report({ custom: check('degraded', true, { result: 'fail' }) }));
    expect(body.checks[0]!.status).toBe('fail');
    expect(body.status).toBe('warning');
  });
});
