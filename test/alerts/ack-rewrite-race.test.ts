// A follower writes back an acknowledgement it made that the stored record lost (a write of the
// evaluating instance landed just after it). Two faults of that write-back (review R3):
// - the evaluating instance may resolve the alert between the follower's read and its write:
//   the follower's firing copy brought the resolved alert back, firing, in the store;
// - a store that drops the field made the follower write it at every tick, for good.
import { describe, expect, it } from 'vitest';
import type { AlertQuery, AlertRecord } from '../../src/storage/records.js';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('an acknowledgement written back by the instance that made it', () => {
  it('does not bring back an alert resolved between its read and its write', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    // a's racing write (a repeat's notifiedAt) dropped the acknowledgement.
    const [stored] = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    const { acknowledgedAt: _at, acknowledgedBy: _by, ...lost } = stored!;
    await f.storage.saveAlert(lost as AlertRecord);
    // a resolves the alert while b's tick is between its read of the store and its write.
    const query = f.storage.queryAlerts.bind(f.storage);
    let armed = false;
    f.storage.queryAlerts = async (q: AlertQuery) => {
      const answer = await query(q);
      if (armed && q.status === 'pending' && q.fingerprint === undefined) {
        armed = false;
        a.cpu.set(50);
        await a.s.monitor.alerts.evaluate();
      }
      return answer;
    };
    f.clock.set(f.clock.now() + 15 * SECOND);
    armed = true;
    await b.s.monitor.alerts.evaluate();
    expect(armed).toBe(false);
    const after = (await query({ fingerprint: alert!.fingerprint })) as AlertRecord[];
    expect(after.map((r) => [r.id, r.status])).toEqual([[alert!.id, 'resolved']]);
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('is written back a bounded number of times to a store that drops it', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    const save = f.storage.saveAlert.bind(f.storage);
    let saves = 0;
    f.storage.saveAlert = async (r: AlertRecord) => {
      saves++;
      const { acknowledgedAt: _at, acknowledgedBy: _by, ...rest } = r;
      return save(rest as AlertRecord);
    };
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    const before = saves;
    for (let t = 15 * SECOND; t <= 10 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    // Three write-backs, and the evaluating instance's repeats at 5 and 10 minutes (it never
    // sees an acknowledgement such a store drops); 42 saves before the bound.
    expect(saves - before).toBe(5);
  });
});
