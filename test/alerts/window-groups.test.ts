// The rule engine keeps each metric's label postings and alert groups, as positions in the
// window's series, from tick to tick (window-groups.ts) while the series keep their label
// objects in order. On random tick histories (series kept, added, dropped, reordered, a series
// made anew with equal labels, two windows of a name in one tick) the groups read through the
// kept postings must equal a group-by over the matching series of that tick's window.
import { describe, expect, it } from 'vitest';
import { seriesKey } from '../../src/core/labels.js';
import type { WindowSeries } from '../../src/metrics/window-query.js';
import { PostingsCache, SeriesPostings } from '../../src/alerts/window-groups.js';
import { random } from '../helpers/random.js';

function series(labels: Record<string, string>): WindowSeries {
  return { key: seriesKey(labels), labels, current: undefined, slots: [], parts: [] };
}

/** A group-by over the series matching `matchers`, in series order: what the postings must give. */
function expected(all: readonly WindowSeries[], matchers: Record<string, string>, groupBy: string[]): string[] {
  const out = new Map<string, string[]>();
  for (const s of all) {
    if (!Object.entries(matchers).every(([n, v]) => Object.hasOwn(s.labels, n) && s.labels[n] === v)) continue;
    const labels: Record<string, string> = {};
    for (const n of groupBy) labels[n] = Object.hasOwn(s.labels, n) ? s.labels[n]! : '';
    const key = groupBy.length === 0 ? '' : seriesKey(labels);
    if (!out.has(key)) out.set(key, [JSON.stringify(labels)]);
    out.get(key)!.push(s.key);
  }
  return [...out].map(([k, v]) => `${k} ${v.join(' ')}`);
}

function read(p: SeriesPostings, all: readonly WindowSeries[], matchers: Record<string, string>, groupBy: string[]): string[] {
  p.sync(all);
  const id = `${seriesKey(matchers)}\u0000${JSON.stringify(groupBy)}`;
  return p.groups(all, matchers, groupBy, id).map((g) => `${g.key} ${[JSON.stringify(g.labels), ...g.at.map((i) => all[i]!.key)].join(' ')}`);
}

describe('SeriesPostings kept between ticks', () => {
  it('gives the groups of a fresh group-by at every tick', () => {
    let checks = 0;
    for (let seed = 1; seed <= 150; seed++) {
      const rnd = random(seed);
      const postings = new SeriesPostings();
      const make = (): WindowSeries => series({ route: `/r${Math.floor(rnd() * 5)}`, status: ['200', '500', '404'][Math.floor(rnd() * 3)]!, ...(rnd() < 0.3 ? { method: rnd() < 0.5 ? 'GET' : 'POST' } : {}) });
      let current: WindowSeries[] = Array.from({ length: Math.floor(rnd() * 12) }, make);
      const queries: [Record<string, string>, string[]][] = [
        [{}, []],
        [{ route: '/r1' }, []],
        [{ route: '/r2', status: '500' }, ['method']],
        [{ status: '200' }, ['route']],
        [{ method: 'GET' }, ['route', 'status']],
      ];
      for (let tick = 0; tick < 30; tick++) {
        const change = rnd();
        // Most ticks: the same label objects in the same order (a new window array each tick).
        if (change < 0.15) current = [...current, make()];
        else if (change < 0.25 && current.length > 0) current = current.filter((_, i) => i !== Math.floor(rnd() * current.length));
        else if (change < 0.32) current = [...current].reverse();
        else if (change < 0.4 && current.length > 0) {
          // A series made anew with equal labels (another object): the postings start afresh.
          const i = Math.floor(rnd() * current.length);
          current = current.map((s, k) => (k === i ? series({ ...s.labels }) : s));
        } else if (change < 0.45 && current.length > 0) {
          // The same label objects, a series object each made anew (a window's entry per tick).
          current = current.map((s) => series(s.labels));
        } else current = [...current];
        const windows = rnd() < 0.2 ? [current, current.slice(0, Math.floor(current.length / 2))] : [current];
        for (const w of windows) {
          for (const [m, g] of queries) {
            if (rnd() < 0.3) continue;
            expect(read(postings, w, m, g), `seed ${seed}, tick ${tick}`).toEqual(expected(w, m, g));
            checks++;
          }
        }
      }
    }
    expect(checks).toBeGreaterThan(150 * 30 * 3);
  });
});

describe('PostingsCache', () => {
  it('lets go of the groupings no rule read in a tick (deleted rules over stable series)', () => {
    const all = Array.from({ length: 50 }, (_, i) => series({ route: `/r${i % 5}`, pod: `p${i}` }));
    const cache = new PostingsCache();
    const names = new Set(['lat']);
    for (let rule = 0; rule < 100; rule++) {
      // One tick: a new window array over the same label objects, one rule (then deleted).
      const window = [...all];
      const p = cache.of('lat');
      p.sync(window);
      const groupBy = [`team${rule}`];
      p.groups(window, {}, groupBy, `rule${rule}`);
      // A rule that stays reads its grouping at every tick.
      expect(read(p, window, { route: '/r1' }, ['pod'])).toEqual(expected(window, { route: '/r1' }, ['pod']));
      cache.retain(names);
    }
    // The last tick's rule and the one that stays.
    expect(cache.of('lat').shapeCount).toBe(2);
    read(cache.of('lat'), [...all], { route: '/r1' }, ['pod']);
    cache.retain(names);
    expect(cache.of('lat').shapeCount).toBe(1);
  });
});
