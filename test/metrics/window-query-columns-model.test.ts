// KeptSeries writes rollups in (`upsert`) and drops expired parts (`prune`) in place, in its
// columns. Whatever the history (steady slots from several writers, late and out-of-order
// rollups, retried writes, zero-length parts, ranges that jump past every part), what a reader
// sees through `n`, `cols` and `refs` must be what a plain list of parts holds, the references
// outside the live parts let go, and the block bounded by the most parts held at once. A model
// check for any change of the column layout (a moving start, a ring).
import { describe, expect, it } from 'vitest';
import { F, KeptSeries, R, type PartFields } from '../../src/metrics/window-query-columns.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;

type Part = PartFields;

/** The reference: `upsert` and `prune` on a plain array (see their TSDoc). */
class Model {
  parts: Part[] = [];

  upsert(r: Part): void {
    const same = (p: Part): boolean =>
      r.instance !== undefined
        ? p.start === r.start && p.instance === r.instance
        : p.start === r.start && p.end === r.end && p.kind === r.kind && p.count === r.count && p.sum === r.sum && p.min === r.min && p.max === r.max && p.last === r.last && p.instance === r.instance && p.hdr === r.hdr;
    this.parts = this.parts.filter((p) => !same(p));
    let at = this.parts.length;
    while (at > 0 && this.parts[at - 1]!.start > r.start) at--;
    this.parts.splice(at, 0, r);
  }

  prune(from: number): boolean {
    const before = this.parts.length;
    this.parts = this.parts.filter((p) => p.end > from);
    return this.parts.length !== before;
  }
}

const row = (p: Part): string => `${p.kind} ${p.start} ${p.end} ${p.count} ${p.sum} ${p.min} ${p.max} ${p.last} ${p.instance} ${p.hdr} ${p.resolution}`;
/** What a reader of the columns reads of a model part: its row, then start, end and instance from the columns. */
const raw = (p: Part): string => `${row(p)} ${p.start} ${p.end} ${p.instance}`;

/** The series as a reader of its columns sees it: parts 0..n-1 by `i * F` and `i * R`. */
function columnsOf(s: KeptSeries): string[] {
  const out: string[] = [];
  // The raw columns and references too, as the rules' loops read them.
  for (let i = 0; i < s.n; i++) out.push(`${row(s.part(i))} ${s.cols[i * F]} ${s.cols[i * F + 1]} ${s.refs[i * R]}`);
  return out;
}

describe('KeptSeries against a list of parts', () => {
  it('holds what a list of parts holds through heavy churn, late rollups, zero-length parts and jumps', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = random(seed);
      const s = new KeptSeries({ a: '1' }, 0, 'a', 1 + Math.floor(rnd() * 6));
      const m = new Model();
      const writers = 1 + Math.floor(rnd() * 6);
      let slot = 20;
      let most = 0;
      for (let step = 0; step < 120; step++) {
        // Mostly the slot that just closed, from each writer; sometimes late, retried or odd.
        for (let w = 0; w < writers; w++) {
          const what = rnd();
          const start = (what < 0.15 ? slot - 1 - Math.floor(rnd() * 8) : slot) * SLOT;
          // Sometimes of no length (a slot closed the instant it opened), at a slot bound or off it.
          const zero = rnd() < 0.08;
          const at = zero && rnd() < 0.5 ? start + 7_000 : start;
          const end = zero ? at : at + (rnd() < 0.1 ? 3 : 1) * SLOT;
          const r: Part = { kind: rnd() < 0.02 ? 'gauge' : 'histogram', start: at, end, count: Math.floor(rnd() * 4), sum: step, min: 0, max: w, last: rnd() < 0.5 ? w : undefined, instance: rnd() < 0.05 ? undefined : `w${w}`, hdr: rnd() < 0.7 ? `h${step}.${w}` : undefined, resolution: rnd() < 0.3 ? 1e-3 : undefined };
          s.upsert(r);
          m.upsert(r);
          if (rnd() < 0.1) {
            s.upsert({ ...r });
            m.upsert({ ...r });
          }
        }
        most = Math.max(most, s.n);
        slot += rnd() < 0.05 ? 1 + Math.floor(rnd() * 15) : 1;
        const from = (slot - 6) * SLOT + (rnd() < 0.2 ? 7_000 : 0);
        const block = s.cols.buffer;
        expect(s.prune(from), `seed ${seed}, step ${step}`).toBe(m.prune(from));
        // A prune works in place (it never takes a new block).
        expect(s.cols.buffer).toBe(block);
        expect(columnsOf(s), `seed ${seed}, step ${step}`).toEqual(m.parts.map(raw));
        // References outside the live parts are let go (an expired part's hdr and decoded counts).
        const live = s.refs.slice(0, s.n * R).filter((r) => r !== undefined).length;
        expect(s.refs.filter((r) => r !== undefined).length).toBe(live);
        // Bounded by the most parts held at once (a block grows by half again, at least 4 parts).
        expect(s.bytes).toBeLessThanOrEqual(Math.max(6, most + 4, Math.ceil(most * 1.5)) * (F + R) * 8);
      }
    }
  });
});
