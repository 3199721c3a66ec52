import { hdrBufferSizes, hdrValueAt, readHdr, releaseHdrCounts } from './hdr-decode.js';
import type { BucketLayout } from './log-buckets.js';

/** @internal The lengths of the decoder's reused buffers, for tests: back at their defaults after each decode. */
export function decodeBufferSizes(): { raw: number; inflated: number; counts: number; pairs: number } {
  const sizes = hdrBufferSizes();
  return { ...sizes, pairs: 2 * sizes.counts };
}

/**
 * Decodes a rollup's `hdr` (HdrHistogram's compressed V2 encoding of values in integer units of
 * the rollup's `resolution`) into bucket counts of `layout` in units of `resolution`, the
 * resolution a reader merges into, which need not be the writer's: a reader that never defined
 * the metric takes both from the rollups, so no definition is needed. Values move to the bucket
 * of `value * rollupResolution / resolution`: exact when the two resolutions are equal, within
 * the layout's precision otherwise. The result is compact: `[index, count, index, count, ...]`
 * in increasing index order. Throws on data that is not such an encoding.
 *
 * No histogram object is built: the encoding's counts are read straight into the pairs
 * (`readHdr`), which is what a report over stored rollups spends most of its time on (building
 * an hdr-histogram-js histogram per rollup cost ~50 us of CPU each). In the writer's own layout
 * the pairs are copied once: a compacted day of 1,200 values (461 buckets) took 38 us of CPU
 * before that and table-driven inflate, 16 after, an hour of 50 values 10 and 7 (same process,
 * load average 12 on 2 cores).
 */
export function decodeRollupHdr(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): Float64Array {
  const h = readHdr(encoded);
  const factor = rollupResolution / resolution;
  const pairs = h.pairs;
  let n = 2 * h.n;
  if (factor !== 1 || h.unitMagnitude !== 0 || h.halfCount !== layout.subBucketHalfCount) {
    // Another scale: each index's lowest value moves to its bucket of `layout`, in place (the
    // pairs written never pass the pairs read). Otherwise the encoder's counts indexes are the
    // layout's (same sub-buckets, lowest 1, no rescaling: log-buckets.ts), the usual case of a
    // rollup written by pulsewatch, and the pairs are kept as they are.
    let w = 0;
    let lastIndex = -1;
    for (let r = 0; r < n; r += 2) {
      const value = hdrValueAt(pairs[r]!, h);
      const index = layout.index(factor === 1 ? value : Math.floor(value * factor));
      // Rescaled values can share a bucket: indexes only grow, so the same one is the last one.
      if (index === lastIndex) pairs[w - 1]! += pairs[r + 1]!;
      else {
        pairs[w] = index;
        pairs[w + 1] = pairs[r + 1]!;
        w += 2;
      }
      lastIndex = index;
    }
    n = w;
  }
  const decoded = pairs.slice(0, n);
  releaseHdrCounts();
  return decoded;
}

/** Most decoded histograms {@link DecodedHistograms} keeps (about 25 MB with small slots). */
export const MAX_DECODED = 100_000;
/** Most bytes {@link DecodedHistograms} keeps: its keys (one byte a base64 character) and decoded counts. */
export const MAX_DECODED_BYTES = 256 * 1024 * 1024;
/**
 * Longest `hdr` decoded: 1 MiB of base64 (768 KiB compressed). A 5-significant-digit histogram of
 * a million values spread over four decades encodes to about 310 KB; longer strings are treated as
 * undecodable (their totals still count) and not kept, so no single key holds megabytes.
 */
export const MAX_HDR_CHARS = 1024 * 1024;

/**
 * Decoded rollup histograms, kept between reads: stored rollups are read again at every rule
 * evaluation tick (and every snapshot), and decoding one costs tens of microseconds, so each
 * `hdr` is decoded once while it stays in use. Keyed by the encoding itself and the scale it is
 * decoded to. Bounded by `max` entries and `maxBytes` (keys and counts), least recently used
 * first out (`evicted` counts them). One per monitor (`MetricContext.fleet`).
 */
export class DecodedHistograms {
  /** By encoding: the scale it was decoded to (layout digits and both resolutions) and the counts. */
  private readonly entries = new Map<string, Entry>();
  /**
   * Walks `entries` in order, oldest first, across evictions. A fresh `keys()` at each eviction
   * re-skipped every entry deleted since the map last compacted (each hit deletes and re-adds
   * its entry): with 100,000 entries that scan was most of a 30-day report's time.
   */
  private oldest: Iterator<string> | undefined;
  /** Entries dropped to stay within `max` and `maxBytes`. */
  evicted = 0;
  /** Bytes the entries hold (see {@link bytesOf}). */
  private held = 0;

  constructor(
    readonly max = MAX_DECODED,
    readonly maxBytes = MAX_DECODED_BYTES,
  ) {}

  /** Decoded bucket counts of `encoded` (see {@link decodeRollupHdr}); null when it cannot be decoded or is longer than {@link MAX_HDR_CHARS}. */
  get(encoded: string, rollupResolution: number, layout: BucketLayout, resolution: number): Float64Array | null {
    if (encoded.length > MAX_HDR_CHARS) return null;
    const digits = layout.digits;
    const entry = this.entries.get(encoded);
    if (entry !== undefined && entry.digits === digits && entry.rollupResolution === rollupResolution && entry.resolution === resolution) {
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
    this.remove(encoded);
    this.entries.set(encoded, { digits, rollupResolution, resolution, pairs });
    this.held += bytesOf(encoded, pairs);
    while (this.entries.size > 0 && (this.entries.size > this.max || this.held > this.maxBytes)) this.evictOldest();
    return pairs;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.size;
  }

  /** Bytes the entries hold: keys and decoded counts. */
  get bytes(): number {
    return this.held;
  }

  private remove(encoded: string): void {
    const entry = this.entries.get(encoded);
    if (entry === undefined) return;
    this.entries.delete(encoded);
    this.held -= bytesOf(encoded, entry.pairs);
  }

  private evictOldest(): void {
    let next = this.oldest?.next();
    if (next === undefined || next.done === true) {
      this.oldest = this.entries.keys();
      next = this.oldest.next();
    }
    this.remove(next.value as string);
    this.evicted++;
  }
}

/** What an entry holds, roughly: its key (base64, one byte a character) and its counts. */
function bytesOf(encoded: string, pairs: Float64Array | null): number {
  return encoded.length + (pairs === null ? 0 : pairs.byteLength);
}

interface Entry {
  readonly digits: number;
  readonly rollupResolution: number;
  readonly resolution: number;
  readonly pairs: Float64Array | null;
}
