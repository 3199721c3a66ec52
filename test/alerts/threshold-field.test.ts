// After a threshold change that keeps the alert's identity, a firing alert's threshold field
// follows its rule as its message does.
import { expect, it } from 'vitest';
import { SECOND, setup } from './support.js';

it('a firing alert’s threshold field follows its rule like its message does', async () => {
  const s = setup();
  s.monitor.gauge({ name: 'queue_depth' }).set(70);
  await s.monitor.alerts.createRule({ id: 'deep', name: 'Deep queue', metric: 'queue_depth', aggregation: 'last', window: '1m', condition: 'gt', threshold: 10 });
  await s.at(15 * SECOND);
  await s.monitor.alerts.updateRule('deep', { threshold: 20 });
  await s.at(30 * SECOND);
  const [alert] = s.monitor.alerts.getActiveAlerts();
  expect(alert!.message).toBe('last of queue_depth = 70 (> 20 over 1m)');
  expect(alert!.threshold).toBe(20);
  await s.monitor.close();
});
