// A reused id's finishes must not push other finished ids out of the remembered ones early (review of ed7e12d).
import { describe, expect, it } from 'vitest';
import { CHAT_PHASES, setup } from './helpers.js';

describe('remembered finished ids under id reuse', () => {
  it('two ids, maxOpen 2: B reused once forgets A, whose duplicate last mark then opens a partial entry', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases: ['queued', 'delivered'], maxOpen: 2, ttl: '1h' });
    chat.mark('A', 'queued'); chat.mark('A', 'delivered'); // A finished (complete)
    chat.mark('B', 'queued'); chat.mark('B', 'delivered'); // B finished
    chat.mark('B', 'queued'); chat.mark('B', 'delivered'); // B reused (a new entry), finished again
    // Only 2 distinct ids finished, both less than ttl ago: A's duplicate 'delivered' must be refused.
    expect(chat.mark('A', 'delivered')).toBe(false);
    expect(chat.counts()).toEqual({ complete: 3, partial: 0, dropped: 0, open: 0 });
  });

  it('realistic: one hot id reused maxOpen times makes every other finished id forgettable within its ttl', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases: [...CHAT_PHASES], maxOpen: 1_000, ttl: '1h' });
    for (let m = 0; m < 10; m++) for (const p of CHAT_PHASES) chat.mark(`conv:${m}`, p);
    // a heartbeat / cron job id reused, 1,000 times (well within the hour)
    for (let k = 0; k < 1_000; k++) for (const p of CHAT_PHASES) chat.mark('heartbeat', p);
    // 11 distinct ids finished in the last hour, maxOpen 1,000: a retried delivery of conv:0 must be refused
    let accepted = 0;
    for (let m = 0; m < 10; m++) if (chat.mark(`conv:${m}`, 'delivered')) accepted++;
    expect(accepted).toBe(0);
    expect(chat.counts().partial).toBe(0);
  });
});
