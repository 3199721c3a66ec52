/**
 * The fast reader of HdrHistogram compressed V2 encodings (the `hdr` of histogram rollups): base64
 * and zlib decoded into reused buffers, the counts read without building a histogram. A report
 * over stored rollups spends most of its time here. The encoding side (hdr-histogram-js, at slot
 * close) is hdr-codec.ts.
 */
import { inflateZlib, type InflateOutput } from './inflate.js';

/**
 * The counts of an HdrHistogram compressed V2 encoding, as {@link readHdr} leaves them: the
 * encoder's parameters, and its non-zero counts by counts index (increasing). The array is
 * shared and overwritten by the next call: read it before decoding another.
 */
export interface HdrCounts {
  /** The encoder's significant digits (0..5). */
  digits: number;
  /** Its lowest discernible value (>= 1). */
  lowest: number;
  /** Half its sub-bucket count and log2 of its unit: what {@link hdrValueAt} needs. */
  halfCount: number;
  unitMagnitude: number;
  /** Its counts array length (indexes at or past it are not counted, as hdr-histogram-js drops them). */
  length: number;
  /** How many non-zero counts `pairs` holds. */
  n: number;
  /**
   * The non-zero counts as `[index, count, index, count, ...]` (the first `2 * n` numbers): the
   * form a decoded rollup is kept in (window-query-decode.ts), so that one copy makes it.
   */
  pairs: Float64Array;
}

const V2_COMPRESSED_COOKIE = 0x1c849304;
const V2_COOKIE = 0x1c849303;
const HEADER_BYTES = 40;
const TWO_POW_32 = 2 ** 32;
const BASE64 = new Int8Array(128).fill(-1);
{
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < 64; i++) BASE64[alphabet.charCodeAt(i)] = i;
  // URL-safe base64, as base64-js (hdr-histogram-js' decoder) reads it.
  BASE64[45] = 62;
  BASE64[95] = 63;
}

/**
 * The most counts an encoding can hold: hdr-histogram-js' counts length for 5 significant digits,
 * lowest discernible value 1 and the widest range (past 2^53 it adds no bucket): 4,849,664.
 */
const MAX_COUNTS_LENGTH = countsLength(0, 2 ** 18, Number.MAX_VALUE);
/**
 * The most bytes a real encoding inflates to: the header and at most 9 bytes (LEB128-64b9B) a
 * count, one count or run of zeros per index: 43,647,016. More is a zip bomb (a few hundred KB of
 * base64 inflating to gigabytes): inflating stops there. An encoding's own parameters bound it
 * further ({@link readHdr}).
 */
export const MAX_INFLATED_BYTES = HEADER_BYTES + 9 * MAX_COUNTS_LENGTH;

// Reused buffers, grown by a large encoding and put back to these sizes after it, so one large
// (or hostile) encoding does not keep megabytes for the life of the process. The defaults hold
// 5-digit histograms of tens of thousands of values without growing.
const RAW_BYTES = 64 * 1024;
const INFLATED_BYTES = 64 * 1024;
const COUNTS = 4096;
const raw: InflateOutput = { bytes: new Uint8Array(RAW_BYTES) };
const inflated: InflateOutput = { bytes: new Uint8Array(INFLATED_BYTES) };
const result: HdrCounts = { digits: 0, lowest: 1, halfCount: 1, unitMagnitude: 0, length: 0, n: 0, pairs: new Float64Array(2 * COUNTS) };

