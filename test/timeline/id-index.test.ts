/**
 * The id index a timeline shares between its open entries and its recently finished ids (one
 * Map: a finished id's entry is overwritten in place). These pin what sharing must not change:
 * a finished id is remembered for a TTL within a ring of maxOpen ids, an id reopened and
 * finished again is not forgotten when the ring passes its older position, and eviction forgets.
 */
import { describe, expect, it } from 'vitest';
import type { ValidationError } from '../../src/index.js';
import { CHAT_PHASES, setup } from './helpers.js';

const phases = [...CHAT_PHASES];

/** Marks `id` through every phase now: a complete entry. */
function complete(chat: { mark(id: string, phase: string): boolean }, id: string): void {
  for (const phase of phases) expect(chat.mark(id, phase)).toBe(true);
}

describe('id index', () => {
  it('remembers the last maxOpen finished ids (a late mark is refused) and forgets older ones', () => {
    const { timelines, errors } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 4, ttl: '1h' });
    for (let i = 0; i < 1_000; i++) complete(chat, `m${i}`);
    // The 4 most recent are remembered: a straggler for one is refused.
    expect(chat.mark('m999', 'completed')).toBe(false);
    expect(chat.mark('m996', 'started')).toBe(false);
    expect(errors.map((e) => (e as ValidationError).issues[0]!.path)).toEqual(['id', 'id']);
    // An older one was forgotten when the ring passed it: its straggler opens an entry.
    expect(chat.mark('m995', 'completed')).toBe(true);
    expect(chat.counts()).toEqual({ complete: 1_000, partial: 0, dropped: 0, open: 1 });
  });

  it('an id reopened after its TTL and finished again stays remembered when the ring passes its first position', async () => {
    const { timelines, clock } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 3, ttl: '1m' });
    complete(chat, 'r');
    await clock.advance(61_000);
    // Past the TTL, a straggler for r opens a new entry, which then finishes.
    expect(chat.mark('r', 'started')).toBe(true);
    expect(chat.mark('r', 'delivered')).toBe(true);
    // Two more finish: the ring (3 ids) now passes r's first position, not its second.
    complete(chat, 'a');
    complete(chat, 'b');
    expect(chat.mark('r', 'completed')).toBe(false);
    expect(chat.counts()).toEqual({ complete: 3, partial: 1, dropped: 0, open: 0 });
  });

  it('an evicted id is forgotten: its next mark opens a new entry', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 2 });
    chat.mark('x', 'queued');
    chat.mark('y', 'queued');
    chat.mark('z', 'queued');
    expect(chat.counts()).toEqual({ complete: 0, partial: 0, dropped: 1, open: 2 });
    expect(chat.mark('x', 'started')).toBe(true);
    expect(chat.counts()).toEqual({ complete: 0, partial: 0, dropped: 2, open: 2 });
  });

  it('250,000 ids opened and finished (1M marks) keep the index within maxOpen open plus maxOpen finished ids', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 1_000 });
    let kept = 0;
    for (let i = 0; i < 250_000; i++) for (const phase of phases) if (chat.mark(`o${i}`, phase)) kept++;
    expect(kept).toBe(1_000_000);
    for (let i = 0; i < 500; i++) chat.mark(`p${i}`, 'queued');
    // Internal, read on purpose: the one Map whose growth would be a leak.
    expect((chat as unknown as { entries: { index: Map<string, number> } }).entries.index.size).toBe(1_500);
    expect(chat.retainedSamples).toBe(100);
  });

  it('a finished entry frees its slot at once: 150,000 entries marked through leave the open slots at their first size, the ids in the ring', () => {
    const { timelines } = setup();
    const chat = timelines.create('chat', { phases, maxOpen: 100_000 });
    let kept = 0;
    for (let i = 0; i < 150_000; i++) for (const phase of phases) if (chat.mark(`o${i}`, phase)) kept++;
    expect(kept).toBe(600_000);
    // Internal, read on purpose: finished ids kept in their slots grew the slots to 2 * maxOpen.
    const table = (chat as unknown as { entries: { times: Float64Array; index: Map<string, number>; finishedCount: number } }).entries;
    expect(table.times.length).toBe(1_024 * phases.length);
    expect(table.finishedCount).toBe(100_000);
    expect(table.index.size).toBe(100_000);
    // The oldest finished ids were forgotten, the newest are remembered.
    expect(chat.mark('o49999', 'completed')).toBe(true);
    expect(chat.mark('o50000', 'completed')).toBe(false);
  });
});
