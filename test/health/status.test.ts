import { describe, expect, it } from 'vitest';
import { countStatuses, healthHttpStatus, normalizeResult, overallStatus, worseOf } from '../../src/health/status.js';

describe('overallStatus', () => {
  it('maps a critical failure to unhealthy and a non-critical one to degraded', () => {
    expect(overallStatus([{ status: 'unhealthy', critical: true }])).toBe('unhealthy');
    expect(overallStatus([{ status: 'unhealthy', critical: false }])).toBe('degraded');
    expect(overallStatus([{ status: 'degraded', critical: true }, { status: 'healthy', critical: true }])).toBe('degraded');
    expect(overallStatus([{ status: 'unhealthy', critical: false }, { status: 'unhealthy', critical: true }])).toBe('unhealthy');
    expect(overallStatus([])).toBe('healthy');
  });

  it('worseOf orders healthy < degraded < unhealthy', () => {
    expect(worseOf('healthy', 'degraded')).toBe('degraded');
    expect(worseOf('unhealthy', 'degraded')).toBe('unhealthy');
  });

  it('counts statuses', () => {
    expect(countStatuses([{ status: 'healthy' }, { status: 'unhealthy' }, { status: 'unhealthy' }])).toEqual({ healthy: 1, degraded: 0, unhealthy: 2, total: 3 });
  });
});

describe('healthHttpStatus', () => {
  it('is 503 only for unhealthy: degraded still serves traffic (Spring maps DOWN to 503)', () => {
    expect(healthHttpStatus('unhealthy')).toBe(503);
    expect(healthHttpStatus({ status: 'degraded' })).toBe(200);
    expect(healthHttpStatus('healthy')).toBe(200);
  });
});

describe('normalizeResult', () => {
  it('keeps message and details, wraps non-object details, refuses unknown statuses', () => {
    expect(normalizeResult({ status: 'degraded', message: 3, details: 'x' })).toEqual({ ok: true, outcome: { status: 'degraded', message: '3', details: { value: 'x' } } });
    expect(normalizeResult({ status: 'up' })).toEqual({ ok: false, invalid: expect.stringMatching(/^check returned an object with status "up"/) });
    expect(normalizeResult(42)).toEqual({ ok: false, invalid: expect.stringMatching(/^check returned number 42/) });
    expect(normalizeResult(null)).toEqual({ ok: false, invalid: expect.stringMatching(/^check returned null/) });
  });
});
