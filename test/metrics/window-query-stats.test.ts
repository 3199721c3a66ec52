// MetricWindow.stats against the way it summed before (decoded rollups summed into one set of
// counts and merged last, memory slots added in series order), on random windows: the totals,
// the distribution's percentiles, its fractions and its exactness must be the same, bit for bit.
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Distribution } from '../../src/metrics/distribution.js';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { OpenSlot, type HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout, SparseCounts } from '../../src/metrics/log-buckets.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { part } from '../../src/metrics/window-query-series.js';
import { mergedBucketsLength } from '../../src/metrics/window-query-stats.js';
import { MetricWindow, type RangeStats, type WindowPart, type WindowSeries } from '../../src/metrics/window-query-window.js';
import { random } from '../helpers/random.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NOW = T0 + 12 * SLOT + 7_000;

interface Scene {
  window: MetricWindow;
  decoded: DecodedHistograms;
  layout: BucketLayout;
  resolution: number;
}

/** A random window: series with memory slots (open, closed exact, closed bucketed) and rollup parts (decodable, decoding to no counts, undecodable, without hdr). */
function scene(seed: number): Scene {
  const rnd = random(seed);
  const layout = new BucketLayout(rnd() < 0.5 ? 2 : 3);
  const resolution = rnd() < 0.7 ? 1e-3 : 1e-6;
  const scale = 1 / resolution;
  const codec = new HdrCodec();
  const value = (): number => (rnd() < 0.3 ? Math.round(rnd() * 2000) / 1000 : rnd() * rnd() * 3);
  const filled = (start: number, n: number): OpenSlot => {
    const s = new OpenSlot();
    s.reset(start);
    for (let i = 0; i < n; i++) s.record(value(), layout, scale);
    return s;
  };
  const size = (): number => (rnd() < 0.1 ? 130 + Math.floor(rnd() * 200) : Math.floor(rnd() * 12));
  const series: WindowSeries[] = [];
  const count = 1 + Math.floor(rnd() * 10);
  for (let k = 0; k < count; k++) {
    const slots: HistogramSlot[] = [];
    if (rnd() < 0.5) {
      for (let i = 0; i < 11; i++) {
        const start = T0 + (i + 1) * SLOT;
        const s = filled(start, size());
        slots.push(i === 10 ? s : s.close(layout, scale));
      }
    }
    const parts: WindowPart[] = [];
    const n = Math.floor(rnd() * 13);
    for (let i = 0; i < n; i++) {
      const start = T0 + Math.floor(rnd() * 13) * SLOT;
      const s = filled(start, 1 + size());
      const kind = rnd();
      const hdr = kind < 0.7 ? codec.encodeSlot(s, layout, scale) : kind < 0.77 ? codec.encodeSlot(filled(start, 0), layout, scale) : kind < 0.85 ? 'not an hdr' : undefined;
      parts.push(part('histogram', start, start + SLOT, s.count, s.sum, s.min, s.max, undefined, `i${Math.floor(rnd() * 3)}`, hdr, rnd() < 0.8 ? resolution : undefined));
    }
    parts.sort((a, b) => a.start - b.start);
    series.push({ key: `s${k}`, labels: { s: String(k) }, current: undefined, slots, parts });
  }
  const decoded = new DecodedHistograms();
  const window = new MetricWindow('h', 'histogram', 'seconds', T0, NOW, NOW, series, 'i0', { layout, resolution, slotLength: SLOT }, decoded);
  return { window, decoded, layout, resolution };
}

/** The summing `MetricWindow.stats` did before: decoded rollups into one set of counts, merged after every memory slot. */
function before(sc: Scene, series: readonly WindowSeries[], from: number, to: number, withDist: boolean): RangeStats {
  const { window, layout, resolution } = sc;
  const stats: RangeStats = { count: 0, sum: 0, min: Infinity, max: -Infinity, lastMean: Number.NaN, dist: withDist ? new Distribution(layout, resolution) : undefined };
  const end = to >= window.now ? Infinity : to;
  // `last` is the mean of every observation at the newest start (in any series, slot or part).
  let newest = -Infinity;
  let newestCount = 0;
  let newestSum = 0;
  const atNewest = (start: number, count: number, sum: number) => {
    if (start < newest) return;
    if (start > newest) [newest, newestCount, newestSum] = [start, 0, 0];
    newestCount += count;
    newestSum += sum;
  };
  let decoded: SparseCounts | undefined;
  let decodedMin = Infinity;
  let decodedMax = -Infinity;
  for (const s of series) {
    for (const slot of s.slots) {
      if (slot.count === 0 || slot.start + SLOT <= from || slot.start >= end) continue;
      stats.count += slot.count;
      stats.sum += slot.sum;
      stats.min = Math.min(stats.min, slot.min);
      stats.max = Math.max(stats.max, slot.max);
      atNewest(slot.start, slot.count, slot.sum);
      stats.dist?.addSlot(slot);
    }
    for (const p of s.parts) {
      if (p.count === 0 || p.end <= from || p.start >= end) continue;
      stats.count += p.count;
      stats.sum += p.sum;
      stats.min = Math.min(stats.min, p.min);
      stats.max = Math.max(stats.max, p.max);
      atNewest(p.start, p.count, p.sum);
      if (stats.dist === undefined) continue;
      const pairs = p.hdr === undefined ? null : sc.decoded.get(p.hdr, p.resolution ?? resolution, layout, resolution);
      if (pairs === null) stats.dist.addTotals(p.count, p.sum, p.min, p.max);
      else {
        decoded ??= new SparseCounts(layout);
        for (let i = 0; i < pairs.length; i += 2) decoded.add(pairs[i]!, pairs[i + 1]!);
        decodedMin = Math.min(decodedMin, p.min);
        decodedMax = Math.max(decodedMax, p.max);
      }
    }
  }
  if (newestCount > 0) stats.lastMean = newestSum / newestCount;
  if (decoded !== undefined && decoded.total > 0) stats.dist!.addCounts(decoded, 0, decodedMin, decodedMax);
  if (stats.dist !== undefined) {
    stats.dist.count = stats.count;
    stats.dist.sum = stats.sum;
  }
  return stats;
}

