// A firing alert's generated summary follows its message and value: it kept the value it fired
// with while `message` and `value` moved on (the seed-000 example's /api/metrics showed
// "… = 72.73" in the summary beside "… = 50" in the message).
import { describe, expect, it } from 'vitest';
import { SECOND, setup } from './support.js';

describe('a firing alert’s summary', () => {
  it('follows the value each evaluation reads; a summary the rule sets itself stays', async () => {
    const s = setup();
    const gauge = s.monitor.gauge({ name: 'queue_depth' });
    await s.monitor.alerts.createRule({ name: 'Deep queue', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 10 });
    await s.monitor.alerts.createRule({ name: 'Deep queue (fixed)', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 10, annotations: { summary: 'the queue is deep' } });
    gauge.set(70);
    await s.at(15 * SECOND);
    gauge.set(50);
    await s.at(30 * SECOND);
    const [generated, fixed] = ['Deep queue', 'Deep queue (fixed)'].map((n) => s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === n)!);
    expect(generated!.value).toBe(50);
    expect(generated!.message).toContain('= 50');
    expect(generated!.annotations.summary).toBe(`Deep queue: ${generated!.message}`);
    expect(fixed!.value).toBe(50);
    expect(fixed!.annotations.summary).toBe('the queue is deep');
    await s.monitor.close();
  });

  it('follows a manual alert triggered again with a new message', async () => {
    const s = setup();
    await s.monitor.alerts.triggerAlert({ name: 'Disk', message: 'disk 91 %', value: 91 });
    await s.monitor.alerts.triggerAlert({ name: 'Disk', message: 'disk 97 %', value: 97 });
    const [alert] = s.monitor.alerts.getActiveAlerts();
    expect(alert).toMatchObject({ message: 'disk 97 %', value: 97, annotations: { summary: 'Disk: disk 97 %' } });
    await s.monitor.close();
  });
});
