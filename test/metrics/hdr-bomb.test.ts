/**
 * A stored `hdr` is untrusted: a few KB of base64 can inflate to hundreds of MB (a zip bomb),
 * which took the decoder seconds and kept the memory for the life of the process. It is refused
 * once it inflates past what its parameters (or any parameters) can encode, the decoder's buffers
 * go back to their default size, and a monitor reading it keeps the other rollups' statistics.
 */
import { deflateSync } from 'node:zlib';
import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import { MemoryStorage, createMonitor, type Rollup } from '../../src/index.js';
import { MAX_INFLATED_BYTES } from '../../src/metrics/hdr-decode.js';
import { inflateZlib } from '../../src/metrics/inflate.js';
import { BucketLayout } from '../../src/metrics/log-buckets.js';
import { DecodedHistograms, MAX_HDR_CHARS, decodeBufferSizes, decodeRollupHdr } from '../../src/metrics/window-query-decode.js';
import { ManualClock } from '../../src/testing.js';

const MiB = 1024 * 1024;

/**
 * An encoding whose header claims `digits`, range [1, `highest`] and 2^31 - 1 payload bytes, then
 * 1,000 counts at index 5 (which a decoder reading it would add) and `zeros` zero counts.
 */
function bomb(zeros: number, digits: number, highest: number): string {
  const header = Buffer.alloc(40);
  header.writeUInt32BE(0x1c849313, 0);
  header.writeUInt32BE(0x7fffffff, 4);
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(digits, 12);
  header.writeBigUInt64BE(1n, 16);
  header.writeBigUInt64BE(BigInt(highest), 24);
  header.writeBigUInt64BE(1n, 32);
  // ZigZag LEB128: -5 (a run of 5 zeros), then 1,000.
  const counts = Buffer.from([0x09, 0xd0, 0x0f]);
  const z = deflateSync(Buffer.concat([header, counts, Buffer.alloc(zeros)]), { level: 9 });
  const outer = Buffer.alloc(8);
  outer.writeUInt32BE(0x1c849314, 0);
  outer.writeUInt32BE(z.length, 4);
  return Buffer.concat([outer, z]).toString('base64');
}

function encode(values: readonly number[]): string {
  const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3 });
  for (const v of values) h.recordValue(v);
  return hdr.encodeIntoCompressedBase64(h);
}

/** hdr-histogram-js' counts as `[index, count, ...]` of `layout` (same resolution): the oracle. */
function reference(encoded: string, layout: BucketLayout): number[] {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32) as unknown as JsHistogram;
  const pairs: number[] = [];
  for (let i = 0; i < decoded.countsArrayLength; i++) {
    const c = decoded.getCountAtIndex(i);
    if (c > 0) pairs.push(layout.index(decoded.valueFromIndex(i)), c);
  }
  return pairs;
}