function facts(stats: RangeStats, probes: readonly number[]) {
  const d = stats.dist;
  return {
    count: stats.count,
    sum: stats.sum,
    min: stats.min,
    max: stats.max,
    lastMean: stats.lastMean,
    dist: d === undefined ? undefined : { ...d.summary(), dmin: d.min, dmax: d.max, fractions: probes.map((v) => d.fractionAtOrBelow(v)) },
  };
}

describe('MetricWindow.stats', () => {
  it('equals the former summing on random windows, totals and distributions alike', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const sc = scene(seed);
      const rnd = random(seed * 7919);
      const series = sc.window.series;
      const subset = series.filter(() => rnd() < 0.6);
      const from = T0 + Math.floor(rnd() * 12) * SLOT + (rnd() < 0.5 ? 0 : 11_000);
      const to = rnd() < 0.6 ? NOW : from + Math.floor(1 + rnd() * 8) * SLOT;
      const probes = [0.001, 0.2, 0.5, 1, 2.5];
      for (const s of [series, subset]) {
        for (const withDist of [true, false]) {
          expect(facts(sc.window.stats(s, from, to, withDist), probes), `seed ${seed}`).toEqual(facts(before(sc, s, from, to, withDist), probes));
        }
      }
    }
  });

  it('keeps a window of memory slots only exact, and one with decoded rollups in buckets', () => {
    const sc = scene(42);
    const memory = sc.window.series.filter((s) => s.slots.length > 0).map((s) => ({ ...s, parts: [] }));
    const mixed = sc.window.series;
    expect(memory.length).toBeGreaterThan(0);
    const exactly = sc.window.stats(memory, T0, NOW, true);
    expect(facts(exactly, [0.5])).toEqual(facts(before(sc, memory, T0, NOW, true), [0.5]));
    expect(facts(sc.window.stats(mixed, T0, NOW, true), [0.5])).toEqual(facts(before(sc, mixed, T0, NOW, true), [0.5]));
  });
});

describe('MetricWindow.stats last', () => {
  it('is the mean of every observation at the newest start, whatever the order of the series', () => {
    const layout = new BucketLayout(2);
    const at = (start: number, count: number, mean: number) => part('histogram', start, start + SLOT, count, count * mean, mean, mean, undefined, 'other', undefined, 1e-3);
    const a: WindowSeries = { key: 'a', labels: { route: '/a' }, current: undefined, slots: [], parts: [at(T0 + 4 * SLOT, 1, 7), at(T0 + 5 * SLOT, 1, 1)] };
    const b: WindowSeries = { key: 'b', labels: { route: '/b' }, current: undefined, slots: [], parts: [at(T0 + 3 * SLOT, 1, 5), at(T0 + 5 * SLOT, 3, 1000)] };
    const window = new MetricWindow('h', 'histogram', 'ms', T0, NOW, NOW, [a, b], 'self', { layout, resolution: 1e-3, slotLength: SLOT }, new DecodedHistograms());
    const last = (series: WindowSeries[]) => window.stats(series, T0, NOW, false).lastMean;
    expect(last([a, b])).toBe((1 + 3000) / 4);
    expect(last([b, a])).toBe((1 + 3000) / 4);
    expect(last([a])).toBe(1);
  });
});

describe('MetricWindow.stats bucket array', () => {
  /** A 56-character hdr whose one bucket sits at `lastIndex` (a hostile or corrupt stored rollup). */
  function farBucket(digits: number, lastIndex: number): string {
    const body: number[] = [];
    let v = 2 * lastIndex - 1;
    while (v >= 128) {
      body.push((v & 127) | 128);
      v = Math.floor(v / 128);
    }
    body.push(v, 2);
    const p = Buffer.alloc(40 + body.length);
    p.writeUInt32BE(0x1c849313, 0);
    p.writeUInt32BE(body.length, 4);
    p.writeUInt32BE(digits, 12);
    p.writeUInt32BE(1, 20);
    p.writeUInt32BE(0x80000000, 24);
    p.writeDoubleBE(1, 32);
    Buffer.from(body).copy(p, 40);
    const z = deflateSync(p);
    const h = Buffer.alloc(8);
    h.writeUInt32BE(0x1c849314, 0);
    h.writeUInt32BE(z.length, 4);
    return Buffer.concat([h, z]).toString('base64');
  }

  it('does not keep an array grown by a rollup with a huge bucket index', () => {
    const layout = new BucketLayout(5);
    const hdr = farBucket(5, 4_849_663);
    const parts = [part('histogram', T0, T0 + SLOT, 1, 1, 1, 1, undefined, 'other', hdr, 1e-3)];
    const series: WindowSeries = { key: 'a', labels: {}, current: undefined, slots: [], parts };
    const window = new MetricWindow('h', 'histogram', 'ms', T0, NOW, NOW, [series], 'self', { layout, resolution: 1e-3, slotLength: SLOT }, new DecodedHistograms());
    const stats = window.stats([series], T0, NOW, true);
    expect(stats.count).toBe(1);
    expect(stats.dist?.count).toBe(1);
    expect(mergedBucketsLength()).toBeLessThanOrEqual(65_536);
  });
});
