/**
 * groupRollups looks a series' parts up in an index instead of scanning them for each rollup
 * (quadratic per series): the groups must be exactly those of the scanning version, kept here as
 * the reference, in any order of the rollups, with repeated writes, later writes and rollups
 * without an instance.
 */
import { describe, expect, it } from 'vitest';
import type { Rollup } from '../../src/index.js';
import { groupRollups, hashLabels, LabelTable, partOf, sameContent, type StoredSeries } from '../../src/metrics/window-query-series.js';
import type { WindowPart } from '../../src/metrics/window-query-window.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** The grouping before the index: each rollup scans its series' parts. */
function reference(rollups: Iterable<Rollup>, later = false): StoredSeries[] {
  const table = new LabelTable<{ labels: Readonly<Record<string, string>>; hash: number; parts: WindowPart[]; sorted: boolean }>();
  for (const r of rollups) {
    const hash = hashLabels(r.labels);
    const g = table.find(r.labels, hash) ?? table.add({ labels: r.labels, hash, parts: [], sorted: true }, hash);
    const p = partOf(r);
    let at = -1;
    if (r.instance !== undefined) {
      for (let i = g.parts.length - 1; i >= 0; i--) {
        if (g.parts[i]!.start === r.start && g.parts[i]!.instance === r.instance) {
          at = i;
          break;
        }
      }
    } else if (later) at = g.parts.findIndex((q) => sameContent(q, p));
    if (at >= 0) {
      if (later) g.parts[at] = p;
      continue;
    }
    const last = g.parts[g.parts.length - 1];
    if (last !== undefined && last.start > r.start) g.sorted = false;
    g.parts.push(p);
  }
  return table.values.map((g) => ({ labels: g.labels, hash: g.hash, key: undefined, parts: g.sorted ? g.parts : g.parts.sort((a, b) => a.start - b.start), shape: undefined }));
}

/** A seeded generator: the same rollups on every run. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

function rollup(slot: number, instance: string | undefined, sum: number, labels: Record<string, string> = { service: 'api' }): Rollup {
  return { name: 'latency_ms', kind: 'counter', labels, start: T0 + slot * HOUR, end: T0 + (slot + 1) * HOUR, count: 1, sum, min: sum, max: sum, instance };
}

function shuffle<T>(items: T[], rnd: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * 10,000 rollups of one series: 500 hourly slots from 16 instances, one write in ten repeated
 * with another value (a later write), and slots without an instance, some written twice alike.
 */
function oneSeries(rnd: () => number): Rollup[] {
  const out: Rollup[] = [];
  while (out.length < 10_000) {
    const slot = Math.floor(rnd() * 500);
    const roll = rnd();
    if (roll < 0.05) out.push(rollup(slot, undefined, slot % 3));
    else out.push(rollup(slot, `i-${Math.floor(rnd() * 16)}`, roll < 0.15 ? out.length : slot));
  }
  return out;
}

describe('groupRollups', () => {
  it('groups 10,000 rollups of one series in random order as the scanning version did', () => {
    const rnd = random(7);
    const rollups = shuffle(oneSeries(rnd), rnd);
    for (const later of [false, true]) {
      const groups = groupRollups(rollups, later);
      expect(groups).toEqual(reference(rollups, later));
      expect(groups).toHaveLength(1);
    }
  });

  it('finds a repeat that comes after ascending starts (the index is built late, from the parts so far)', () => {
    const ascending = Array.from({ length: 2000 }, (_, i) => rollup(i, 'a', i));
    const rollups = [...ascending, rollup(17, 'a', -1), rollup(17, 'b', -2), rollup(1999, 'a', -3), rollup(2000, 'a', 5), rollup(3, undefined, 1), rollup(3, undefined, 1)];
    for (const later of [false, true]) {
      const groups = groupRollups(rollups, later);
      expect(groups).toEqual(reference(rollups, later));
      expect(groups[0]!.parts.find((p) => p.start === T0 + 17 * HOUR && p.instance === 'a')!.sum).toBe(later ? -1 : 17);
    }
  });

  it('keeps series apart when their rollups interleave', () => {
    const rnd = random(11);
    const rollups = shuffle(
      Array.from({ length: 3000 }, (_, i) => rollup(Math.floor(rnd() * 100), `i-${i % 3}`, i, { service: `s${i % 5}`, route: i % 2 === 0 ? '/a' : '/b' })),
      rnd,
    );
    for (const later of [false, true]) {
      const groups = groupRollups(rollups, later);
      expect(groups).toEqual(reference(rollups, later));
      expect(groups).toHaveLength(10);
    }
  });
});
