/**
 * Seed 004 counts partial messages in its figures: totalMessages = completeMessages +
 * partialMessages (150 = 142 + 8 in its example), the distribution sums to that total, and its
 * compliance divides by completeMessages + partialMessages. A partial entry whose TTL ran out is
 * counted at what it took at least (from its earliest phase to when it was found expired, at
 * least the TTL); one whose last phase came without its first, at the span of the phases it has.
 * The SLA rules read the same histogram, so they see the figures the report shows.
 */
import { describe, expect, it } from 'vitest';
import { slaRules } from '../../src/alerts/packs-sla.js';
import { CHAT_PHASES, MINUTE, SECOND, setup, type Setup } from '../timeline/helpers.js';

const phases = [...CHAT_PHASES];

/** A `message` timeline (TTL 1 min) with `complete` entries of 1 s and `partial` ones that lost their delivery after 6 s of work. */
function feed(complete: number, partial: number): Setup {
  const s = setup();
  const chat = s.timelines.create('message', { phases, ttl: '1m' });
  const end = s.clock.now();
  for (let i = 0; i < complete; i++) {
    chat.mark(`c${i}`, 'queued', end - 1_000);
    chat.mark(`c${i}`, 'delivered', end);
  }
  for (let i = 0; i < partial; i++) {
    chat.mark(`p${i}`, 'queued', end - 6_000);
    chat.mark(`p${i}`, 'started', end - 5_000);
    chat.mark(`p${i}`, 'completed', end);
  }
  return s;
}

/** The value of the SLA pack's rule `name` on the monitor's data, or null when it holds. */
async function firing(s: Setup, name: string): Promise<number | null> {
  await s.monitor.alerts.createRule(slaRules().find((r) => r.name === name)!);
  await s.monitor.alerts.evaluate();
  return s.monitor.alerts.getActiveAlerts().find((a) => a.ruleName === name)?.value ?? null;
}

describe('partial entries in the SLA figures (seed 004)', () => {
  it('counts them in totalMessages, the distribution and the compliance denominator, an expired one at what it took at least', async () => {
    const s = feed(18, 2);
    await s.clock.advanceAsync(MINUTE + 5 * SECOND);
    const r = await s.sla.report({ timeline: 'message' });
    expect([r.totalMessages, r.completeMessages, r.partialMessages]).toEqual([20, 18, 2]);
    expect(r.totalMessages).toBe(r.completeMessages + r.partialMessages);
    // Opened at T0 (queued 6 s before), found expired by the sweep at T0 + 1 min: 66 s.
    expect(r.distribution).toEqual({ under1s: 18, under2s: 0, under5s: 0, over5s: 0, over10s: 0, over30s: 2 });
    expect(r.compliance).toEqual({ under: 5_000, target: 95, compliant: 18, percent: 90, met: false });
    expect(r.stats).toMatchObject({ minLatency: 1_000, maxLatency: 66_000, meanLatency: 7_500 });
    expect(r.recentSamples[0]).toMatchObject({ id: 'p1', complete: false, latency: 66_000 });
  });

  it('counts them alike from this process\'s samples (an id filter)', async () => {
    const s = feed(18, 2);
    await s.clock.advanceAsync(MINUTE + 5 * SECOND);
    const one = await s.sla.report({ timeline: 'message', id: 'p0' });
    expect(one.systemInfo.scope).toBe('samples');
    expect([one.totalMessages, one.completeMessages, one.partialMessages]).toEqual([1, 0, 1]);
    expect(one.distribution.over30s).toBe(1);
    expect(one.compliance).toMatchObject({ compliant: 0, percent: 0 });
  });

  it('counts an entry whose last phase came without its first at the span it has', async () => {
    const s = setup();
    const chat = s.timelines.create('message', { phases });
    const end = s.clock.now();
    chat.mark('m', 'started', end - 700);
    chat.mark('m', 'delivered', end);
    const r = await s.sla.report({ timeline: 'message' });
    expect([r.totalMessages, r.completeMessages, r.partialMessages]).toEqual([1, 0, 1]);
    expect(r.distribution.under1s).toBe(1);
    expect(r.stats.maxLatency).toBe(700);
  });

  it('the SLA compliance rule reads the percent the report shows, partial entries included', async () => {
    const s = feed(18, 2);
    await s.clock.advanceAsync(MINUTE + 5 * SECOND);
    expect((await s.sla.report({ timeline: 'message' })).compliance.percent).toBe(90);
    expect(await firing(s, 'SLA compliance')).toBe(90);
    // 19 complete and 1 partial: 95 % holds.
    const at = feed(19, 1);
    await at.clock.advanceAsync(MINUTE + 5 * SECOND);
    expect((await at.sla.report({ timeline: 'message' })).compliance.percent).toBe(95);
    expect(await firing(at, 'SLA compliance')).toBeNull();
  });

  it('the too-few-samples rule counts partial entries as the report\'s total does', async () => {
    const s = feed(3, 2);
    await s.clock.advanceAsync(MINUTE + 5 * SECOND);
    expect((await s.sla.report({ timeline: 'message' })).totalMessages).toBe(5);
    expect(await firing(s, 'Too few samples')).toBeNull();
    const few = feed(3, 1);
    await few.clock.advanceAsync(MINUTE + 5 * SECOND);
    expect(await firing(few, 'Too few samples')).toBe(4);
  });
});
