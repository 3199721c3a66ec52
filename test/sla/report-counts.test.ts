import { describe, expect, it } from 'vitest';
import { CHAT_PHASES, HOUR, setup } from '../timeline/helpers.js';

const phases = [...CHAT_PHASES];

describe('complete and partial counts when nothing matched', () => {
  it('a timeline created but never marked reports 0 complete, 0 partial and no complete rate (not NaN)', async () => {
    const s = setup();
    s.timelines.create('chat', { phases });
    const r = await s.sla.report({ timeline: 'chat' });
    expect(r.completeMessages).toBe(0);
    expect(r.partialMessages).toBe(0);
    expect(r.completeRate).toBeNull();
    expect(r.totalMessages).toBe(0);
  });

  it('a window past every entry counts 0, not NaN', async () => {
    const s = setup();
    const chat = s.timelines.create('chat', { phases });
    for (const p of phases) chat.mark('m', p);
    await s.clock.advanceAsync(3 * HOUR);
    const r = await s.sla.report({ timeline: 'chat', window: '1m' });
    expect([r.completeMessages, r.partialMessages, r.completeRate]).toEqual([0, 0, null]);
  });

  it('a timeline only another instance writes (none here) with a label filter matching nothing counts 0', async () => {
    const s = setup();
    const chat = s.timelines.create('chat', { phases });
    for (const p of phases) chat.mark('m', p);
    const r = await s.sla.report({ timeline: 'chat', labels: { region: 'nowhere' } });
    expect([r.completeMessages, r.partialMessages, r.completeRate, r.totalMessages]).toEqual([0, 0, null, 0]);
  });
});
