// Review of instances cooperating on alerts (issue 15, points 3-5): interleavings of two
// instances on one store where one instance's writes fail for a while.
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/storage/records.js';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('a retried alert save racing a resolution made elsewhere', () => {
  it('does not make an alert resolved by hand on another instance fire again', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    // a's repeat at 5 m is sent, but its save fails: the firing copy waits for a retry.
    const save = f.storage.saveAlert.bind(f.storage);
    f.storage.saveAlert = async () => {
      throw new Error('store is down');
    };
    await f.evaluate(5 * MINUTE, a);
    f.storage.saveAlert = save;
    // b resolves it by hand (one resolved message); the condition no longer holds.
    await b.s.monitor.alerts.resolve(alert!.id);
    a.cpu.set(50); b.cpu.set(50);
    await b.s.monitor.notifications.idle();
    expect(f.sent('resolved')).toHaveLength(1);
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 10 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
    const stored = (await f.storage.queryAlerts({ fingerprint: alert!.fingerprint })) as AlertRecord[];
    expect(stored.map((r) => r.status)).toEqual(['resolved']);
    expect(f.sent('resolved')).toHaveLength(1);
    expect(a.s.monitor.alerts.getActiveAlerts()).toEqual([]);
    expect(b.s.monitor.alerts.getActiveAlerts()).toEqual([]);
  });
});
