import { describe, expect, it } from 'vitest';
import { Distribution } from '../../src/metrics/distribution.js';
import { HdrCodec } from '../../src/metrics/hdr-codec.js';
import { EXACT_VALUES } from '../../src/metrics/histogram-closed-slot.js';
import { OpenSlot, RAW_CAPACITY, type HistogramSlot } from '../../src/metrics/histogram-slot.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';

const layout = new BucketLayout(2);
const RESOLUTION = 1e-6;
const SCALE = 1 / RESOLUTION;

/** Seeded log-normal latencies in seconds (median ~80 ms), as the benches use. */
function latencies(n: number, seed = 7): number[] {
  let s = seed;
  const next = () => (s = (s * 16807) % 2147483647) / 2147483647;
  return Array.from({ length: n }, () => Math.exp(-2.5 + 0.8 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next())));
}

function open(values: readonly number[], start = 30_000): OpenSlot {
  const slot = new OpenSlot();
  slot.reset(start);
  for (const v of values) slot.record(v, layout, SCALE);
  return slot;
}

function buckets(slot: HistogramSlot): [number, number][] {
  const out = new Map<number, number>();
  slot.forEachBucket(layout, SCALE, (index, count) => out.set(index, (out.get(index) ?? 0) + count));
  return [...out].sort((a, b) => a[0] - b[0]);
}

function values(slot: HistogramSlot): number[] {
  const out: number[] = [];
  slot.forEachValue(SCALE, (v) => out.push(v));
  return out.sort((a, b) => a - b);
}

describe('closing a histogram slot', () => {
  it('keeps start, count, sum, min and max exactly', () => {
    const vs = latencies(100);
    const o = open(vs, 1_733_000_000_000);
    const closed = o.close(layout, SCALE);
    expect(closed).toMatchObject({ start: 1_733_000_000_000, count: 100, sum: o.sum, min: Math.min(...vs), max: Math.max(...vs) });
  });

  it('keeps values that are whole units of the resolution exactly, whatever their number', () => {
    const vs = Array.from({ length: RAW_CAPACITY }, (_, i) => (i * 37 + 1) / 1000);
    const closed = open(vs).close(layout, SCALE);
    expect(closed.exact).toBe(true);
    expect(values(closed)).toEqual([...vs].sort((a, b) => a - b));
    // Sorted deltas in units of 1 ms (a power of ten of the resolution): about a byte each.
    expect(closed.byteLength).toBeLessThan(25 + 2 + 2 * RAW_CAPACITY);
  });

  it(`keeps up to ${EXACT_VALUES} values that are not whole units exactly, as recorded`, () => {
    const vs = latencies(EXACT_VALUES);
    const closed = open(vs).close(layout, SCALE);
    expect(closed.exact).toBe(true);
    expect(values(closed)).toEqual([...vs].sort((a, b) => a - b));
  });

  it('keeps more values that are not whole units as the same bucket counts the open slot reads', () => {
    const o = open(latencies(100));
    const closed = o.close(layout, SCALE);
    expect(closed.exact).toBe(false);
    expect(values(closed)).toEqual([]);
    expect(buckets(closed)).toEqual(buckets(o));
    // The memory this change is for: ~1 byte a bucket instead of 8 bytes a value.
    expect(closed.byteLength).toBeLessThan(160);
  });

  it('keeps the bucket counts of a slot past RAW_CAPACITY, large counts included', () => {
    const o = open(latencies(5_000));
    expect(o.bucketed).toBe(true);
    // A count past 2^32 (no Uint32 could hold it) and a bucket far from the others.
    o.counts!.add(layout.index(12_345), 2 ** 40);
    o.counts!.add(layout.index(9e12), 3);
    const closed = o.close(layout, SCALE);
    expect(buckets(closed)).toEqual(buckets(o));
  });

  it('round-trips an encoding longer than one chunk of character codes', () => {
    // ~6,000 buckets of three bytes each: well over 8,192 bytes.
    const o = open(latencies(RAW_CAPACITY + 1));
    for (let i = 0; i < 6_000; i++) o.counts!.add(i * 2, 300 + i);
    const closed = o.close(layout, SCALE);
    expect(closed.byteLength).toBeGreaterThan(8_192);
    expect(buckets(closed)).toEqual(buckets(o));
  });

  it('encodes the same HDR histogram for a rollup as the open slot it came from', () => {
    const codec = new HdrCodec();
    for (const vs of [latencies(100), latencies(3), [0.25, 0.5, 0.125]]) {
      const o = open(vs);
      expect(codec.encodeSlot(o.close(layout, SCALE), layout, SCALE)).toBe(codec.encodeSlot(o, layout, SCALE));
    }
  });

  it('gives percentiles within 1% of the exact ones, and the exact ones for whole units', () => {
    const vs = latencies(100);
    const sorted = [...vs].sort((a, b) => a - b);
    const dist = new Distribution(layout, RESOLUTION);
    dist.addSlot(open(vs).close(layout, SCALE));
    for (const p of [50, 90, 95, 99]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      expect(Math.abs(dist.percentile(p) - exact) / exact).toBeLessThan(0.01);
    }
    const whole = new Distribution(layout, RESOLUTION);
    whole.addSlot(open([0.012, 0.25, 0.003, 0.09]).close(layout, SCALE));
    expect(whole.summary()).toMatchObject({ p50: 0.012, p90: 0.25, min: 0.003, max: 0.25 });
  });
});
