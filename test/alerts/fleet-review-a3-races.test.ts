// Review of instances cooperating on alerts: what a user does by hand on one instance while the
// evaluating instance is in the middle of a tick (between reading the store and writing to it).
import { describe, expect, it } from 'vitest';
import type { AlertQuery, AlertRecord } from '../../src/storage/records.js';
import { MINUTE, SECOND, T0 } from './support.js';
import { fleet } from './fleet-support.js';

/**
 * Runs `action` once, when the next query of one fingerprint's firing records reaches the store
 * (the evaluating instance's read before a repeat); `ran()` says whether it did, so that a test
 * whose race never happened fails instead of passing on the plain path.
 */
function onFingerprintRead(storage: { queryAlerts(q: AlertQuery): Promise<AlertRecord[]> }, action: () => Promise<unknown>): { ran: () => boolean } {
  const query = storage.queryAlerts.bind(storage);
  let armed = true;
  storage.queryAlerts = async (q: AlertQuery) => {
    if (armed && q.fingerprint !== undefined) {
      armed = false;
      const answer = await query(q);
      await action();
      return answer;
    }
    return query(q);
  };
  return { ran: () => !armed };
}

describe('a hand made change racing the evaluating instance’s tick', () => {
  it('a resolve by hand on another instance during a repeat is not undone, and is announced once', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    // a's tick at 5 m pulls (still firing), then reads the record before its repeat: b resolves it then.
    const race = onFingerprintRead(f.storage, () => b.s.monitor.alerts.resolve(alert!.id));
    await f.evaluate(5 * MINUTE, a);
    expect(race.ran()).toBe(true);
    a.cpu.set(50); b.cpu.set(50);
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 10 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
    expect(f.sent('resolved')).toHaveLength(1);
  });

  it('a resolve by hand during a repeat stands while the condition holds: the alert fires again under a new id', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    const race = onFingerprintRead(f.storage, () => b.s.monitor.alerts.resolve(alert!.id));
    await f.evaluate(5 * MINUTE, a);
    expect(race.ran()).toBe(true);
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 6 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    const stored = (await f.storage.queryAlerts({ fingerprint: alert!.fingerprint })) as AlertRecord[];
    expect(stored.find((r) => r.id === alert!.id)?.status).toBe('resolved');
    const firing = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    expect(firing).toHaveLength(1);
    expect(firing[0]!.id).not.toBe(alert!.id);
    expect(a.s.monitor.alerts.getActiveAlerts().map((r) => r.id)).toEqual([firing[0]!.id]);
    expect(b.s.monitor.alerts.getActiveAlerts().map((r) => r.id)).toEqual([firing[0]!.id]);
  });

  it('an acknowledgement made on another instance during a repeat is kept', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    // b acknowledges just after a read the record for its 5 m repeat (the repeat goes out: it was due).
    const race = onFingerprintRead(f.storage, () => b.s.monitor.alerts.acknowledge(alert!.id, 'bob'));
    await f.evaluate(5 * MINUTE, a);
    expect(race.ran()).toBe(true);
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 30 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    const [stored] = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    expect(stored).toMatchObject({ id: alert!.id, acknowledgedBy: 'bob' });
    // The first notification and the 5 m repeat (due when the acknowledgement came): none after.
    expect(f.sent('firing')).toHaveLength(2);
  });

  it('an acknowledgement racing the evaluating instance’s resolution stays in the resolved record', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    a.cpu.set(50); b.cpu.set(50);
    f.clock.set(f.clock.now() + MINUTE);
    // b reads the record (firing) to acknowledge it; a resolves it before b's write lands.
    const race = onFingerprintRead(f.storage, () => a.s.monitor.alerts.evaluate());
    await b.s.monitor.alerts.acknowledge(alert!.id, 'bob');
    expect(race.ran()).toBe(true);
    for (let t = MINUTE + 15 * SECOND; t <= 3 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    const stored = (await f.storage.queryAlerts({ fingerprint: alert!.fingerprint })) as AlertRecord[];
    expect(stored).toMatchObject([{ id: alert!.id, status: 'resolved', acknowledgedBy: 'bob' }]);
    expect(f.sent('resolved')).toHaveLength(1);
    expect(b.s.monitor.alerts.getActiveAlerts()).toEqual([]);
  });

  it('no repeat goes out for an alert resolved by hand after the evaluating instance read the store for its tick', async () => {
    const f = fleet({ cooldown: '5m' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [alert] = b.s.monitor.alerts.getActiveAlerts();
    // b resolves it just after a read the pending records at the start of its 5 m tick.
    const query = f.storage.queryAlerts.bind(f.storage);
    let armed = true;
    f.storage.queryAlerts = async (q: AlertQuery) => {
      const answer = await query(q);
      if (armed && q.status === 'pending' && q.fingerprint === undefined && f.clock.now() >= 5 * MINUTE + T0) {
        armed = false;
        await b.s.monitor.alerts.resolve(alert!.id);
      }
      return answer;
    };
    await f.evaluate(5 * MINUTE, a);
    expect(armed).toBe(false);
    a.cpu.set(50); b.cpu.set(50);
    for (let t = 5 * MINUTE + 15 * SECOND; t <= 10 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(f.sent('firing')).toHaveLength(1);
    expect(f.sent('resolved')).toHaveLength(1);
    expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
  });
});
