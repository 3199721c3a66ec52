/**
 * `unit` is the unit of a metric this process has not defined (docs/sla.md): for one it defines,
 * the definition's unit holds. `unit: 'seconds'` on a histogram defined in ms read 200 ms as
 * 200 s (every entry over 30 s, 0 % compliant); a unit that contradicts the definition is a
 * ValidationError naming `unit` (GET /sla: a 400 naming it).
 */
import { describe, expect, it } from 'vitest';
import { createMonitoringHandler, ValidationError } from '../../src/index.js';
import { setup } from '../timeline/helpers.js';

describe('slaReport({ metric, unit })', () => {
  it('refuses a unit that contradicts the metric\'s definition, naming unit', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'api_latency_ms', unit: 'ms' });
    for (let i = 0; i < 10; i++) h.observe(200);
    const error = await s.sla.report({ metric: 'api_latency_ms', unit: 'seconds' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['unit']);
    // The definition's own unit, given again, is fine.
    const same = await s.sla.report({ metric: 'api_latency_ms', unit: 'ms' });
    expect(same.stats.meanLatency).toBe(200);
    const response = await createMonitoringHandler(s.monitor)(new Request('http://localhost/sla?metric=api_latency_ms&unit=seconds'));
    expect(response.status).toBe(400);
    expect((await response.json()).error.issues.map((i: { path: string }) => i.path)).toEqual(['unit']);
    await s.monitor.close();
  });

  it('reads a metric defined without a unit in the unit given', async () => {
    const s = setup();
    s.monitor.histogram({ name: 'plain_latency' }).observe(2);
    const r = await s.sla.report({ metric: 'plain_latency', unit: 'seconds' });
    expect(r.stats.meanLatency).toBe(2_000);
    await s.monitor.close();
  });
});
