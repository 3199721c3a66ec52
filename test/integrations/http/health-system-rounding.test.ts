/**
 * /health/system's vitals grade strictly past their threshold (seed 002: CPU > 80 %) but show
 * one decimal: a CPU of 80.04 % warns with the message "CPU Usage: 80.0%", which reads as at the
 * threshold, not past it.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler } from '../../../src/index.js';
import { ManualClock } from '../../../src/testing.js';

describe('GET /health/system vitals near a threshold', () => {
  it('a CPU of 80.04 % that warns does not read 80.0 %', async () => {
    const monitor = createMonitor({ service: 'api', clock: new ManualClock(Date.UTC(2026, 0, 1)), logger: false });
    monitor.gauge({ name: 'system_cpu_usage_percent' }).set(80.04);
    const response = await createMonitoringHandler(monitor, { healthDetails: 'always' })(new Request('http://localhost/health/system'));
    const cpu = (await response.json()).checks.find((c: { name: string }) => c.name === 'CPU Usage');
    expect(cpu).toMatchObject({ status: 'warn', value: 80.04, threshold: 80 });
    expect(cpu.message).toBe('CPU Usage: 80.04%');
    await monitor.close();
  });
});
