// A kept series' shape (its parts' kind and newest resolution, which the window build reads at
// every tick) is carried through the oldest parts expiring and new parts coming in, instead of
// computed again from every part after each change. On random sequences of writes (kinds mixed,
// resolutions present or not, ends before starts, rewrites by instance and by content, starts
// out of order) and prunes, read at random moments, it must always equal the shape computed
// afresh from the same parts; and a prune keeps exactly the parts that end after its start.
import { describe, expect, it } from 'vitest';
import type { MetricKind } from '../../src/storage/contract.js';
import { KeptSeries, type PartFields } from '../../src/metrics/window-query-columns.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;

/** The shape computed from nothing: a new series holding the same parts, read once at the end. */
function fresh(s: KeptSeries) {
  const copy = new KeptSeries(s.labels, s.hash, s.key, s.n + 1);
  for (const p of s.parts) copy.insert(copy.n, p);
  return copy.shape;
}

describe('KeptSeries.shape kept across changes, and prune', () => {
  it('equals the shape computed afresh after any writes and prunes', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const next = random(seed);
      const s = new KeptSeries({ route: '/a' }, 1, 'k', 2);
      let slot = 0;
      let from = -Infinity;
      for (let step = 0; step < 60; step++) {
        const what = next();
        if (what < 0.6) {
          // Mostly the next slot; sometimes an older one (a late write) or the same again (a retry).
          const late = next();
          const at = late < 0.1 ? slot - 1 - Math.floor(next() * 3) : late < 0.2 ? slot : ++slot;
          const start = at * SLOT;
          const kind: MetricKind = next() < 0.05 ? 'counter' : 'histogram';
          const r: PartFields = {
            kind,
            start,
            // Some end before they start; some span several slots (a compacted rollup).
            end: next() < 0.03 ? start - 1 : start + SLOT * (next() < 0.15 ? 2 + Math.floor(next() * 4) : 1),
            count: 1 + Math.floor(next() * 3),
            sum: Math.floor(next() * 4),
            min: 0,
            max: 3,
            last: undefined,
            instance: next() < 0.1 ? undefined : `i${Math.floor(next() * 3)}`,
            hdr: undefined,
            resolution: next() < 0.3 ? undefined : [1e-3, 1e-6][Math.floor(next() * 2)],
          };
          if (r.end > from) s.upsert(r);
        } else if (what < 0.8) {
          from = Math.max(from, (slot - 3 - Math.floor(next() * 4)) * SLOT);
          // What prune keeps: every part ending after `from` once a part starting at or before it
          // ended by it (one of no length at `from` has).
          const before = s.parts;
          const stale = before.some((p) => p.start <= from && p.end <= from);
          s.prune(from);
          expect(s.parts, `seed ${seed} step ${step} prune`).toEqual(stale ? before.filter((p) => p.end > from) : before);
        } else {
          expect(s.shape, `seed ${seed} step ${step}`).toEqual(fresh(s));
        }
      }
      expect(s.shape, `seed ${seed} end`).toEqual(fresh(s));
    }
  });
});
