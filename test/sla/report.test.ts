import { describe, expect, it } from 'vitest';
import { MemoryStorage, ValidationError } from '../../src/index.js';
import { ManualClock } from '../../src/testing.js';
import { CHAT_PHASES, HOUR, MINUTE, SECOND, T0, setup, type Setup } from '../timeline/helpers.js';

const phases = [...CHAT_PHASES];

/** Marks entry `id` through every phase: 100 ms queued, then `work` ms, then 50 ms to delivery; `latency` = work + 150. */
function deliver(s: Setup, id: string, latency: number): void {
  const chat = s.timelines.get('chat') ?? s.timelines.create('chat', { phases });
  const end = s.clock.now();
  const start = end - latency;
  chat.mark(id, 'queued', start);
  chat.mark(id, 'started', start + 100);
  chat.mark(id, 'completed', end - 50);
  chat.mark(id, 'delivered', end);
}

describe('distribution', () => {
  it('puts a sample exactly at an edge in the band that edge closes (5 s is under5s and compliant); 5001 ms is over5s', async () => {
    const s = setup();
    const latencies = [1_000, 1_001, 2_000, 5_000, 5_001, 10_000, 30_000, 30_001];
    latencies.forEach((ms, i) => deliver(s, `m${i}`, ms));
    const r = await s.sla.report({ timeline: 'chat' });
    expect(r.distribution).toEqual({ under1s: 1, under2s: 2, under5s: 1, over5s: 2, over10s: 1, over30s: 1 });
    expect(Object.values(r.distribution).reduce((a, b) => a + b, 0)).toBe(r.totalMessages);
    expect(r.totalMessages).toBe(8);
    expect(r.compliance).toEqual({ under: 5_000, target: 95, compliant: 4, percent: 50, met: false });
    expect(r.buckets[2]).toEqual({ name: 'under5s', from: 2_000, to: 5_000, count: 1 });
    expect(r.buckets[5]).toEqual({ name: 'over30s', from: 30_000, to: null, count: 1 });
  });

  it('keeps 5 s in under5s when read back from stored rollups (HDR buckets), and sums to the total', async () => {
    const s = setup();
    deliver(s, 'at', 5_000);
    deliver(s, 'above', 5_010);
    deliver(s, 'below', 4_990);
    // Past the 11 slots kept in memory: the window is read from the store.
    await s.clock.advanceAsync(20 * MINUTE);
    expect(s.monitor.bufferedRollups).toBe(0);
    const r = await s.sla.report({ timeline: 'chat' });
    expect(r.distribution).toMatchObject({ under5s: 2, over5s: 1 });
    expect(r.compliance.compliant).toBe(2);
    expect(r.totalMessages).toBe(3);
  });

  it('names bands after custom edges and the objective, as seed 004 does', async () => {
    const s = setup();
    deliver(s, 'a', 400);
    deliver(s, 'b', 900);
    deliver(s, 'c', 1_500);
    const r = await s.sla.report({ timeline: 'chat', buckets: ['500ms', '1s', 90_000], objective: { under: '1s', percent: 50 } });
    expect(r.distribution).toEqual({ under500ms: 1, under1s: 1, over1s: 1, over90s: 0 });
    expect(r.compliance).toMatchObject({ compliant: 2, percent: 66.67, met: true });
  });
});