/** Base64 (standard or URL-safe, `=` padded) into `raw.bytes`; the number of bytes. Throws on anything else. */
function base64(text: string): number {
  const len = text.length;
  if (len % 4 !== 0) throw new Error('invalid base64: length is not a multiple of 4');
  let pad = 0;
  if (len > 0 && text.charCodeAt(len - 1) === 61) pad = text.charCodeAt(len - 2) === 61 ? 2 : 1;
  const size = (len / 4) * 3 - pad;
  if (raw.bytes.length < size) raw.bytes = new Uint8Array(Math.max(size, raw.bytes.length * 2));
  const out = raw.bytes;
  let n = 0;
  for (let i = 0; i < len; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const last = i + 4 === len;
    const c = last && pad === 2 ? 0 : sextet(text, i + 2);
    const d = last && pad >= 1 ? 0 : sextet(text, i + 3);
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[n++] = v >> 16;
    if (n < size) out[n++] = (v >> 8) & 0xff;
    if (n < size) out[n++] = v & 0xff;
  }
  return size;
}

function sextet(text: string, i: number): number {
  const code = text.charCodeAt(i);
  const v = code < 128 ? BASE64[code]! : -1;
  if (v < 0) throw new Error(`invalid base64: character ${JSON.stringify(text[i])} at ${i}`);
  return v;
}

function uint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * Reads an HdrHistogram compressed V2 encoding (base64, as `encodeIntoCompressedBase64` writes
 * it and rollups carry it) without building a histogram: base64 and zlib decoded into reused
 * buffers, the ZigZag LEB128 counts read straight into {@link HdrCounts} (shared, valid until the
 * next call). Gives what `decodeFromCompressedBase64` of hdr-histogram-js (32-bit counts) holds:
 * the same parameters are refused (an `Error`), counts are kept modulo 2^32 and indexes past the
 * counts array are dropped, as its `Uint32Array` does. test/metrics/time-series-hdr-decode.test.ts
 * checks it against hdr-histogram-js on random histograms. Unlike it, data that inflates past
 * what its parameters can encode is refused too (inflating stops at {@link MAX_INFLATED_BYTES},
 * the most any parameters allow): hdr-histogram-js takes minutes and gigabytes on such a zip bomb.
 */
export function readHdr(encoded: string): HdrCounts {
  releaseHdrCounts();
  try {
    return read(encoded);
  } finally {
    if (raw.bytes.length > RAW_BYTES) raw.bytes = new Uint8Array(RAW_BYTES);
    if (inflated.bytes.length > INFLATED_BYTES) inflated.bytes = new Uint8Array(INFLATED_BYTES);
  }
}

/**
 * Puts the counts arrays {@link readHdr} left back to their default size if a large encoding grew
 * them. Call once they are read (the next `readHdr` does it too).
 */
export function releaseHdrCounts(): void {
  if (result.pairs.length > 2 * COUNTS) {
    result.pairs = new Float64Array(2 * COUNTS);
    result.n = 0;
  }
}

/** @internal The lengths of the decoder's reused buffers, for tests: back at their defaults after each decode. */
export function hdrBufferSizes(): { raw: number; inflated: number; counts: number } {
  return { raw: raw.bytes.length, inflated: inflated.bytes.length, counts: result.pairs.length / 2 };
}

