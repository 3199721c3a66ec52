/**
 * A mark given its `at` for an open entry reads no clock (a clock read costs more than the
 * histogram observe a mark feeds): "now" is the timeline's last reading, taken by marks without
 * `at`, every sweep, every entry opening and every CLOCK_READ_EVERY marks with `at`. These pin
 * when it reads, and that a reading behind the clock never refuses a time the clock itself would
 * accept (stale-reading.test.ts: nor keeps what the clock would refuse).
 */
import { describe, expect, it, vi } from 'vitest';
import type { ValidationError } from '../../src/index.js';
import { CLOCK_READ_EVERY } from '../../src/timeline/timeline.js';
import { CHAT_PHASES, HOUR, MINUTE, T0, setup } from './helpers.js';

const phases = [...CHAT_PHASES];

describe('clock reads of mark', () => {
  it('reads the clock once when an entry opens with `at`, once every CLOCK_READ_EVERY marks of open entries given `at`, and at every mark without', () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases });
    // The first mark starts the monitor, which reads the clock too.
    chat.mark('first', 'queued', T0 - 1_000);
    const ids = Array.from({ length: 2 * CLOCK_READ_EVERY }, (_, i) => `m${i}`);
    const now = vi.spyOn(clock, 'now');
    for (const id of ids) expect(chat.mark(id, 'queued', T0 - 1_000)).toBe(true);
    expect(now).toHaveBeenCalledTimes(ids.length);
    now.mockClear();
    // Exactly every CLOCK_READ_EVERY-th mark (64) reads it: the 64th and the 128th after the last read.
    const readAt: number[] = [];
    for (let i = 0; i < 2 * CLOCK_READ_EVERY; i++) {
      const before = now.mock.calls.length;
      expect(chat.mark(ids[i]!, 'started', T0 - 500)).toBe(true);
      if (now.mock.calls.length > before) readAt.push(i + 1);
    }
    expect(CLOCK_READ_EVERY).toBe(64);
    expect(readAt).toEqual([64, 128]);
    expect(now).toHaveBeenCalledTimes(2);
    chat.mark('m-now', 'queued');
    expect(now).toHaveBeenCalledTimes(3);
  });

  it('reads the clock again before refusing a time as in the future: a reading behind the clock refuses nothing the clock accepts', () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases });
    chat.mark('a', 'queued');
    // Time moves 10 minutes with no timer fired: the last reading is 10 minutes behind.
    clock.set(T0 + 10 * MINUTE);
    expect(chat.mark('b', 'queued', T0 + 10 * MINUTE)).toBe(true);
    // Still refused past maxClockSkew (1 minute) of the clock itself.
    expect(chat.mark('c', 'queued', T0 + 11 * MINUTE + 1)).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.message)).toEqual(['is 60001 ms in the future (more than maxClockSkew, 60000 ms)']);
  });

  it('takes "now" from every sweep: a time older than the TTL of the swept clock is refused', () => {
    const { timelines, clock, errors } = setup();
    const chat = timelines.create('chat', { phases, ttl: '1h' });
    chat.mark('a', 'queued');
    clock.set(T0 + 2 * HOUR);
    timelines.sweep();
    expect(chat.mark('b', 'queued', T0 + HOUR - 1)).toBe(false);
    expect(chat.mark('c', 'queued', T0 + HOUR)).toBe(true);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(['at']);
    // Opened "now" (the sweep's reading): its TTL runs from there.
    expect(chat.counts()).toMatchObject({ open: 1, partial: 1 });
  });
});
