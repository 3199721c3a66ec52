// Review of instances cooperating on alerts: a takeover after the rule changed on the instance
// that takes over, before the instance that evaluated read the change.
import { describe, expect, it } from 'vitest';
import type { AlertRecord } from '../../src/storage/records.js';
import { MINUTE, SECOND } from './support.js';
import { fleet } from './fleet-support.js';

describe('a takeover after a rule change', () => {
  it('resolves what the old alert identity had firing and fires under the new one', async () => {
    const f = fleet();
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a, b);
    const [old] = b.s.monitor.alerts.getActiveAlerts();
    expect(old).toMatchObject({ severity: 'critical' });
    // b changes the rule's severity (its alert identity); a stops before it reads the change.
    await b.s.monitor.alerts.updateRule('cpu-high', { severity: 'warning' });
    await a.s.monitor.close();
    for (let t = 15 * SECOND; t <= 2 * MINUTE; t += 15 * SECOND) await f.evaluate(t, b);
    const stored = (await f.storage.queryAlerts({ status: 'firing' })) as AlertRecord[];
    expect(stored.map((r) => r.severity)).toEqual(['warning']);
    expect(b.s.monitor.alerts.getActiveAlerts().map((r) => r.severity)).toEqual(['warning']);
    expect(f.sent('resolved')).toHaveLength(1);
  });
});

describe('a rule deleted or disabled on an instance that has not read the evaluating one’s pending alert', () => {
  for (const how of ['deleted', 'disabled'] as const) {
    it(`${how}: the evaluating instance does not fire it before its next rule sync`, async () => {
      const f = fleet({ duration: '15s' });
      const a = await f.start();
      const b = await f.start();
      await f.evaluate(0, a);              // a: pending (stored); b has not read it
      f.clock.set(f.clock.now() + 4 * SECOND);
      if (how === 'deleted') await b.s.monitor.alerts.deleteRule('cpu-high');
      else await b.s.monitor.alerts.updateRule('cpu-high', { enabled: false });
      for (let t = 15 * SECOND; t <= 2 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
      expect(f.sent('firing')).toEqual([]);
      expect(f.sent('resolved')).toEqual([]);
      expect(await f.storage.queryAlerts({ status: 'pending' })).toEqual([]);
      expect(await f.storage.queryAlerts({ status: 'firing' })).toEqual([]);
      expect(a.s.monitor.alerts.getPendingAlerts()).toEqual([]);
    });
  }

  it('a new alert identity (severity): no alert fires under the old one', async () => {
    const f = fleet({ duration: '15s' });
    const a = await f.start();
    const b = await f.start();
    await f.evaluate(0, a);
    f.clock.set(f.clock.now() + 4 * SECOND);
    await b.s.monitor.alerts.updateRule('cpu-high', { severity: 'warning' });
    for (let t = 15 * SECOND; t <= 2 * MINUTE; t += 15 * SECOND) await f.evaluate(t, a, b);
    expect(f.sent('resolved')).toEqual([]);
    expect(f.sent('firing').map((n) => n.alert.severity)).toEqual(['warning']);
  });
});
