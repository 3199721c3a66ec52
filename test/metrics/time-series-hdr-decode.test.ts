import { deflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { inflateZlib } from '../../src/metrics/inflate.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { DecodedHistograms, decodeRollupHdr } from '../../src/metrics/window-query-decode.js';

/** The decoder as it was (hdr-histogram-js builds a histogram, its counts are walked): the oracle. */
function reference(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): Float64Array {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32) as unknown as JsHistogram;
  const factor = rollupResolution / resolution;
  const pairs: number[] = [];
  let lastIndex = -1;
  for (let i = 0; i < decoded.countsArrayLength; i++) {
    const c = decoded.getCountAtIndex(i);
    if (c <= 0) continue;
    const value = decoded.valueFromIndex(i);
    const index = layout.index(factor === 1 ? value : Math.floor(value * factor));
    if (index === lastIndex) pairs[pairs.length - 1]! += c;
    else pairs.push(index, c);
    lastIndex = index;
  }
  return Float64Array.from(pairs);
}

/** Seeded: a failure names its seed and replays. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function randomHistogram(rnd: () => number): string {
  const digits = Math.floor(rnd() * 6);
  const lowest = rnd() < 0.8 ? 1 : [2, 3, 1000, 1024][Math.floor(rnd() * 4)]!;
  const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: lowest, highestTrackableValue: 2 * lowest, numberOfSignificantValueDigits: digits as 2 });
  const centre = Math.exp(rnd() * 30);
  const spread = rnd() * 3;
  const n = Math.floor(rnd() * (rnd() < 0.1 ? 5_000 : 60));
  for (let i = 0; i < n; i++) {
    const normal = Math.sqrt(-2 * Math.log(rnd() || 1e-9)) * Math.cos(2 * Math.PI * rnd());
    const value = Math.min(2 ** 50, Math.max(0, Math.round(centre * Math.exp(spread * normal))));
    // Some values with large counts: counts past 2^7, 2^14, 2^21 take more LEB128 bytes.
    const count = rnd() < 0.05 ? Math.floor(rnd() * 2 ** 30) + 1 : 1;
    h.recordValueWithCount(value, count);
  }
  return hdr.encodeIntoCompressedBase64(h);
}

describe('decodeRollupHdr (no histogram object)', () => {
  it('gives exactly the pairs hdr-histogram-js gives, on 3,000 random histograms, layouts and resolutions', () => {
    const resolutions = [1e-6, 1e-3, 1, 1e-9];
    for (let seed = 1; seed <= 3_000; seed++) {
      const rnd = random(seed);
      const encoded = randomHistogram(rnd);
      const layout = new BucketLayout(1 + Math.floor(rnd() * 5));
      const rollupResolution = resolutions[Math.floor(rnd() * resolutions.length)]!;
      const resolution = rnd() < 0.5 ? rollupResolution : resolutions[Math.floor(rnd() * resolutions.length)]!;
      expect(Array.from(decodeRollupHdr(encoded, rollupResolution, layout, resolution)), `seed ${seed}`).toEqual(Array.from(reference(encoded, rollupResolution, layout, resolution)));
    }
  });

  it("copies the counts indexes when the reader's layout is the writer's: the pairs hdr-histogram-js gives, on 2,000 random histograms and merged ones", () => {
    for (let seed = 1; seed <= 2_000; seed++) {
      const rnd = random(50_000 + seed);
      // The case a pulsewatch reader meets: the writer's digits, lowest 1, the same resolution;
      // sometimes a compacted rollup (histograms merged, as compaction does) or huge counts.
      const digits = 1 + Math.floor(rnd() * 5);
      const build = () => hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: digits as 2 });
      const merged = build() as unknown as JsHistogram;
      const parts = rnd() < 0.3 ? 2 + Math.floor(rnd() * 24) : 1;
      const centre = Math.exp(rnd() * 25);
      for (let k = 0; k < parts; k++) {
        const h = build();
        const n = Math.floor(rnd() * 80);
        for (let i = 0; i < n; i++) {
          const normal = Math.sqrt(-2 * Math.log(rnd() || 1e-9)) * Math.cos(2 * Math.PI * rnd());
          h.recordValueWithCount(Math.min(2 ** 52, Math.max(0, Math.round(centre * Math.exp(rnd() * 2 * normal)))), rnd() < 0.02 ? Math.floor(rnd() * 2 ** 32) + 1 : 1);
        }
        merged.add(h as unknown as JsHistogram);
      }
      const encoded = hdr.encodeIntoCompressedBase64(merged as unknown as hdr.Histogram);
      const layout = new BucketLayout(digits);
      expect(Array.from(decodeRollupHdr(encoded, 1e-6, layout, 1e-6)), `seed ${seed}`).toEqual(Array.from(reference(encoded, 1e-6, layout, 1e-6)));
    }
  });

  it('gives the same pairs for an empty histogram and one holding only zero', () => {
    const layout = new BucketLayout(2);
    const empty = hdr.build({ numberOfSignificantValueDigits: 2 });
    const zero = hdr.build({ numberOfSignificantValueDigits: 2 });
    zero.recordValue(0);
    for (const h of [empty, zero]) {
      const encoded = hdr.encodeIntoCompressedBase64(h);
      expect(Array.from(decodeRollupHdr(encoded, 1e-3, layout, 1e-3))).toEqual(Array.from(reference(encoded, 1e-3, layout, 1e-3)));
    }
  });

  it('reads an encoding with surrounding whitespace and its URL-safe form', () => {
    const layout = new BucketLayout(3);
    const encoded = randomHistogram(random(99));
    const expected = Array.from(reference(encoded, 1e-6, layout, 1e-6));
    expect(Array.from(decodeRollupHdr(`  ${encoded}\n`, 1e-6, layout, 1e-6))).toEqual(expected);
    expect(Array.from(decodeRollupHdr(encoded.replaceAll('+', '-').replaceAll('/', '_'), 1e-6, layout, 1e-6))).toEqual(expected);
  });

  it('throws on what is no encoding (not base64, a wrong cookie, truncated, a flipped byte), never hangs', () => {
    const layout = new BucketLayout(2);
    const encoded = randomHistogram(random(5));
    const bytes = Buffer.from(encoded, 'base64');
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 3]! ^= 0xff;
    const cookie = Buffer.from(bytes);
    cookie[0] = 0;
    for (const bad of ['', 'abc', 'not base64!', cookie.toString('base64'), bytes.subarray(0, bytes.length - 6).toString('base64'), flipped.toString('base64')]) {
      expect(() => decodeRollupHdr(bad, 1e-3, layout, 1e-3), bad).toThrow();
    }
  });

  it('a cache of decoded histograms keeps at most its bound and counts what it drops', () => {
    const layout = new BucketLayout(2);
    const cache = new DecodedHistograms(10);
    const encodings = Array.from({ length: 25 }, (_, i) => randomHistogram(random(1_000 + i)));
    for (const e of encodings) expect(cache.get(e, 1e-6, layout, 1e-6)).toEqual(reference(e, 1e-6, layout, 1e-6));
    expect(cache.size).toBeLessThanOrEqual(10);
    expect(cache.evicted).toBe(25 - cache.size);
    // The newest are still held: reading them again decodes nothing new.
    const before = cache.evicted;
    cache.get(encodings[24]!, 1e-6, layout, 1e-6);
    expect(cache.evicted).toBe(before);
    expect(cache.get('not base64!', 1e-6, layout, 1e-6)).toBeNull();
  });
});

describe('inflateZlib', () => {
  it('inflates what zlib deflates: stored, fixed and dynamic blocks, long matches, several blocks', () => {
    const rnd = random(42);
    const inputs: Uint8Array[] = [new Uint8Array(0), Uint8Array.of(7), new Uint8Array(70_000).fill(3)];
    for (let i = 0; i < 200; i++) {
      const n = Math.floor(rnd() * (i % 10 === 0 ? 100_000 : 600));
      const alphabet = 1 + Math.floor(rnd() * 255);
      inputs.push(Uint8Array.from({ length: n }, () => Math.floor(rnd() * rnd() * alphabet)));
    }
    const out = { bytes: new Uint8Array(16) };
    for (const [i, input] of inputs.entries()) {
      for (const level of [0, 1, 6, 9]) {
        const z = deflateSync(input, { level });
        const n = inflateZlib(z, 0, z.length, out, Infinity);
        expect(n, `input ${i} level ${level}`).toBe(input.length);
        expect(Buffer.from(out.bytes.subarray(0, n)).equals(Buffer.from(input)), `input ${i} level ${level}`).toBe(true);
      }
    }
  });
});
