// Review of instances cooperating on alerts with clocks a few seconds apart (NTP-grade skew,
// well within one evaluation interval): a takeover keeps one notification per cooldown.
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { CPU_RULE } from './fleet-support.js';
import { MINUTE, SECOND, T0, recordingNotifier, setup } from './support.js';

async function skewedPair(skewMs: number) {
  const clockA = new ManualClock(T0);
  const clockB = new ManualClock(T0 + skewMs);
  const storage = new MemoryStorage({ now: () => clockA.now() });
  const make = async (clock: ManualClock) => {
    const slack = recordingNotifier('slack');
    const s = setup({ storage, notifiers: [slack], alerts: { evaluationInterval: '15s' } }, clock);
    s.monitor.gauge({ name: 'cpu_usage_percent' }).set(95);
    await s.monitor.alerts.ensureRule({ ...CPU_RULE, cooldown: '5m' });
    return { s, slack, clock };
  };
  const a = await make(clockA);
  const b = await make(clockB);
  /** Real time T0 + offset; each instance evaluates at its own clock's reading. */
  const at = async (offset: number, ...who: (typeof a)[]) => {
    clockA.set(T0 + offset);
    clockB.set(T0 + offset + skewMs);
    for (const x of who) await x.s.monitor.alerts.evaluate();
    for (const x of who) await x.s.monitor.notifications.idle();
  };
  return { a, b, at, storage };
}

describe('clocks a few seconds apart', () => {
  for (const skew of [4 * SECOND, -4 * SECOND]) {
    it(`a takeover by an instance ${skew > 0 ? 'ahead' : 'behind'} by 4 s repeats once per cooldown`, async () => {
      const { a, b, at } = await skewedPair(skew);
      await at(0, a, b);
      expect(a.slack.with('firing')).toHaveLength(1);
      // a stops at 1 m; b takes over and carries the alert on.
      for (let t = 15 * SECOND; t <= MINUTE; t += 15 * SECOND) await at(t, a, b);
      await a.s.monitor.close();
      for (let t = MINUTE + 15 * SECOND; t <= 11 * MINUTE; t += 15 * SECOND) await at(t, b);
      const sent = [...a.slack.with('firing'), ...b.slack.with('firing')];
      // The first at 0, repeats at about 5 m and 10 m.
      expect(sent).toHaveLength(3);
      expect(b.s.monitor.alerts.getActiveAlerts()).toHaveLength(1);
      await b.s.monitor.close();
    });
  }
});
