// rangeStats sums the decoded rollups' bucket counts of one call by index before handing them to
// the distribution (window-query-stats.ts): a bucket met several times, with zero counts among
// them, counts once with its whole count; memory slots of a window with decoded rollups go in
// as their buckets, summed with them.
import { describe, expect, it } from 'vitest';
import { Distribution } from '../../src/metrics/distribution.js';
import { OpenSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { DecodedHistograms } from '../../src/metrics/window-query-decode.js';
import { part } from '../../src/metrics/window-query-series.js';
import { MetricWindow, type MemoPart, type WindowSeries } from '../../src/metrics/window-query-window.js';

const SLOT = 30_000;
const T0 = 1_800_000_000_000;
const NOW = T0 + 4 * SLOT;
const layout = new BucketLayout(3);
const resolution = 1e-3;

/** A decoded rollup part whose bucket counts are `pairs` (index, count, ...), as a window finds them memoized on it. */
function decodedPart(start: number, pairs: number[], min: number, max: number): MemoPart {
  const count = pairs.reduce((n, v, i) => (i % 2 === 1 ? n + v : n), 0);
  const p = part('histogram', start, start + SLOT, Math.max(1, count), count * 0.1, min, max, undefined, 'other', 'hdr', resolution) as MemoPart;
  p.decoded = { digits: layout.digits, resolution, pairs: Float64Array.from(pairs) };
  return p;
}

function windowOf(series: WindowSeries[]): MetricWindow {
  return new MetricWindow('h', 'histogram', 'seconds', T0, NOW, NOW, series, 'self', { layout, resolution, slotLength: SLOT }, new DecodedHistograms());
}

describe('rangeStats: decoded counts summed by bucket', () => {
  it('counts a bucket met several times, zero counts among them, once with its whole count', () => {
    const parts = [decodedPart(T0, [100, 0, 200, 2], 0.1, 0.2), decodedPart(T0 + SLOT, [100, 3, 200, 0, 300, 1], 0.1, 0.3), decodedPart(T0 + 2 * SLOT, [100, 0], 0.1, 0.1)];
    const w = windowOf([{ key: 'a', labels: { a: '1' }, current: undefined, slots: [], parts }]);
    const dist = w.stats(w.series, T0, NOW, true).dist!;
    const expected = new Distribution(layout, resolution);
    const c = (d: Distribution) => [50, 60, 90, 99].map((p) => d.percentile(p));
    // The same counts as one slot each: 3 at 100, 2 at 200, 1 at 300.
    for (const [index, count] of [[100, 3], [200, 2], [300, 1]] as const) {
      expected.addSlot({ start: 0, count, sum: 0, min: 0.1, max: 0.3, exact: false, forEachValue() {}, forEachBucket: (_l, _s, fn) => fn(index, count) });
    }
    expected.count = dist.count;
    expect(c(dist)).toEqual(c(expected));
    expect(dist.fractionAtOrBelow(0.2)).toBe(expected.fractionAtOrBelow(0.2));
  });

  it('adds the memory slots of a window with decoded rollups as their buckets, and keeps one without exact', () => {
    const slot = new OpenSlot();
    slot.reset(T0 + 3 * SLOT);
    for (const v of [0.05, 0.25, 0.25, 0.75]) slot.record(v, layout, 1 / resolution);
    const mixed = windowOf([{ key: 'a', labels: { a: '1' }, current: undefined, slots: [slot], parts: [decodedPart(T0, [100, 2], 0.1, 0.1)] }]);
    const d = mixed.stats(mixed.series, T0, NOW, true).dist!;
    // What adding the rollup's counts, then the slot, to a distribution makes: bucketed, the slot as buckets.
    const expected = new Distribution(layout, resolution);
    expected.addSlot({ start: T0, count: 2, sum: 0.2, min: 0.1, max: 0.1, exact: false, forEachValue() {}, forEachBucket: (_l, _s, fn) => fn(100, 2) });
    expected.addSlot(slot);
    expect(d.count).toBe(6);
    expect(d.min).toBe(0.05);
    expect(d.max).toBe(0.75);
    expect(d.summary()).toEqual({ ...expected.summary(), sum: d.sum, mean: d.sum / 6 });
    expect([0.05, 0.1, 0.25, 0.5].map((v) => d.fractionAtOrBelow(v))).toEqual([0.05, 0.1, 0.25, 0.5].map((v) => expected.fractionAtOrBelow(v)));
    expect(d.percentile(50)).not.toBe(0.25);
    const memoryOnly = windowOf([{ key: 'a', labels: { a: '1' }, current: undefined, slots: [slot], parts: [] }]);
    // Memory slots alone stay exact: the median of 0.05, 0.25, 0.25, 0.75 is 0.25 itself.
    expect(memoryOnly.stats(memoryOnly.series, T0, NOW, true).dist!.percentile(50)).toBe(0.25);
  });
});
