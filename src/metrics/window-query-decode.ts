import * as hdr from 'hdr-histogram-js';
import type { JsHistogram } from 'hdr-histogram-js';
import type { BucketLayout } from './log-buckets.js';

/**
 * Decodes a rollup's `hdr` (HdrHistogram's compressed V2 encoding of values in integer units of
 * the rollup's `resolution`) into bucket counts of `layout` in units of `resolution`, the
 * resolution a reader merges into, which need not be the writer's: a reader that never defined
 * the metric takes both from the rollups, so no definition is needed. Values move to the bucket
 * of `value * rollupResolution / resolution`: exact when the two resolutions are equal, within
 * the layout's precision otherwise. The result is compact: `[index, count, index, count, ...]`
 * in increasing index order. Throws on data that is not such an encoding.
 */
export function decodeRollupHdr(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): Float64Array {
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32) as unknown as JsHistogram;
  const factor = rollupResolution / resolution;
  const pairs: number[] = [];
  let lastIndex = -1;
  for (let i = 0; i < decoded.countsArrayLength; i++) {
    const c = decoded.getCountAtIndex(i);
    if (c <= 0) continue;
    const value = decoded.valueFromIndex(i);
    const index = layout.index(factor === 1 ? value : Math.floor(value * factor));
    // Rescaled values can share a bucket: indexes only grow, so the same one is the last one.
    if (index === lastIndex) pairs[pairs.length - 1]! += c;
    else pairs.push(index, c);
    lastIndex = index;
  }
  return Float64Array.from(pairs);
}

/** Most decoded histograms {@link DecodedHistograms} keeps (about 25 MB with small slots). */
export const MAX_DECODED = 100_000;

/**
 * Decoded rollup histograms, kept between reads: stored rollups are read again at every rule
 * evaluation tick (and every snapshot), and decoding one costs tens of microseconds, so each
 * `hdr` is decoded once while it stays in use. Keyed by the encoding itself and the scale it is
 * decoded to. Bounded by `max` entries, least recently used first out (`evicted` counts them).
 * One per monitor (`MetricContext.fleet`).
 */
export class DecodedHistograms {
  /** By encoding: the scale it was decoded to (layout digits and both resolutions) and the counts. */
  private readonly entries = new Map<string, { scale: string; pairs: Float64Array | null }>();
  /** Entries dropped to stay within `max`. */
  evicted = 0;

  constructor(readonly max = MAX_DECODED) {}

  /** Decoded bucket counts of `encoded` (see {@link decodeRollupHdr}); null when it cannot be decoded. */
  get(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): Float64Array | null {
    const scale = `${layout.digits}/${rollupResolution}/${resolution}`;
    const entry = this.entries.get(encoded);
    if (entry !== undefined && entry.scale === scale) {
      // Most recently used last: the oldest entry is the first the map iterates.
      this.entries.delete(encoded);
      this.entries.set(encoded, entry);
      return entry.pairs;
    }
    let pairs: Float64Array | null;
    try {
      pairs = decodeRollupHdr(encoded, rollupResolution, layout, resolution);
    } catch {
      // A store returned data that is no HdrHistogram encoding: its totals still count.
      pairs = null;
    }
    this.entries.delete(encoded);
    this.entries.set(encoded, { scale, pairs });
    if (this.entries.size > this.max) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evicted++;
    }
    return pairs;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }
}