describe('the analysis of a timeline', () => {
  it('gives seed 004\'s stats, phase breakdown and complete and partial counts', async () => {
    const s = setup();
    const chat = s.timelines.create('chat', { phases, ttl: '30m' });
    for (let i = 1; i <= 100; i++) deliver(s, `m${i}`, (i + 2) * 100);
    // Two messages queued and started 200 ms later, never completed: partial at their TTL.
    for (const id of ['lost-1', 'lost-2']) {
      chat.mark(id, 'queued', T0 - 200);
      chat.mark(id, 'started', T0);
    }
    await s.clock.advanceAsync(30 * MINUTE + SECOND);
    const r = await s.sla.report({ timeline: 'chat' });
    // Seed 004's figures count complete and partial messages alike, a partial one whose TTL ran out
    // at what it took at least: from its queueing (T0 - 200 ms) to the sweep that found it expired
    // (T0 + 30 min). 102 latencies, 300 ms to 10.2 s and twice 30 min 200 ms.
    expect([r.totalMessages, r.completeMessages, r.partialMessages, r.completeRate]).toEqual([102, 100, 2, 98.04]);
    expect(r.stats).toEqual({ meanLatency: 40_445.1, medianLatency: 5_300, p95Latency: 9_900, p99Latency: 1_800_200, minLatency: 300, maxLatency: 1_800_200 });
    expect(r.distribution).toEqual({ under1s: 8, under2s: 10, under5s: 30, over5s: 50, over10s: 2, over30s: 2 });
    expect(r.compliance).toEqual({ under: 5_000, target: 95, compliant: 48, percent: 47.06, met: false });
    expect(r.phaseBreakdown).toEqual({ queued_to_started: 102, started_to_completed: 5_100, completed_to_delivered: 50 });
    expect(r.systemInfo).toMatchObject({ enabled: true, scope: 'fleet', sampleWindow: 'Last 1h (TTL: 1800s)', unit: 'ms', openEntries: 0, retainedSamples: 100 });
    expect(r.recentSamples).toHaveLength(100);
    expect(r.recentSamples[0]).toMatchObject({ id: 'lost-2', complete: false, latency: 1_800_200 });
    expect(r.recentSamples[2]).toEqual({ id: 'm100', finishedAt: new Date(T0).toISOString(), complete: true, latency: 10_200, phases: { queued_to_started: 100, started_to_completed: 10_050, completed_to_delivered: 50 } });
  });

  it('counts only what finished within the window', async () => {
    const s = setup();
    deliver(s, 'old', 1_000);
    await s.clock.advanceAsync(2 * HOUR);
    deliver(s, 'new', 2_000);
    const r = await s.sla.report({ timeline: 'chat', window: '1h' });
    expect([r.totalMessages, r.completeMessages]).toEqual([1, 1]);
    expect(r.recentSamples.map((x) => x.id)).toEqual(['new']);
  });

  it('returns `limit` recent samples', async () => {
    const s = setup();
    for (let i = 0; i < 10; i++) deliver(s, `m${i}`, 1_000);
    expect((await s.sla.report({ timeline: 'chat', limit: 3 })).recentSamples.map((x) => x.id)).toEqual(['m9', 'm8', 'm7']);
    expect((await s.sla.report({ timeline: 'chat', limit: 0 })).recentSamples).toEqual([]);
  });

  it('filters by id (seed 004\'s conversationId) from this process\'s samples: the id itself or ids starting with it and ":"', async () => {
    const s = setup();
    deliver(s, 'c1:a', 1_000);
    deliver(s, 'c1:b', 3_000);
    deliver(s, 'c1', 6_000);
    deliver(s, 'c10:a', 9_000);
    const r = await s.sla.report({ timeline: 'chat', id: 'c1' });
    expect(r.systemInfo.scope).toBe('samples');
    expect(r.totalMessages).toBe(3);
    expect(r.stats.maxLatency).toBe(6_000);
    expect(r.recentSamples.map((x) => x.id)).toEqual(['c1', 'c1:b', 'c1:a']);
    expect(r.phaseBreakdown.queued_to_started).toBe(100);
  });

  it('reports on the only timeline when none is named, and refuses to guess between several', async () => {
    const s = setup();
    deliver(s, 'm', 1_000);
    expect((await s.sla.report({})).name).toBe('chat');
    s.timelines.create('orders', { phases: ['placed', 'shipped'] });
    await expect(s.sla.report({})).rejects.toMatchObject({ issues: [{ path: 'timeline' }] });
  });

  it('reads a timeline other instances write: fleet-wide through the store', async () => {
    const clock = new ManualClock(T0);
    const storage = new MemoryStorage({ now: () => clock.now() });
    const writer = setup({ storage, instanceId: 'writer' }, clock);
    const reader = setup({ storage, instanceId: 'reader' }, clock);
    deliver(writer, 'm1', 900);
    deliver(writer, 'm2', 7_000);
    // Queued, started 300 ms later, never completed: partial at its TTL, at 1 h 300 ms (from its
    // queueing to the sweep that found it expired).
    writer.timelines.get('chat')!.mark('lost', 'queued', T0 - 300);
    writer.timelines.get('chat')!.mark('lost', 'started', T0);
    await clock.advanceAsync(HOUR + MINUTE);
    await writer.monitor.flush();
    const r = await reader.sla.report({ timeline: 'chat', window: '2h' });
    expect([r.totalMessages, r.completeMessages, r.partialMessages]).toEqual([3, 2, 1]);
    expect(r.distribution).toMatchObject({ under1s: 1, over5s: 1, over30s: 1 });
    expect(r.compliance).toMatchObject({ compliant: 1, percent: 33.33 });
    expect(r.phaseBreakdown.queued_to_started).toBe(166.7); // 100, 100 and the partial entry's 300
    // The reader defines no timeline: its samples are its own (none).
    expect(r.systemInfo).toMatchObject({ enabled: true, retainedSamples: 0 });
    expect(r.recentSamples).toEqual([]);
  });
});

