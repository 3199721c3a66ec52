/**
 * The first band under an objective below the first edge is named after 0 as a duration reads
 * (`over0s`), not `over0h` (edgeLabel took 0 for a whole number of hours).
 */
import { describe, expect, it } from 'vitest';
import { edgeLabel } from '../../src/sla/distribution.js';
import { setup } from '../timeline/helpers.js';

describe('band names', () => {
  it('names the first band over0s when its edge is above the objective', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'api_latency_ms', unit: 'ms' });
    for (const v of [100, 400, 700, 1_500]) h.observe(v);
    const r = await s.sla.report({ metric: 'api_latency_ms', objective: { under: '500ms' } });
    expect(r.distribution).toEqual({ over0s: 3, over1s: 1, over2s: 0, over5s: 0, over10s: 0, over30s: 0 });
    expect(r.buckets[0]).toEqual({ name: 'over0s', from: 0, to: 1_000, count: 3 });
    await s.monitor.close();
  });

  it('labels edges as seed 004 does', () => {
    expect([0, 500, 1_000, 1_500, 90_000, 120_000, 3_600_000].map(edgeLabel)).toEqual(['0s', '500ms', '1s', '1.5s', '90s', '2m', '1h']);
  });
});
