import { describe, expect, it } from 'vitest';
import { systemThresholdsSchema, SYSTEM_THRESHOLDS } from '../../src/system/options.js';
import { systemStatus } from '../../src/system/status.js';
import { readings } from './helpers.js';

const defaults = systemThresholdsSchema.parse({});

describe('systemStatus: seed 002 thresholds', () => {
  it('defaults to CPU 80/95 %, memory 85/95 %, disk 85/95 %, event-loop lag 100/1000 ms', () => {
    expect(defaults).toEqual({
      cpu: { warning: 80, critical: 95 },
      memory: { warning: 85, critical: 95 },
      disk: { warning: 85, critical: 95 },
      eventLoopLag: { warning: 100, critical: 1000 },
    });
    expect(defaults).toEqual(SYSTEM_THRESHOLDS);
  });

  it('is healthy at a threshold and a warning just past it (seed 002: CPU > 80 %)', () => {
    expect(systemStatus(readings({ cpu: 80 }), defaults)).toEqual({ status: 'healthy', issues: [] });
    expect(systemStatus(readings({ cpu: 80.5 }), defaults)).toEqual({
      status: 'warning',
      issues: [{ vital: 'cpu', level: 'warning', value: 80.5, threshold: 80, message: 'CPU usage 80.5% > 80%' }],
    });
    expect(systemStatus(readings({ cpu: 95 }), defaults).status).toBe('warning');
    expect(systemStatus(readings({ cpu: 95.1 }), defaults).issues[0]).toMatchObject({ level: 'critical', threshold: 95 });
  });

  it('grades memory, disk and event-loop lag the same way', () => {
    expect(systemStatus(readings({ memory: 85 }), defaults).status).toBe('healthy');
    expect(systemStatus(readings({ memory: 86 }), defaults).issues).toMatchObject([{ vital: 'memory', level: 'warning' }]);
    expect(systemStatus(readings({ memory: 96 }), defaults).status).toBe('critical');
    expect(systemStatus(readings({ disk: 90 }), defaults).issues).toMatchObject([{ vital: 'disk', level: 'warning', message: 'Disk usage 90.0% > 85%' }]);
    expect(systemStatus(readings({ lagP99: 1500 }), defaults).issues).toMatchObject([{ vital: 'eventLoopLag', level: 'critical', message: 'Event-loop lag p99 1500.0 ms > 1000 ms' }]);
  });

  it('is critical when any vital is critical, listing every issue', () => {
    const { status, issues } = systemStatus(readings({ cpu: 85, memory: 97 }), defaults);
    expect(status).toBe('critical');
    expect(issues.map((i) => [i.vital, i.level])).toEqual([
      ['cpu', 'warning'],
      ['memory', 'critical'],
    ]);
  });

  it('ignores readings not taken: no disk, no lag samples yet', () => {
    expect(systemStatus(readings({ disk: null, lagP99: NaN }), defaults)).toEqual({ status: 'healthy', issues: [] });
  });

  it('takes custom thresholds, and validates them', () => {
    const strict = systemThresholdsSchema.parse({ cpu: { warning: 50 } });
    expect(strict.cpu).toEqual({ warning: 50, critical: 95 });
    expect(systemStatus(readings({ cpu: 60 }), strict).status).toBe('warning');
    expect(systemThresholdsSchema.safeParse({ cpu: { warning: 99, critical: 90 } }).success).toBe(false);
    expect(systemThresholdsSchema.safeParse({ memory: { critical: 120 } }).success).toBe(false);
  });
});
