// rangeStats keeps its scratch lists (held slots, pairs) between calls without emptying them, fills
// a caller's object when given one (the rule engine's group stats) and keeps the newest mean in
// locals; DistMemo copies the list it is given in place and reuses its arrays. On random windows
// read in random order (large reads then small ones, so stale entries would show), with and
// without a memo kept across calls, every figure must be the one a fresh call makes, bit for bit.
import { describe, expect, it } from 'vitest';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { OpenSlot, type HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { NewestMean } from '../../src/metrics/newest-mean.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { DistMemo } from '../../src/metrics/window-query-dist-memo.js';
import { RingCache } from '../../src/metrics/window-query-ring.js';
import { part } from '../../src/metrics/window-query-series.js';
import { MetricWindow, type RangeStats, type WindowPart, type WindowSeries } from '../../src/metrics/window-query-window.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NOW = T0 + 12 * SLOT + 7_000;
const PERCENTILES = [1, 50, 90, 95, 99, 99.9];

function windowOf(seed: number): MetricWindow {
  const rnd = random(seed);
  const layout = new BucketLayout(2);
  const resolution = 1e-3;
  const scale = 1 / resolution;
  const codec = new HdrCodec();
  const filled = (start: number, n: number): OpenSlot => {
    const s = new OpenSlot();
    s.reset(start);
    for (let i = 0; i < n; i++) s.record(rnd() < 0.3 ? Math.round(rnd() * 2000) / 1000 : rnd() * rnd() * 3, layout, scale);
    return s;
  };
  const series: WindowSeries[] = [];
  const rings = new RingCache();
  const count = 1 + Math.floor(rnd() * 30);
  for (let k = 0; k < count; k++) {
    const slots: HistogramSlot[] = [];
    if (rnd() < 0.5) {
      for (let i = 0; i < 11; i++) {
        const s = filled(T0 + (i + 1) * SLOT, rnd() < 0.05 ? 150 : Math.floor(rnd() * 6));
        slots.push(i === 10 ? s : s.close(layout, scale));
      }
    }
    const parts: WindowPart[] = [];
    const n = Math.floor(rnd() * 13);
    for (let i = 0; i < n; i++) {
      // Now and then a start no slot has (NaN: a hostile store's rollup) or a start shared with another part.
      const start = rnd() < 0.03 ? Number.NaN : T0 + Math.floor(rnd() * 13) * SLOT;
      const s = filled(Number.isNaN(start) ? T0 : start, 1 + Math.floor(rnd() * 8));
      const hdr = rnd() < 0.8 ? codec.encodeSlot(s, layout, scale) : undefined;
      parts.push(part('histogram', start, Number.isNaN(start) ? T0 + SLOT : start + SLOT, s.count, s.sum, s.min, s.max, undefined, `i${Math.floor(rnd() * 3)}`, hdr, resolution));
    }
    // Half the rings read through a ring cache, as the rule engine reads them (closed slots' numbers from one block).
    const view = slots.length > 0 && rnd() < 0.5 ? rings.view({ ring: slots, slot: slots[slots.length - 1]! }) : undefined;
    series.push(view === undefined ? { key: `s${k}`, labels: { s: String(k) }, current: undefined, slots, parts } : ({ key: `s${k}`, labels: { s: String(k) }, current: undefined, slots: view.slots, parts, ring: view } as WindowSeries));
  }
  return new MetricWindow('h', 'histogram', 'seconds', T0, NOW, NOW, series, 'i0', { layout, resolution, slotLength: SLOT }, new DecodedHistograms());
}

/** Every figure a rule reads of range stats, as numbers compared with Object.is. */
function figures(st: RangeStats): number[] {
  const d = st.dist;
  const dist = d === undefined ? [] : [d.count, d.sum, d.min, d.max, ...PERCENTILES.map((p) => d.percentile(p)), d.fractionAtOrBelow(0.5)];
  return [st.count, st.sum, st.min, st.max, st.lastMean, ...dist];
}

function same(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
}

/** The newest mean as NewestMean computes it over what the window counts in [from, to). */
function newestMean(w: MetricWindow, series: readonly WindowSeries[], from: number, to: number): number {
  const last = new NewestMean();
  for (const s of series) {
    for (const slot of s.slots) if (w.holds(slot, from, to)) last.add(slot.start, slot.count, slot.sum);
    for (const p of s.parts) if (p.count !== 0 && !(p.end <= from) && !(p.start >= (to >= w.now ? Infinity : to))) last.add(p.start, p.count, p.sum);
  }
  return last.mean(Number.NaN);
}

describe('rangeStats with kept scratch lists, a caller object and a kept memo', () => {
  it('gives what a fresh call gives, bit for bit, on random windows read in random order', () => {
    let checks = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = random(seed * 31);
      const windows = [windowOf(seed), windowOf(seed + 1000)];
      // A memo per (window, subset): kept across calls as the reader keeps one per group and range.
      const memos = new Map<string, DistMemo>();
      for (let step = 0; step < 40; step++) {
        const wi = Math.floor(rnd() * 2);
        const w = windows[wi]!;
        const sub = Math.floor(rnd() * 3);
        const series = sub === 0 ? w.series : w.series.filter((_, i) => i % (sub + 1) === 0);
        const from = T0 + Math.floor(rnd() * 10) * SLOT;
        const to = rnd() < 0.7 ? NOW : from + (1 + Math.floor(rnd() * 6)) * SLOT;
        const withDist = rnd() < 0.7;
        const id = `${wi} ${sub} ${from} ${to}`;
        let memo = memos.get(id);
        if (memo === undefined) memos.set(id, (memo = new DistMemo()));
        const out: RangeStats = { count: -1, sum: -1, min: -1, max: -1, lastMean: 5, dist: undefined };
        const kept = w.stats(series, from, to, withDist, withDist ? memo : undefined, out);
        expect(kept).toBe(out);
        const fresh = w.stats([...series], from, to, withDist);
        expect(same(figures(kept), figures(fresh)), `seed ${seed}, step ${step}: ${figures(kept)} vs ${figures(fresh)}`).toBe(true);
        expect(Object.is(fresh.lastMean, newestMean(w, series, from, to)), `seed ${seed}, step ${step}: last`).toBe(true);
        checks++;
      }
    }
    expect(checks).toBe(60 * 40);
  });

  it('counts a subset of series as the range stats of the filtered series do', () => {
    let checks = 0;
    for (let seed = 1; seed <= 80; seed++) {
      const rnd = random(seed * 97);
      const w = windowOf(seed + 500);
      for (let step = 0; step < 10; step++) {
        const mod = 1 + Math.floor(rnd() * 3);
        const keep = (labels: Readonly<Record<string, string>>): boolean => Number(labels['s']) % mod === 0;
        const from = T0 + Math.floor(rnd() * 10) * SLOT + (rnd() < 0.3 ? 11_000 : 0);
        const to = rnd() < 0.7 ? NOW : from + (1 + Math.floor(rnd() * 6)) * SLOT;
        const counted = w.count(w.series, from, to, keep);
        const filtered = w.stats(w.series.filter((s) => keep(s.labels)), from, to, false).count;
        expect(Object.is(counted, filtered), `seed ${seed}, step ${step}: ${counted} vs ${filtered}`).toBe(true);
        checks++;
      }
    }
    expect(checks).toBe(800);
  });

  it('keeps a memo exact when the list it is given is longer than the length it is told', () => {
    const memo = new DistMemo();
    const a = [1, 2, 5, 1];
    const b = [5, 3];
    expect(memo.update([a, b, [9, 100]], 2)).toBe(true);
    expect(memo.total).toBe(6);
    // The same two arrays again, the stale third one past the length: nothing changes.
    expect(memo.update([a, b, [9, 7]], 2)).toBe(true);
    expect(memo.total).toBe(6);
    expect(memo.update([b], 1)).toBe(true);
    expect(memo.total).toBe(3);
    expect(memo.buckets).toBe(1);
  });
});
