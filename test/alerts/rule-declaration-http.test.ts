/**
 * POST /alerts/rules with an id another instance stored (and this one has not synced yet) is
 * the same 409 CONFLICT as an id this instance holds, and the stored rule stays as it was.
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler, MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { T0 } from './support.js';

const RULE = { id: 'checkout-latency', name: 'High Response Time', metric: 'http_request_duration_seconds', aggregation: 'p95', condition: 'gt', threshold: 1 } as const;

describe('POST /alerts/rules on a shared store', () => {
  it('answers 409 CONFLICT for an id another instance stored, and keeps its rule', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const a = createMonitor({ clock, storage });
    const b = createMonitor({ clock, storage, alerts: { syncInterval: '1h' } });
    const original = await a.alerts.createRule(RULE);
    const handler = createMonitoringHandler(b, { basePath: '/m', auth: 'pw_rules_5e7a9c1b3d' });
    const response = await handler(
      new Request('http://localhost/m/alerts/rules', { method: 'POST', headers: { authorization: 'Bearer pw_rules_5e7a9c1b3d', 'content-type': 'application/json' }, body: JSON.stringify({ ...RULE, threshold: 5 }) }),
    );
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({ error: { code: 'CONFLICT' } });
    expect(await storage.listRules()).toEqual([original]);
    await Promise.all([a.close(), b.close()]);
  });
});
