/**
 * A mark given its `at` judges "now" by the timeline's last reading of the clock, which may be
 * behind it (the sweep timer refreshes it every 5 s; `clock.set` here moves time without firing
 * it, as a stalled or closed monitor would). No decision that needs the clock may be taken on a
 * late reading: an entry must not complete after its TTL ran out, an `at` older than the TTL must
 * not open an entry, a reused id must not be refused, and an entry never finishes before its own
 * last phase.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../src/index.js';
import { HOUR, MINUTE, SECOND, T0, setup } from './helpers.js';

const phases = ['queued', 'started', 'delivered'];
const issues = (errors: unknown[]) => errors.map((e) => (e as ValidationError).issues[0]!);

describe('a mark given `at` with the last reading behind the clock', () => {
  it('does not complete an entry whose TTL ran out by its own time: the edge is exact', async () => {
    for (const [elapsed, kept] of [[62 * SECOND - 1, true], [62 * SECOND, false], [65 * SECOND - 1, false]] as const) {
      const { timelines, clock } = setup();
      const chat = timelines.create('chat', { phases, ttl: 62 * SECOND });
      chat.mark('a', 'queued');
      // The sweep timer last fired at 60 s (its reading), or at 65 s - 5 s.
      clock.advance(elapsed);
      expect(chat.mark('a', 'delivered', clock.now()), `after ${elapsed} ms`).toBe(kept);
      expect(chat.counts()).toMatchObject(kept ? { complete: 1, partial: 0, open: 0 } : { complete: 0, partial: 1, open: 0 });
    }
  });

  it('finds the entry expired by the clock and refuses the mark, also past the few a mark sweeps', () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    for (let i = 0; i < 40; i++) chat.mark(`m${i}`, 'queued');
    // Two minutes with no timer fired: the last reading is T0.
    clock.set(T0 + 2 * MINUTE);
    expect(chat.mark('m39', 'delivered', clock.now())).toBe(false);
    expect(issues(errors)).toEqual([{ path: 'id', message: '"m39": its TTL (60000 ms) ran out before this mark; the entry counts as partial' }]);
    const m39 = chat.recent().find((s) => s.id === 'm39')!;
    // Judged by the clock: found expired at T0 + 2 min, 2 min after its queueing.
    expect(m39).toMatchObject({ complete: false, finishedAt: T0 + 2 * MINUTE, latency: 2 * MINUTE });
    const counts = chat.counts();
    expect([counts.complete, counts.partial + counts.open]).toEqual([0, 40]);
  });

  it('keeps a mark whose time runs ahead of the clock (within maxClockSkew) past the TTL while the clock says it has not run out', () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    chat.mark('a', 'queued');
    clock.set(T0 + 50 * SECOND);
    expect(chat.mark('a', 'delivered', T0 + 70 * SECOND)).toBe(true);
    expect(chat.counts()).toMatchObject({ complete: 1, partial: 0 });
  });

  it('refuses an `at` older than the TTL by the clock when it would open an entry, and runs a new entry\'s TTL from the clock', () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1h' });
    chat.mark('a', 'queued', T0);
    clock.set(T0 + 3 * HOUR);
    expect(chat.mark('b', 'queued', T0 + 30 * SECOND)).toBe(false);
    expect(issues(errors)).toEqual([{ path: 'at', message: "is older than the timeline's ttl (3600000 ms)" }]);
    // Opened now by the clock (3 h), not by the reading: open 1 h less 1 ms later, it is open.
    clock.set(T0 + 3 * HOUR);
    expect(chat.mark('c', 'queued', T0 + 3 * HOUR - SECOND)).toBe(true);
    clock.set(T0 + 4 * HOUR - 1);
    timelines.sweep();
    expect(chat.openEntries).toBe(1);
    expect(chat.recent().map((s) => s.id)).toEqual(['a']);
  });

  it('refuses `at` older than the TTL after monitor.close() (no sweep timer refreshes the reading)', async () => {
    const { timelines, clock, monitor } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1h' });
    chat.mark('x', 'queued');
    await monitor.close();
    await clock.advanceAsync(5 * HOUR);
    expect(chat.mark('y', 'queued', T0 + 10 * SECOND)).toBe(false);
    expect(chat.mark('y', 'delivered', T0 + 20 * SECOND)).toBe(false);
    expect(chat.counts()).toMatchObject({ complete: 0 });
  });

  it('does not refuse a reused id whose entry finished more than the TTL ago by the clock', () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '30s' });
    // Partial without its first phase: only a mark after the TTL may reuse the id.
    chat.mark('q', 'delivered');
    // 45 s with no timer fired (a time within maxClockSkew of the reading: nothing reads the clock for it).
    clock.set(T0 + 45 * SECOND);
    expect(chat.mark('q', 'queued', clock.now())).toBe(true);
    expect(errors).toEqual([]);
    expect(chat.openEntries).toBe(1);
  });

  it('never finishes an entry before its own last phase', () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1m' });
    chat.mark('late', 'queued', T0 - 500);
    clock.set(T0 + 4 * SECOND);
    expect(chat.mark('late', 'delivered', T0 + 4 * SECOND)).toBe(true);
    expect(chat.recent()[0]).toMatchObject({ id: 'late', finishedAt: T0 + 4 * SECOND, latency: 4_500 });
  });
});
