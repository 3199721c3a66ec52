import { describe, expect, it } from 'vitest';
import { slaRules } from '../../src/alerts/packs-sla.js';
import { alertRuleSchema } from '../../src/alerts/rule-schema.js';
import { CHAT_PHASES, HOUR, MINUTE, SECOND, setup, type Setup } from '../timeline/helpers.js';

/** A monitor with one rule of the SLA pack, and a `message` timeline to feed it. */
function withRule(name: string): Setup & { deliver(latency: number, n?: number): void; lose(n: number): void; firing(): Promise<number | null> } {
  const s = setup();
  const timeline = s.timelines.create('message', { phases: [...CHAT_PHASES], ttl: '1m' });
  let next = 0;
  return {
    ...s,
    deliver(latency, n = 1) {
      for (let i = 0; i < n; i++) {
        const id = `m${next++}`;
        const end = s.clock.now();
        timeline.mark(id, 'queued', end - latency);
        timeline.mark(id, 'delivered', end);
      }
    },
    lose(n) {
      for (let i = 0; i < n; i++) timeline.mark(`lost${next++}`, 'queued');
    },
    async firing() {
      const rule = slaRules().find((r) => r.name === name)!;
      await s.monitor.alerts.createRule(rule);
      await s.monitor.alerts.evaluate();
      const alert = s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === name);
      return alert === undefined ? null : alert.value;
    },
  };
}

describe('rulePacks.sla (seed 004)', () => {
  it('is seven valid rules on the timeline\'s metrics, message by default', () => {
    const rules = slaRules();
    expect(rules.map((r) => r.name)).toEqual(['SLA compliance', 'Message over 30s', 'Complete rate low', 'Mean latency high', 'P95 latency high', 'Too few samples', 'Latency trend']);
    for (const rule of rules) expect(alertRuleSchema.safeParse(rule).success, rule.name).toBe(true);
    expect(new Set(rules.map((r) => r.metric))).toEqual(new Set(['message_latency_ms', 'message_entries_total']));
    const chat = slaRules({ timeline: 'chat', target: 2_000, minSamples: 20, window: '30m', channels: ['ops'] });
    expect(chat.find((r) => r.name === 'Complete rate low')).toMatchObject({ metric: 'chat_entries_total', window: '30m', channels: ['ops'] });
    expect(chat.find((r) => r.name === 'SLA compliance')).toMatchObject({ metric: 'chat_latency_ms', aggregation: { type: 'compliance', under: 2_000 } });
    expect(chat.find((r) => r.name === 'Too few samples')!.threshold).toBe(20);
  });

  it('creates all seven in a monitor', async () => {
    const s = setup();
    const created = await s.monitor.alerts.createRules(slaRules());
    expect(created).toHaveLength(7);
  });

  describe('each rule fires past its threshold and not at it', () => {
    it('SLA compliance: 95 % under 5 s holds, 94 % fires (critical)', async () => {
      const at = withRule('SLA compliance');
      at.deliver(5_000, 95);
      at.deliver(6_000, 5);
      expect(await at.firing()).toBeNull();
      const under = withRule('SLA compliance');
      under.deliver(1_000, 94);
      under.deliver(6_000, 6);
      expect(await under.firing()).toBe(94);
      expect(under.monitor.alerts.getActiveAlerts()[0]).toMatchObject({ severity: 'critical', type: 'sla' });
    });

    it('Message over 30s: 30 s holds, 30.001 s fires', async () => {
      const at = withRule('Message over 30s');
      at.deliver(30_000);
      expect(await at.firing()).toBeNull();
      const over = withRule('Message over 30s');
      over.deliver(30_001);
      expect(await over.firing()).toBe(30_001);
    });

    it('Complete rate low: 80 % complete holds, 79 % fires', async () => {
      const at = withRule('Complete rate low');
      at.deliver(1_000, 80);
      at.lose(20);
      await at.clock.advanceAsync(MINUTE + 5 * SECOND);
      expect(await at.firing()).toBeNull();
      const under = withRule('Complete rate low');
      under.deliver(1_000, 79);
      under.lose(21);
      await under.clock.advanceAsync(MINUTE + 5 * SECOND);
      expect(await under.firing()).toBe(21);
    });

    it('Mean latency high: a 2 s mean holds, 2.001 s fires', async () => {
      const at = withRule('Mean latency high');
      at.deliver(2_000, 10);
      expect(await at.firing()).toBeNull();
      const over = withRule('Mean latency high');
      over.deliver(2_001, 10);
      expect(await over.firing()).toBe(2_001);
    });

    it('P95 latency high: p95 at 5 s holds, above fires', async () => {
      const at = withRule('P95 latency high');
      at.deliver(5_000, 95);
      at.deliver(9_000, 5);
      expect(await at.firing()).toBeNull();
      const over = withRule('P95 latency high');
      over.deliver(5_000, 94);
      over.deliver(9_000, 6);
      expect(await over.firing()).toBe(9_000);
    });

    it('Too few samples: 5 samples hold, 4 fire (info)', async () => {
      const enough = withRule('Too few samples');
      enough.deliver(1_000, 5);
      expect(await enough.firing()).toBeNull();
      const few = withRule('Too few samples');
      few.deliver(1_000, 4);
      expect(await few.firing()).toBe(4);
      expect(few.monitor.alerts.getActiveAlerts()[0]!.severity).toBe('info');
    });

    it('Latency trend: a mean 40 % above the hour before holds, 60 % fires', async () => {
      const run = async (after: number): Promise<number | null> => {
        const t = withRule('Latency trend');
        t.deliver(1_000, 10);
        await t.clock.advanceAsync(HOUR + MINUTE);
        t.deliver(after, 10);
        return t.firing();
      };
      expect(await run(1_400)).toBeNull();
      expect(await run(1_600)).toBe(60);
    });
  });
});
