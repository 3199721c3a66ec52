// Review of instances cooperating on alerts: manual alerts (triggerAlert) raised and resolved
// on different instances.
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/storage/records.js';
import { SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('a manual alert across instances', () => {
  it('triggered again on one instance after another resolved it, starts a new alert', async () => {
    const f = fleet();
    const a = await f.start(50);
    const b = await f.start(50);
    const first = await a.s.monitor.alerts.triggerAlert({ name: 'Deploy stuck', message: 'stuck', severity: 'warning', cooldown: '1s' });
    await f.evaluate(15 * SECOND, a, b);
    await b.s.monitor.alerts.resolve(first.id);
    // a has not read the store since: it still holds the alert firing.
    f.clock.set(f.clock.now() + 2 * SECOND);
    const again = await a.s.monitor.alerts.triggerAlert({ name: 'Deploy stuck', message: 'stuck again', severity: 'warning', cooldown: '1s' });
    expect(again.id).not.toBe(first.id);
    for (let t = 30 * SECOND; t <= 90 * SECOND; t += 15 * SECOND) await f.evaluate(t, a, b);
    const firing = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    expect(firing.map((r) => r.id)).toEqual([again.id]);
    expect(a.s.monitor.alerts.getActiveAlerts().map((r) => r.id)).toEqual([again.id]);
    expect(b.s.monitor.alerts.getActiveAlerts().map((r) => r.id)).toEqual([again.id]);
  });
});
