/**
 * Samples are the slots of finished entries, held by the sample ring rather than copied (see
 * SampleRing): a held slot must not be reused by a new entry while its sample is kept, evicted
 * and expired entries must not disturb samples, and the slots stay bounded by maxOpen + maxSamples.
 */
import { describe, expect, it } from 'vitest';
import { CHAT_PHASES, SECOND, setup, T0 } from './helpers.js';

const phases = [...CHAT_PHASES];

describe('samples held in their slots', () => {
  it('keep their id, times, finish time and latency while later entries open, finish, expire and are evicted', async () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 3, maxSamples: 2, ttl: '1m' });
    for (let i = 0; i < 5; i++) phases.forEach((p, k) => chat.mark(`m${i}`, p, T0 + i * 10 + k));
    const kept = [
      { id: 'm4', complete: true, latency: 3, times: Float64Array.from([40, 41, 42, 43], (t) => T0 + t) },
      { id: 'm3', complete: true, latency: 3, times: Float64Array.from([30, 31, 32, 33], (t) => T0 + t) },
    ];
    expect(chat.recent()).toMatchObject(kept);
    // New entries take free slots only: 3 open (one evicted on the way), none touches a sample.
    for (let i = 0; i < 4; i++) chat.mark(`o${i}`, 'queued');
    expect(chat.counts()).toMatchObject({ open: 3, dropped: 1 });
    expect(chat.recent()).toMatchObject(kept);
    // Their TTL runs out: each becomes the newest sample, pushing the oldest out.
    await clock.advance(61 * SECOND);
    timelines.sweep();
    const recent = chat.recent();
    expect(recent.map((s) => [s.id, s.complete])).toEqual([['o3', false], ['o2', false]]);
    // The sweep timer (every 5 s) found them expired at 60 s: what they took at least.
    expect(recent[0]!.latency).toBe(60 * SECOND);
    expect(Number.isNaN(recent[0]!.times[1]!)).toBe(true);
    // The slots freed by the pushed-out samples are reused, and the samples stay intact.
    phases.forEach((p) => chat.mark('n', p));
    expect(chat.recent().map((s) => s.id)).toEqual(['n', 'o3']);
    expect(chat.retainedSamples).toBe(2);
  });

  it('maxSamples 0 keeps none and frees each slot at once', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 10, maxSamples: 0 });
    for (let i = 0; i < 3_000; i++) for (const p of phases) expect(chat.mark(`m${i}`, p)).toBe(true);
    expect(chat.recent()).toEqual([]);
    const table = (chat as unknown as { entries: { times: Float64Array } }).entries;
    expect(table.times.length).toBe(10 * phases.length);
  });

  it('slots stay within maxOpen + maxSamples under churn with every entry finishing', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 50, maxSamples: 30 });
    // 50 open at a time, finishing in opening order: 50 open + 30 held samples.
    for (let i = 0; i < 2_000; i++) {
      chat.mark(`m${i}`, 'queued');
      if (i >= 49) for (const p of phases.slice(1)) chat.mark(`m${i - 49}`, p);
    }
    expect(chat.counts()).toMatchObject({ complete: 1_951, dropped: 0 });
    const table = (chat as unknown as { entries: { times: Float64Array } }).entries;
    expect(table.times.length).toBe(80 * phases.length);
    expect(chat.recent().map((s) => s.id).slice(0, 2)).toEqual(['m1950', 'm1949']);
  });
});
