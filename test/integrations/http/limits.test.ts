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
  it('POST /alerts/rules past limits.maxRules answers 400 LIMIT_EXCEEDED and creates nothing', async () => {
    const monitor = closing(createMonitor({ service: 'limits', clock: new ManualClock(), limits: { maxRules: 1 } }));
    const handler = createMonitoringHandler(monitor, { auth: TOKEN });
    const create = (name: string): Promise<Response> =>
      handler(
        new Request('http://localhost/alerts/rules', {
          method: 'POST',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name, metricType: 'response_time', condition: 'greater_than', threshold: 1000, duration: '5m' }),
        }),
      );
    expect((await create('First')).status).toBe(201);
    const refused = await create('Second');
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: { code: 'LIMIT_EXCEEDED', message: expect.stringContaining('maxRules') } });
    expect(monitor.alerts.getRules().map((r) => r.name)).toEqual(['First']);
  });
});
