/**
 * A timeline's report counts complete and partial entries itself (total = complete + partial):
 * a `labels.status` filter would narrow the latencies to one status while the counts are read
 * apart, breaking that sum, so it is refused, naming the field. A metric's report takes it.
 */
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/index.js';
import { CHAT_PHASES, setup } from '../timeline/helpers.js';

describe('labels.status on an SLA report', () => {
  it('is refused for a timeline (named or the only one) with a ValidationError naming labels.status', async () => {
    const s = setup();
    const chat = s.timelines.create('chat', { phases: [...CHAT_PHASES], ttl: '1m' });
    const end = s.clock.now();
    chat.mark('c', 'queued', end - 1_000);
    chat.mark('c', 'delivered', end);
    chat.mark('p', 'completed', end - 300);
    chat.mark('p', 'delivered', end);
    for (const query of [{ timeline: 'chat', labels: { status: 'partial' } }, { labels: { status: 'complete' } }]) {
      const refused = s.sla.report(query);
      await expect(refused).rejects.toBeInstanceOf(ValidationError);
      await expect(refused).rejects.toMatchObject({ issues: [{ path: 'labels.status' }] });
    }
    const r = await s.sla.report({ timeline: 'chat' });
    expect([r.totalMessages, r.completeMessages, r.partialMessages]).toEqual([2, 1, 1]);
    // One status's latencies: the histogram read as a metric.
    const partial = await s.sla.report({ metric: 'chat_latency_ms', labels: { status: 'partial' } });
    expect([partial.totalMessages, partial.stats.maxLatency]).toEqual([1, 300]);
  });
});
