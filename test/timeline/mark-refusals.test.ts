// Every refusal of Timeline.mark (mark-refusals.ts), word for word: the field it names and the
// message, with the figures it quotes (the id, the phases, the gap, the TTL, the clock skew).
import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../src/index.js';
import { CHAT_PHASES, MINUTE, T0, setup } from './helpers.js';

const PREFIX = 'timeline "chat": mark: ';

/** What each refused mark reported: `path: message`, the timeline's prefix left out. */
function reported(errors: readonly unknown[]): string[] {
  return errors.map((e) => {
    const error = e as ValidationError;
    expect(error.message.startsWith(PREFIX)).toBe(true);
    return `${error.issues[0]!.path}: ${error.issues[0]!.message}`;
  });
}

describe('a refused mark', () => {
  it('names the id: empty, too long, no string or finite number, already finished, past its TTL', () => {
    const { clock, timelines, errors } = setup();
    const chat = timelines.create('chat', { phases: [...CHAT_PHASES], ttl: MINUTE, maxIdLength: 8 });
    expect(chat.mark('', 'queued')).toBe(false);
    expect(chat.mark('123456789', 'queued')).toBe(false);
    expect(chat.mark(Number.NaN, 'queued')).toBe(false);
    expect(chat.mark(7, 'queued')).toBe(true);
    for (const phase of CHAT_PHASES) chat.mark('done', phase);
    expect(chat.mark('done', 'started')).toBe(false);
    // More open entries than a mark sweeps (16), and no timer fired since: the last is found expired by the mark.
    for (let i = 0; i < 20; i++) chat.mark(`s${i}`, 'queued');
    clock.set(T0 + 2 * MINUTE);
    expect(chat.mark('s19', 'started', clock.now())).toBe(false);
    expect(reported(errors)).toEqual([
      'id: must not be empty',
      'id: must be at most 8 characters, got 9',
      'id: must be a string or a finite number, got NaN',
      'id: "done" already finished (its last phase was marked, or its TTL ran out); a mark after that is not a new entry',
      `id: "s19": its TTL (${MINUTE} ms) ran out before this mark; the entry counts as partial`,
    ]);
  });

  it('names the phase: unknown, or marked twice', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases: [...CHAT_PHASES] });
    expect(chat.mark('m', 'sent')).toBe(false);
    chat.mark('m', 'queued');
    expect(chat.mark('m', 'queued')).toBe(false);
    expect(reported(errors)).toEqual([
      'phase: unknown phase "sent"; the phases of "chat" are queued, started, completed, delivered',
      'phase: phase "queued" of id "m" is already marked',
    ]);
  });

  it('names `at`: no time, in the future, older than the TTL, before an earlier phase or after a later one', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases: [...CHAT_PHASES], ttl: MINUTE, maxClockSkew: 1_000 });
    expect(chat.mark('m', 'queued', new Date(Number.NaN))).toBe(false);
    expect(chat.mark('m', 'queued', T0 + 5_000)).toBe(false);
    expect(chat.mark('m', 'queued', T0 - 2 * MINUTE)).toBe(false);
    chat.mark('m', 'started', T0 - 3_000);
    expect(chat.mark('m', 'queued', T0 - 2_000)).toBe(false);
    expect(chat.mark('m', 'completed', T0 - 4_500)).toBe(false);
    expect(reported(errors)).toEqual([
      'at: must be a time in ms since the epoch or a Date, got an invalid Date',
      'at: is 5000 ms in the future (more than maxClockSkew, 1000 ms)',
      `at: is older than the timeline's ttl (${MINUTE} ms)`,
      'at: phase "queued" of id "m" is marked 1000 ms after phase "started", which comes later',
      'at: phase "completed" of id "m" is marked 1500 ms before phase "started", which comes first',
    ]);
  });
});