function read(encoded: string): HdrCounts {
  const text = encoded.trim();
  const size = base64(text);
  const bytes = raw.bytes;
  if (size < 8 || (uint32(bytes, 0) & ~0xf0) !== V2_COMPRESSED_COOKIE) throw new Error('not an HdrHistogram V2 compressed encoding');
  const n = inflateZlib(bytes, 8, Math.min(size, 8 + uint32(bytes, 4)), inflated, MAX_INFLATED_BYTES);
  const data = inflated.bytes;
  if (n < HEADER_BYTES || (uint32(data, 0) & ~0xf0) !== V2_COOKIE) throw new Error('not an HdrHistogram V2 encoding');
  const payload = uint32(data, 4);
  const digits = uint32(data, 12);
  const lowest = uint32(data, 16) * TWO_POW_32 + uint32(data, 20);
  const highest = uint32(data, 24) * TWO_POW_32 + uint32(data, 28);
  // hdr-histogram-js' constructor checks, in its order.
  if (lowest < 1) throw new Error('lowestDiscernibleValue must be >= 1');
  if (highest < 2 * lowest) throw new Error('highestTrackableValue must be >= 2 * lowestDiscernibleValue');
  if (digits > 5) throw new Error('numberOfSignificantValueDigits must be between 0 and 5');
  const out = result;
  out.digits = digits;
  out.lowest = lowest;
  out.unitMagnitude = Math.floor(Math.log2(lowest));
  const magnitude = Math.ceil(Math.log2(2 * Math.floor(10 ** digits)));
  out.halfCount = 2 ** ((magnitude > 1 ? magnitude : 1) - 1);
  out.length = countsLength(out.unitMagnitude, out.halfCount * 2, highest);
  // No encoder writes more than 9 bytes per index of these parameters' counts array. Here
  // hdr-histogram-js would read on (a hostile header claims up to 2^31 payload bytes).
  if (n > HEADER_BYTES + 9 * out.length) throw new Error('HdrHistogram encoding longer than its parameters allow');
  // Bytes past the inflated data read as 0 (a zero count) in hdr-histogram-js: they add nothing.
  // The walk stops at the bytes present, which the check above and the inflate limit bound.
  const end = Math.min(HEADER_BYTES + payload, n);
  const length = out.length;
  let pairs = out.pairs;
  let m = 0;
  let at = HEADER_BYTES;
  let index = 0;
  while (at < end) {
    let v = data[at++]!;
    let count: number;
    if (v < 0x80) {
      // One byte (most counts and runs of zeros): ZigZag, an odd value is a run of (v + 1) / 2 zeros.
      if ((v & 1) !== 0) {
        index += (v + 1) >> 1;
        continue;
      }
      count = v >> 1;
    } else {
      let value = v & 0x7f;
      let scale = 128;
      for (let k = 1; (v & 0x80) !== 0 && k < 9; k++) {
        v = at < n ? data[at++]! : (at++, 0);
        // LEB128-64b9B gives the 9th byte 8 bits; hdr-histogram-js reads 7 of them, and so does this.
        value += (v & 0x7f) * scale;
        scale *= 128;
      }
      value = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      if (value < 0) {
        index -= value;
        continue;
      }
      if (value > Number.MAX_SAFE_INTEGER) throw new Error(`${value} would overflow integer count`);
      count = value >>> 0;
    }
    if (count > 0 && index < length) {
      if (m === pairs.length) pairs = out.pairs = grown(pairs);
      pairs[m] = index;
      pairs[m + 1] = count;
      m += 2;
    }
    index++;
  }
  out.n = m / 2;
  return out;
}

function grown(pairs: Float64Array): Float64Array {
  const next = new Float64Array(pairs.length * 2);
  next.set(pairs);
  return next;
}

/** hdr-histogram-js' counts array length for these parameters (`determineArrayLengthNeeded`). */
function countsLength(unitMagnitude: number, subBucketCount: number, highest: number): number {
  let smallestUntrackable = subBucketCount * 2 ** unitMagnitude;
  let buckets = 1;
  while (smallestUntrackable <= highest) {
    if (smallestUntrackable > Number.MAX_SAFE_INTEGER / 2) {
      buckets++;
      break;
    }
    smallestUntrackable *= 2;
    buckets++;
  }
  return (buckets + 1) * (subBucketCount / 2);
}

/** The lowest value of counts index `index` of an encoding read by {@link readHdr} (hdr-histogram-js' `valueFromIndex`). */
export function hdrValueAt(index: number, h: Pick<HdrCounts, 'halfCount' | 'unitMagnitude'>): number {
  const halfCount = h.halfCount;
  let bucket = Math.floor(index / halfCount) - 1;
  let sub = (index % halfCount) + halfCount;
  if (bucket < 0) {
    sub -= halfCount;
    bucket = 0;
  }
  return sub * POW2[bucket + h.unitMagnitude]!;
}

/** 2^i: a table, as `2 ** i` with a variable exponent costs a call to pow per value decoded. */
const POW2 = Float64Array.from({ length: 1100 }, (_, i) => 2 ** i);
