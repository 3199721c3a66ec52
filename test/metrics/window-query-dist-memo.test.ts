// DistMemo keeps the summed bucket counts of a list of pairs arrays and updates them by what came
// and went: after any sequence of lists its counts must be those of the list summed afresh, and
// a count it cannot keep exactly (a fraction, a huge count: no real rollup gives one) makes it
// hand the list back to the caller.
import { describe, expect, it } from 'vitest';
import { DistMemo, type Pairs } from '../../src/metrics/window-query-dist-memo.js';
import { MergedBuckets } from '../../src/metrics/window-query-merged.js';
import { random } from '../helpers/random.js';

/** The (index, count) buckets a merge holds, by index. */
function buckets(fill: (m: MergedBuckets) => void): number[][] {
  const m = new MergedBuckets();
  fill(m);
  const out: number[][] = [];
  m.forEachBucket(undefined as never, 1, (index, count) => out.push([index, count]));
  return out.sort((a, b) => a[0]! - b[0]!);
}

function summed(list: readonly Pairs[]): number[][] {
  return buckets((m) => {
    for (const pairs of list) for (let q = 0; q < pairs.length; q += 2) m.add(pairs[q]!, pairs[q + 1]!);
  });
}

describe('DistMemo', () => {
  it('holds the counts of the last list whatever came and went before', () => {
    const rnd = random(3);
    for (let seed = 0; seed < 200; seed++) {
      const pool: Pairs[] = Array.from({ length: 30 }, () => {
        const pairs: number[] = [];
        for (let k = Math.floor(rnd() * 6); k >= 0; k--) pairs.push(Math.floor(rnd() * 50), Math.floor(rnd() * 4));
        return rnd() < 0.5 ? Float64Array.from(pairs) : pairs;
      });
      const memo = new DistMemo();
      let list: Pairs[] = [];
      for (let step = 0; step < 30; step++) {
        // Mostly the same list with the oldest few gone and a few new ones (a slot close);
        // sometimes shuffled, repeated arrays, emptied or replaced whole.
        const what = rnd();
        if (what < 0.6) list = [...list.slice(Math.floor(rnd() * 3)), ...Array.from({ length: Math.floor(rnd() * 4) }, () => pool[Math.floor(rnd() * pool.length)]!)];
        else if (what < 0.75) list = [...list].sort(() => rnd() - 0.5);
        else if (what < 0.85) list = [...list, ...list.slice(0, 2)];
        else if (what < 0.9) list = [];
        else list = Array.from({ length: Math.floor(rnd() * 40) }, () => pool[Math.floor(rnd() * pool.length)]!);
        expect(memo.update(list)).toBe(true);
        expect(buckets((m) => memo.addTo(m)), `seed ${seed}, step ${step}`).toEqual(summed(list));
      }
    }
  });

  it('hands back a list with a count it cannot keep exactly, and keeps the next one', () => {
    const memo = new DistMemo();
    const whole = [3, 2, 7, 1];
    expect(memo.update([whole])).toBe(true);
    for (const bad of [[5, 0.5], [5, -1], [5, Number.NaN], [5, 2 ** 53], [1.5, 1], [-1, 1], [70_000, 1]]) {
      expect(memo.update([whole, bad]), `${bad}`).toBe(false);
      expect(memo.buckets).toBe(0);
    }
    // Two whole counts whose total passes 2^53 - 1 cannot be summed exactly in every order.
    expect(memo.update([[1, 2 ** 52], [2, 2 ** 52]])).toBe(false);
    expect(memo.update([whole])).toBe(true);
    expect(buckets((m) => memo.addTo(m))).toEqual([
      [3, 2],
      [7, 1],
    ]);
  });
});