describe('a hostile hdr (zip bomb)', () => {
  const layout = new BucketLayout(3);
  const good = encode([1, 2, 3, 50, 700, 700, 12_345]);

  it('is refused once it inflates past what its parameters can encode, and the buffers go back to their default size', () => {
    decodeRollupHdr(good, 1e-3, layout, 1e-3);
    const defaults = decodeBufferSizes();
    // 8 MiB of zero counts under a header whose counts array is 768 long: at most 40 + 9 * 768 bytes.
    const small = bomb(8 * MiB, 2, 2048);
    expect(small.length).toBeLessThan(12_000);
    expect(() => decodeRollupHdr(small, 1e-3, layout, 1e-3)).toThrow('longer than its parameters allow');
    expect(decodeBufferSizes()).toEqual(defaults);
    expect(new DecodedHistograms().get(small, 1e-3, layout, 1e-3)).toBeNull();
    expect(decodeBufferSizes()).toEqual(defaults);
    // A good encoding after it still decodes.
    expect(Array.from(decodeRollupHdr(good, 1e-3, layout, 1e-3))).toEqual(reference(good, layout));
  });

  it('stops inflating at MAX_INFLATED_BYTES even under the widest parameters', () => {
    const defaults = decodeBufferSizes();
    const wide = bomb(MAX_INFLATED_BYTES + MiB, 5, Number.MAX_SAFE_INTEGER);
    expect(() => decodeRollupHdr(wide, 1e-3, layout, 1e-3)).toThrow(`inflates to more than ${MAX_INFLATED_BYTES} bytes`);
    expect(decodeBufferSizes()).toEqual(defaults);
    expect(Array.from(decodeRollupHdr(good, 1e-3, layout, 1e-3))).toEqual(reference(good, layout));
  });

  it('MAX_INFLATED_BYTES holds the largest legal histogram: 5 digits, the widest range, every count 2^32 - 1', () => {
    const h = hdr.build({ bitBucketSize: 32, lowestDiscernibleValue: 1, highestTrackableValue: Number.MAX_SAFE_INTEGER, numberOfSignificantValueDigits: 5 });
    const widest = h as unknown as JsHistogram & { setCountAtIndex(i: number, c: number): void; establishInternalTackingValues(n: number): void };
    const length = widest.countsArrayLength;
    expect(MAX_INFLATED_BYTES).toBe(40 + 9 * length);
    // Filled directly: recordValueWithCount of 4.8 million values takes seconds.
    for (let i = 0; i < length; i++) widest.setCountAtIndex(i, 2 ** 32 - 1);
    widest.establishInternalTackingValues(length);
    const defaults = decodeBufferSizes();
    const pairs = decodeRollupHdr(hdr.encodeIntoCompressedBase64(widest), 1, new BucketLayout(5), 1);
    expect(pairs.length).toBe(2 * length);
    let same = true;
    for (let i = 0; i < length; i++) same &&= pairs[2 * i] === i && pairs[2 * i + 1] === 2 ** 32 - 1;
    expect(same).toBe(true);
    expect(decodeBufferSizes()).toEqual(defaults);
  });

  it('an hdr longer than MAX_HDR_CHARS is not decoded nor kept', () => {
    const cache = new DecodedHistograms();
    const long = `${good}${'A'.repeat(MAX_HDR_CHARS - good.length + 4)}`;
    expect(cache.get(long, 1e-3, layout, 1e-3)).toBeNull();
    expect(cache.size).toBe(0);
    expect(cache.bytes).toBe(0);
    expect(cache.get(good, 1e-3, layout, 1e-3)).not.toBeNull();
    expect(cache.size).toBe(1);
  });

  it('the cache of decoded histograms stays within its bytes, dropping the oldest', () => {
    const encodings = Array.from({ length: 20 }, (_, i) => encode([i + 1, 10 * (i + 1), 1000 + i]));
    const one = encodings[0]!.length + 3 * 16;
    const cache = new DecodedHistograms(1_000, 5 * one);
    for (const e of encodings) cache.get(e, 1e-3, layout, 1e-3);
    expect(cache.bytes).toBeLessThanOrEqual(5 * one);
    expect(cache.size).toBeGreaterThan(0);
    expect(cache.evicted).toBe(20 - cache.size);
    // The newest is still held.
    const before = cache.evicted;
    cache.get(encodings[19]!, 1e-3, layout, 1e-3);
    expect(cache.evicted).toBe(before);
  });

  it('a monitor reading a store holding one bomb among good rollups gives the good ones\' percentiles', async () => {
    const T0 = Date.UTC(2026, 0, 1);
    const SLOT = 10_000;
    const rollup = (start: number, hdrText: string, count: number, sum: number, min: number, max: number): Rollup => ({
      name: 'latency_milliseconds',
      kind: 'histogram',
      labels: {},
      start,
      end: start + SLOT,
      count,
      sum,
      min,
      max,
      hdr: hdrText,
      resolution: 1e-3,
      service: 'x',
      instance: 'other',
    });
    // Values in units of 1e-3 ms.
    const a = rollup(T0, encode([1000, 2000, 3000]), 3, 6, 1, 3);
    const b = rollup(T0 + SLOT, encode([40_000, 50_000]), 2, 90, 40, 50);
    const bad = rollup(T0 + 2 * SLOT, bomb(8 * MiB, 2, 2048), 4, 8, 2, 2);
    const read = async (rollups: Rollup[]) => {
      const clock = new ManualClock(T0);
      const storage = new MemoryStorage({ now: () => clock.now() });
      await storage.writeRollups(rollups);
      clock.set(T0 + 4 * SLOT);
      const monitor = createMonitor({ clock, storage });
      const stats = await monitor.getAggregatedMetrics({ name: 'latency_milliseconds', window: '5m' });
      await monitor.close();
      return stats;
    };
    const withBomb = await read([a, b, bad]);
    const without = await read([a, b]);
    // Its totals count; its counts (1,000 values of 5 units) are not read.
    expect(withBomb).toMatchObject({ kind: 'histogram', count: 9, sum: 104, min: 1, max: 50 });
    expect(without).toMatchObject({ count: 5, sum: 96 });
    expect(without.p50).toBeGreaterThan(0);
    expect({ p50: withBomb.p50, p95: withBomb.p95, p99: withBomb.p99 }).toEqual({ p50: without.p50, p95: without.p95, p99: without.p99 });
    expect(decodeBufferSizes()).toEqual({ raw: 65_536, inflated: 65_536, counts: 4096, pairs: 8192 });
  });
});

describe('inflateZlib output limit', () => {
  it('writes up to the limit and throws past it, whatever the block type and the buffer size', () => {
    const input = Uint8Array.from({ length: 20_000 }, (_, i) => (i * 7) % 13);
    for (const level of [0, 1, 9]) {
      const z = deflateSync(input, { level });
      expect(inflateZlib(z, 0, z.length, { bytes: new Uint8Array(16) }, input.length), `level ${level}`).toBe(input.length);
      expect(() => inflateZlib(z, 0, z.length, { bytes: new Uint8Array(16) }, input.length - 1), `level ${level}`).toThrow('inflates to more than');
      // A buffer already larger than the limit does not lift it.
      expect(() => inflateZlib(z, 0, z.length, { bytes: new Uint8Array(100_000) }, 1000), `level ${level}`).toThrow('inflates to more than 1000 bytes');
    }
  });
});
