/**
 * An entry whose TTL ran out took at least the TTL: it is counted at that (from its earliest
 * marked phase to when it was found expired), not at the span of the few phases it has. A
 * delivery outage, messages queued and picked up but never delivered, must read as what it is:
 * every message late, the compliance at 0 and the SLA rules on latency firing.
 */
import { describe, expect, it } from 'vitest';
import { slaRules } from '../../src/alerts/packs-sla.js';
import { CHAT_PHASES, MINUTE, SECOND, T0, setup } from '../timeline/helpers.js';

const phases = [...CHAT_PHASES];

describe('an outage (entries that never finish)', () => {
  it('counts expired entries at least at the TTL: top band, non-compliant, and the latency rules fire', async () => {
    const s = setup();
    const chat = s.timelines.create('message', { phases, ttl: '10m' });
    // 100 messages queued, half of them picked up 500 ms later; none delivered.
    for (let i = 0; i < 100; i++) {
      chat.mark(`c:${i}`, 'queued');
      if (i % 2 === 1) chat.mark(`c:${i}`, 'started', T0 + 500);
    }
    await s.clock.advanceAsync(11 * MINUTE);
    const r = await s.sla.report({ timeline: 'message', window: '1h' });
    expect([r.totalMessages, r.completeMessages, r.partialMessages]).toEqual([100, 0, 100]);
    expect(r.distribution).toEqual({ under1s: 0, under2s: 0, under5s: 0, over5s: 0, over10s: 0, over30s: 100 });
    expect(r.compliance).toMatchObject({ compliant: 0, percent: 0, met: false });
    // Found expired by the sweep at 10 min (the sweep timer's tick): 10 min after their queueing.
    expect(r.stats).toMatchObject({ minLatency: 10 * MINUTE, maxLatency: 10 * MINUTE, meanLatency: 10 * MINUTE });
    expect(r.recentSamples[0]).toMatchObject({ complete: false, latency: 10 * MINUTE });
    await s.monitor.alerts.createRules(slaRules({ timeline: 'message' }));
    await s.monitor.alerts.evaluate();
    const firing = s.monitor.alerts.getActiveAlerts().map((a) => a.ruleName).sort();
    expect(firing).toEqual(['Complete rate low', 'Mean latency high', 'Message over 30s', 'P95 latency high', 'SLA compliance']);
  });

  it('counts an expired entry from its earliest marked phase to when it was found expired, at least the TTL', async () => {
    const s = setup();
    const chat = s.timelines.create('message', { phases, ttl: '1m' });
    // Queued 40 s before this process saw it (its time carried with it): the TTL runs from here.
    chat.mark('carried', 'queued', T0 - 40 * SECOND);
    // Marked a little ahead of the clock (within maxClockSkew): it has been open less than the
    // TTL by its own time when found expired, and still counts at the TTL.
    chat.mark('ahead', 'queued', T0 + 2 * SECOND);
    s.clock.advance(MINUTE);
    s.timelines.sweep();
    const latency = Object.fromEntries(chat.recent().map((x) => [x.id, x.latency]));
    expect(latency).toEqual({ carried: MINUTE + 40 * SECOND, ahead: MINUTE });
    const partial = await s.monitor.getAggregatedMetrics({ name: 'message_latency_ms', labels: { status: 'partial' } });
    expect([partial.count, partial.sum]).toEqual([2, 2 * MINUTE + 40 * SECOND]);
  });

  it('keeps the span of its phases for an entry whose last phase came without its first (not expired)', async () => {
    const s = setup();
    const chat = s.timelines.create('message', { phases, ttl: '1m' });
    chat.mark('m', 'completed', T0 - 300);
    chat.mark('m', 'delivered', T0);
    expect(chat.recent()[0]).toMatchObject({ complete: false, latency: 300 });
    const r = await s.sla.report({ timeline: 'message' });
    expect(r.distribution.under1s).toBe(1);
  });
});
