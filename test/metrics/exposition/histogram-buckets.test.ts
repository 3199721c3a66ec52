import { describe, expect, it } from 'vitest';
import { createMonitor } from '../../../src/index.js';
import { SECONDS_BUCKETS } from '../../../src/metrics/options.js';
import { ManualClock } from '../../../src/testing.js';
import { bucketsOf, valueOf } from './parse-exposition.js';

/**
 * `_bucket` counts come from each series' slots: a slot keeps its first 128 values exactly
 * ("raw"), and past that switches to HDR bucket counts (2 significant digits by default, so a
 * value is known to within ~1%). These tests pin both modes down through the exposition.
 */
const RAW_CAPACITY = 128;
const SLOT = 30_000;

function setup(options: Parameters<typeof createMonitor>[0] = {}) {
  const clock = new ManualClock();
  const monitor = createMonitor({ clock, ...options });
  const h = monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds' });
  return { clock, monitor, h };
}

/** Exact cumulative counts of `values` at each default bound, plus +Inf. */
function exactCumulative(values: readonly number[], bounds: readonly number[] = SECONDS_BUCKETS): number[] {
  return [...bounds.map((b) => values.filter((v) => v <= b).length), values.length];
}

/** The next double above `x`. */
function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const i = new BigInt64Array(f.buffer);
  i[0]! += 1n;
  return f[0]!;
}

/** A deterministic generator of numbers in [0, 1) (a 32-bit LCG), so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function counts(monitor: ReturnType<typeof setup>['monitor']): number[] {
  return bucketsOf(monitor.exportPrometheusMetrics(), 'op_duration_seconds').map((b) => b.count);
}

describe('histogram buckets while a slot keeps raw values (at most 128 per slot)', () => {
  it('counts a value exactly on a bound in that bound (le means <=)', () => {
    const { monitor, h } = setup();
    for (const b of SECONDS_BUCKETS) h.observe(b);
    expect(counts(monitor)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11]);
  });

  it('counts the next double above a bound in the next bucket', () => {
    const { monitor, h } = setup();
    for (const b of SECONDS_BUCKETS) h.observe(nextUp(b));
    expect(counts(monitor)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('matches exact counts for 128 arbitrary values', () => {
    const { monitor, h } = setup();
    const next = random(7);
    const values = Array.from({ length: RAW_CAPACITY }, () => 12 * next() ** 3);
    for (const v of values) h.observe(v);
    expect(counts(monitor)).toEqual(exactCumulative(values));
  });
});

describe('histogram buckets once a slot holds more than 128 values (HDR counts)', () => {
  it('still counts values exactly on a bound in that bound', () => {
    const { monitor, h } = setup();
    for (let i = 0; i < 200; i++) {
      h.observe(0.1);
      h.observe(1);
      h.observe(10);
    }
    const c = counts(monitor);
    expect(c[SECONDS_BUCKETS.indexOf(0.05)]).toBe(0);
    expect(c[SECONDS_BUCKETS.indexOf(0.1)]).toBe(200);
    expect(c[SECONDS_BUCKETS.indexOf(0.5)]).toBe(200);
    expect(c[SECONDS_BUCKETS.indexOf(1)]).toBe(400);
    expect(c[SECONDS_BUCKETS.indexOf(5)]).toBe(400);
    expect(c[SECONDS_BUCKETS.indexOf(10)]).toBe(600);
    expect(c.at(-1)).toBe(600);
  });

  it('separates values 2% either side of every bound (beyond the ~1% HDR precision)', () => {
    const { monitor, h } = setup();
    const values: number[] = [];
    for (const b of SECONDS_BUCKETS) values.push(b * 0.98, b * 1.02);
    for (let i = 0; i < 20; i++) for (const v of values) h.observe(v);
    expect(20 * values.length).toBeGreaterThan(RAW_CAPACITY);
    expect(counts(monitor)).toEqual(exactCumulative(values).map((n) => n * 20));
  });

  it('misplaces only values within 1% of a bound, over thousands of spread-out values', () => {
    const { monitor, h } = setup();
    const next = random(42);
    // Log-uniform from 100 µs to 30 s: every bucket gets values, many close to its bounds.
    const values = Array.from({ length: 5000 }, () => 1e-4 * 3e5 ** next());
    for (const v of values) h.observe(v);
    const got = counts(monitor);
    const exact = exactCumulative(values);
    SECONDS_BUCKETS.forEach((b, i) => {
      const near = values.filter((v) => Math.abs(v - b) <= 0.01 * b).length;
      expect(Math.abs(got[i]! - exact[i]!), `le=${b}: got ${got[i]}, exact ${exact[i]}, ${near} values within 1%`).toBeLessThanOrEqual(near);
    });
    const text = monitor.exportPrometheusMetrics();
    expect(got.at(-1)).toBe(5000);
    expect(valueOf(text, 'op_duration_seconds_count')).toBe(5000);
    expect(valueOf(text, 'op_duration_seconds_sum')).toBeCloseTo(values.reduce((a, v) => a + v, 0), 6);
  });

  it('keeps buckets cumulative and non-decreasing', () => {
    const { monitor, h } = setup();
    const next = random(3);
    for (let i = 0; i < 1000; i++) h.observe(20 * next());
    const c = counts(monitor);
    for (let i = 1; i < c.length; i++) expect(c[i]!).toBeGreaterThanOrEqual(c[i - 1]!);
    expect(c.at(-1)).toBe(1000);
  });

  it('places values with the precision the histogram is given (3 digits: within 0.1%)', () => {
    const clock = new ManualClock();
    const monitor = createMonitor({ clock, histogram: { significantDigits: 3 } });
    const h = monitor.histogram({ name: 'op_duration_seconds', help: 'x', unit: 'seconds' });
    const values: number[] = [];
    for (const b of SECONDS_BUCKETS) values.push(b * 0.995, b, b * 1.005);
    for (let i = 0; i < 10; i++) for (const v of values) h.observe(v);
    expect(counts(monitor)).toEqual(exactCumulative(values).map((n) => n * 10));
  });
});

describe('histogram buckets across slots', () => {
  it('add closed slots (raw and HDR alike) to the current one, so buckets only grow', () => {
    const { clock, monitor, h } = setup();
    const all: number[] = [];
    const seen: number[][] = [];
    // Busy slots (HDR) and quiet slots (raw), values 2% off the bounds so both modes are exact.
    for (const n of [300, 5, 200, 1, 150]) {
      for (let i = 0; i < n; i++) {
        const b = SECONDS_BUCKETS[i % SECONDS_BUCKETS.length]!;
        const v = i % 2 === 0 ? b * 0.98 : b * 1.02;
        h.observe(v);
        all.push(v);
      }
      seen.push(counts(monitor));
      expect(seen.at(-1)).toEqual(exactCumulative(all));
      clock.advance(SLOT);
    }
    for (let s = 1; s < seen.length; s++) seen[s]!.forEach((c, i) => expect(c).toBeGreaterThanOrEqual(seen[s - 1]![i]!));
  });

  it('keep counting after the ring of in-memory slots wraps around', () => {
    const { clock, monitor, h } = setup({ histogram: { slots: 2 } });
    for (let slot = 0; slot < 6; slot++) {
      for (let i = 0; i < 200; i++) h.observe(i % 2 === 0 ? 0.02 : 3);
      clock.advance(SLOT);
    }
    const text = monitor.exportPrometheusMetrics();
    expect(valueOf(text, 'op_duration_seconds_count')).toBe(1200);
    expect(counts(monitor)).toEqual([0, 0, 600, 600, 600, 600, 600, 600, 600, 1200, 1200, 1200]);
  });
});
