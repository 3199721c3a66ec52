// A record whose save failed is written again before the next evaluation (unsaved-records.test.ts).
// With instances sharing a store, another instance may have changed the stored record since:
// the retried copy, older, overwrote an acknowledgement made there, and the evaluating instance
// went on sending repeats for an acknowledged alert.
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/storage/records.js';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('a retried alert save in a fleet', () => {
  it('keeps an acknowledgement another instance stored while the save waited', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    expect(f.sent('firing')).toHaveLength(1);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    // a's repeat at 5 m is sent, but its save (notifiedAt) fails.
    const save = f.storage.saveAlert.bind(f.storage);
    f.storage.saveAlert = async () => {
      throw new Error('store is down');
    };
    await f.evaluate(5 * MINUTE, a);
    expect(f.sent('firing')).toHaveLength(2);
    f.storage.saveAlert = save;
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    // a writes its waiting copy at its next tick, then evaluates on.
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 30 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    const [stored] = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    expect(stored).toMatchObject({ id: alert!.id, acknowledgedBy: 'bob' });
    expect(stored!.notifiedAt).toBe(f.clock.now() - 25 * MINUTE);
    expect(f.sent('firing')).toHaveLength(2);
    expect(a.s.monitor.alerts.getActiveAlerts()).toMatchObject([{ id: alert!.id, acknowledgedBy: 'bob' }]);
  });
});
