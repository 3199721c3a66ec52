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
