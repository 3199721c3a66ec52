// A kept series many instances write: its columns grow geometrically (a slot of 50 writers
// copies them once or twice, not ~12 times), and a write replaces only parts of its own start.
import { describe, expect, it } from 'vitest';
import { KeptSeries } from '../../src/metrics/window-query-kept.js';
import type { PartFields } from '../../src/metrics/window-query-columns.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;

function part(slot: number, instance: string | undefined, sum = 1): PartFields {
  const start = T0 + slot * SLOT;
  return { kind: 'counter', start, end: start + SLOT, count: 1, sum, min: sum, max: sum, last: sum, instance, hdr: undefined, resolution: undefined };
}

const rows = (s: KeptSeries) => s.parts.map((p) => `${(p.start - T0) / SLOT}:${p.instance ?? '-'}:${p.sum}`);

describe('KeptSeries growth', () => {
  it('a slot of 50 writers after a full read reallocates the columns at most twice', () => {
    const writers = 50;
    // As a full read sizes it: its parts and two spare.
    const s = new KeptSeries({ route: '/a' }, 0, 'k', 10 * writers + 2);
    for (let slot = 0; slot < 10; slot++) for (let i = 0; i < writers; i++) s.insert(s.n, part(slot, `i${i}`));
    const buffers = new Set<Float64Array>([s.cols]);
    for (let i = 0; i < writers; i++) {
      s.upsert(part(10, `i${i}`));
      buffers.add(s.cols);
    }
    expect(s.n).toBe(11 * writers);
    expect(buffers.size - 1).toBeLessThanOrEqual(2);
    // At most half again what it holds.
    expect(s.cols.length / 9).toBeLessThanOrEqual(Math.ceil(1.5 * s.n) + 4);
    // The next slot, after the oldest left the window, fits in what is held.
    s.prune(T0 + SLOT);
    const held = s.cols;
    for (let i = 0; i < writers; i++) s.upsert(part(11, `i${i}`));
    expect(s.cols).toBe(held);
  });

  it('a rewrite replaces the part of its start and instance wherever it sits, and a part without an instance every part of its content', () => {
    const s = new KeptSeries({ route: '/a' }, 0, 'k', 2);
    for (const p of [part(1, 'a'), part(1, 'b'), part(2, undefined, 7), part(2, 'a'), part(2, undefined, 7), part(3, 'a'), part(3, 'b'), part(4, 'a')]) s.upsert(p);
    expect(rows(s)).toEqual(['1:a:1', '1:b:1', '2:a:1', '2:-:7', '3:a:1', '3:b:1', '4:a:1']);
    // Late rewrites of older slots: found behind later parts, replaced, placed after their start's parts.
    s.upsert(part(1, 'a', 5));
    s.upsert(part(3, 'b', 6));
    s.upsert(part(2, undefined, 7));
    // A part of another start with the same numbers is not the same content.
    s.upsert(part(0, undefined, 7));
    expect(rows(s)).toEqual(['0:-:7', '1:b:1', '1:a:5', '2:a:1', '2:-:7', '3:a:1', '3:b:6', '4:a:1']);
  });
});