describe('the analysis of a latency metric', () => {
  it('reads a histogram in seconds as ms', async () => {
    const s = setup();
    const h = s.monitor.histogram({ name: 'http_request_duration_seconds', unit: 'seconds', labelNames: ['route'] });
    for (const v of [0.2, 0.8, 4, 6]) h.observe(v, { route: '/a' });
    h.observe(40, { route: '/b' });
    const r = await s.sla.report({ metric: 'http_request_duration_seconds', labels: { route: '/a' } });
    expect(r).toMatchObject({ source: 'metric', totalMessages: 4, completeMessages: 4, partialMessages: 0, phaseBreakdown: {}, recentSamples: [] });
    expect(r.distribution).toEqual({ under1s: 2, under2s: 0, under5s: 1, over5s: 1, over10s: 0, over30s: 0 });
    expect(r.stats.maxLatency).toBe(6_000);
  });

  it('says enabled: false and gives nulls for a metric without data', async () => {
    const s = setup();
    const r = await s.sla.report({ metric: 'nothing_ms' });
    expect(r.systemInfo.enabled).toBe(false);
    expect(r.stats.meanLatency).toBeNull();
    expect(r.compliance).toMatchObject({ percent: null, met: null });
    expect(r.completeRate).toBeNull();
  });
});

describe('query validation', () => {
  it.each([
    [{ timeline: 'chat', metric: 'x' }, 'metric'],
    [{ metric: 'x', id: 'c1' }, 'id'],
    [{ timeline: 'chat', limit: 5_000 }, 'limit'],
    [{ timeline: 'chat', limit: 1.5 }, 'limit'],
    [{ timeline: 'chat', window: 'soon' }, 'window'],
    [{ timeline: 'chat', objective: { under: 0 } }, 'objective.under'],
    [{ timeline: 'chat', objective: { percent: 101 } }, 'objective.percent'],
    [{ timeline: 'chat', buckets: [5_000, 1_000] }, 'buckets'],
    [{ timeline: 'chat', labels: JSON.parse('{"__proto__": "x"}') }, 'labels.__proto__'],
    [{ timeline: 'chat', bogus: 1 }, ''],
  ])('refuses %j with a ValidationError naming %s', async (query, path) => {
    const s = setup();
    const error = await s.sla.report(query as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path)).toContain(path);
  });
});
