// KeptSeries.prune drops the parts that ended at or before a range start: the oldest parts in one
// move of the block when they lead, one part at a time otherwise (a long part that starts early
// and ends late, another writer's longer slots). Either way what stays must be what a filter of
// the parts keeps, in order, with their references.
import { describe, expect, it } from 'vitest';
import { KeptSeries } from '../../src/metrics/window-query-columns.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;

function rows(s: KeptSeries): string[] {
  return s.parts.map((p) => `${p.start} ${p.end} ${p.count} ${p.sum} ${p.instance} ${p.hdr} ${p.last} ${p.resolution}`);
}

describe('KeptSeries.prune', () => {
  it('keeps what a filter keeps, on random series with leading and scattered stale parts', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = random(seed);
      const s = new KeptSeries({ a: '1' }, 0, 'a', 2);
      const n = Math.floor(rnd() * 14);
      for (let i = 0; i < n; i++) {
        const start = Math.floor(rnd() * 12) * SLOT;
        // Mostly one slot; sometimes a long part (a compacted or another writer's longer slot).
        const end = start + (rnd() < 0.2 ? Math.floor(1 + rnd() * 8) * SLOT : SLOT);
        s.upsert({ kind: 'histogram', start, end, count: 1 + i, sum: i / 3, min: 0, max: i, last: rnd() < 0.5 ? i : undefined, instance: `w${i}`, hdr: rnd() < 0.5 ? `h${i}` : undefined, resolution: rnd() < 0.5 ? 1e-3 : undefined });
      }
      const before = s.parts;
      const from = Math.floor(rnd() * 14) * SLOT + (rnd() < 0.5 ? 0 : 7_000);
      const expected = before.filter((p) => p.end > from).map((p) => `${p.start} ${p.end} ${p.count} ${p.sum} ${p.instance} ${p.hdr} ${p.last} ${p.resolution}`);
      const changed = s.prune(from);
      expect(changed, `seed ${seed}`).toBe(expected.length !== before.length);
      expect(rows(s), `seed ${seed}`).toEqual(expected);
      expect(s.n).toBe(expected.length);
      // References past the kept parts are let go.
      expect(s.refs.slice(s.n * 4).every((r) => r === undefined)).toBe(true);
    }
  });
});
