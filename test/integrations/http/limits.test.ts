/**
 * A write that meets a configured bound answers 400 LIMIT_EXCEEDED naming the option, not a
 * bare 500 (the route turns the monitor's LimitError into an answer the client can act on).
 */
import { describe, expect, it } from 'vitest';
import { createMonitor, createMonitoringHandler } from 'pulsewatch';
import { ManualClock } from 'pulsewatch/testing';
import { closeAfterEach } from '../../helpers/closing.js';

const TOKEN = 'pw_limits_9f8e7d6c5b4a3210';
const closing = closeAfterEach();

describe('routes at a configured bound', () => {
  it('POST /alerts/rules past limits.maxRules (default 500) answers 400 LIMIT_EXCEEDED and creates nothing', async () => {
    const monitor = closing(createMonitor({ service: 'limits', clock: new ManualClock() }));
    const handler = createMonitoringHandler(monitor, { auth: TOKEN });
    const rule = (name: string) => ({ name, metricType: 'response_time', condition: 'greater_than' as const, threshold: 1000, duration: '5m' });
    for (let i = 0; i < 500; i++) await monitor.alerts.createRule(rule(`Rule ${i}`));
    const refused = await handler(
      new Request('http://localhost/alerts/rules', {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(rule('One too many')),
      }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxRules') } });
    expect(monitor.alerts.getRules()).toHaveLength(500);
  });
});
