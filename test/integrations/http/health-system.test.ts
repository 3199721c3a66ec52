/**
 * GET /health/system of createMonitoringHandler: seed 003's list of { name, status, value,
 * threshold } from the health checks, the system monitor's vitals and the active alerts, and its
 * precedence over /health/:check.
 */
import { describe, expect, it } from 'vitest';
import { checks, createMonitor, createMonitoringHandler, type MonitoringHandlerOptions } from 'pulsewatch';
import { systemMonitor } from 'pulsewatch/node';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const closing = closeAfterEach();

function setup(options: MonitoringHandlerOptions = {}) {
  const clock = new ManualClock(Date.UTC(2026, 0, 1));
  const monitor = createMonitor({ service: 'test', clock, logger: false });
  closing(monitor);
  monitor.on('error', () => {});
  const handler = createMonitoringHandler(monitor, options);
  const get = async (path: string): Promise<{ status: number; body: any }> => {
    const response = await handler(new Request(`http://localhost${path}`));
    return { status: response.status, body: await response.json() };
  };
  return { clock, monitor, get };
}

describe('GET /health/system', () => {
  it('lists every check as seed 003\'s { name, status, message, value, threshold }, with the active alerts', async () => {
    const { monitor, get } = setup();
    monitor.gauge({ name: 'error_rate' }).set(3);
    monitor.health.register('Error Rate', checks.metric(monitor, { metric: 'error_rate', aggregation: 'last', warn: 2, fail: 5, unit: '%', title: 'Error rate' }));
    monitor.health.register('database', () => true);
    const { status, body } = await get('/health/system');
    expect(status).toBe(200);
    expect(body.status).toBe('warning');
    expect(body.checks).toEqual([
      { name: 'Error Rate', status: 'warn', message: 'Error rate: 3%', value: 3, threshold: 2 },
      { name: 'database', status: 'pass', value: null, threshold: null },
      { name: 'Active Alerts', status: 'pass', message: '0 active alerts (0 critical, 0 high)', value: 0, threshold: null },
    ]);
  });

  it('is critical with a failing check and answers with the unhealthy status code', async () => {
    const { monitor, get } = setup();
    monitor.health.register('queue', () => ({ status: 'unhealthy' as const, message: 'down' }));
    const { status, body } = await get('/health/system');
    expect(status).toBe(503);
    expect(body.status).toBe('critical');
    expect(body.checks[0]).toEqual({ name: 'queue', status: 'fail', message: 'down', value: null, threshold: null });
  });

  it('adds the system monitor\'s vitals, graded by seed 002\'s thresholds, once it has sampled', async () => {
    const { monitor, get } = setup();
    const readings = {
      cpu: { percent: 81, process: 5, cores: 2 },
      memory: { percent: 50, rss: 1, heapUsed: 1, heapTotal: 2, heapLimit: 4, total: 100, available: 50, constrained: false },
      eventLoop: { lagP50: 1, lagP99: 2, lagMax: 3, utilization: 0.1 },
      loadAverage: [1, 1, 1] as [number, number, number],
      disk: null,
    };
    const system = systemMonitor(monitor, { read: () => readings as never });
    expect((await get('/health/system')).body.checks.map((c: { name: string }) => c.name)).toEqual(['Active Alerts']);
    await system.sample();
    const { body } = await get('/health/system');
    expect(body.checks.slice(0, 3)).toEqual([
      { name: 'CPU Usage', status: 'warn', message: 'CPU Usage: 81.0%', value: 81, threshold: 80 },
      { name: 'Memory Usage', status: 'pass', message: 'Memory Usage: 50.0%', value: 50, threshold: 85 },
      { name: 'Event-loop Lag p99', status: 'pass', message: 'Event-loop Lag p99: 2.0 ms', value: 2, threshold: 100 },
    ]);
    expect(body.status).toBe('warning');
  });

  it('wins over /health/:check: a check named "system" is listed under its name, and other names still reach /health/:check', async () => {
    const { monitor, get } = setup();
    monitor.health.register('system', () => ({ status: 'degraded' as const, message: 'slow' }));
    const { body } = await get('/health/system');
    expect(Array.isArray(body.checks)).toBe(true);
    expect(body.checks[0]).toMatchObject({ name: 'system', status: 'warn', message: 'slow' });
    monitor.health.register('database', () => true);
    expect((await get('/health/database')).body).toMatchObject({ name: 'database', status: 'healthy' });
  });

  it('leaves messages out for callers that did not authenticate when healthDetails is authenticated', async () => {
    const { monitor, get } = setup({ healthDetails: 'authenticated' });
    monitor.health.register('queue', () => ({ status: 'degraded' as const, message: 'secret detail' }));
    const { body } = await get('/health/system');
    expect(body.checks[0]).toEqual({ name: 'queue', status: 'warn' });
  });

  it('leaves values, thresholds and the vitals out for callers that did not authenticate, as /health hides details', async () => {
    const { monitor, get } = setup({ healthDetails: 'authenticated' });
    monitor.gauge({ name: 'error_rate' }).set(3);
    monitor.health.register('Error Rate', checks.metric(monitor, { metric: 'error_rate', aggregation: 'last', warn: 2, fail: 5, unit: '%', title: 'Error rate' }));
    const readings = {
      cpu: { percent: 99, process: 5, cores: 2 },
      memory: { percent: 50, rss: 1, heapUsed: 1, heapTotal: 2, heapLimit: 4, total: 100, available: 50, constrained: false },
      eventLoop: { lagP50: 1, lagP99: 2, lagMax: 3, utilization: 0.1 },
      loadAverage: [1, 1, 1] as [number, number, number],
      disk: null,
    };
    await systemMonitor(monitor, { read: () => readings as never }).sample();
    const { body } = await get('/health/system');
    expect(body.checks).toEqual([
      { name: 'Error Rate', status: 'warn' },
      { name: 'Active Alerts', status: 'pass' },
    ]);
    // The vitals still grade the answer, with /health's rule: a failing vital is a warning for every caller.
    expect(body.status).toBe('warning');
  });
});
