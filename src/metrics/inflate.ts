/**
 * zlib (RFC 1950) around DEFLATE (RFC 1951) decompression, for the HdrHistogram encodings rollups
 * carry (a few hundred bytes each). A report reads 144,000 of them: Node's `zlib.inflateSync`
 * costs ~10-25 us a call in setting up a stream (more than the data), pako more still, and
 * neither exists alike on every runtime. This one decodes into a buffer the caller reuses and
 * allocates nothing per call. This file reads the zlib wrapper (header, Adler-32 trailer); the
 * DEFLATE data inside is inflate-blocks.ts's. It checks what zlib checks (header, code
 * completeness, distances, the Adler-32 trailer) and throws an `Error` on anything else, and on
 * output past the caller's limit: a few hundred KB of stored data can inflate to gigabytes (a zip
 * bomb).
 */

import { deflateEnd, inflateRaw } from './inflate-blocks.js';
import type { InflateOutput } from './inflate-output.js';

export type { InflateOutput } from './inflate-output.js';

/**
 * Inflates the zlib stream in `input[start, stop)` into `out.bytes` (grown when too small, never
 * past `maxOutput` bytes) and returns the number of bytes written. Bytes after the stream's
 * trailer are ignored, as zlib does. Throws an `Error` on data that is not a valid zlib stream
 * (preset dictionaries included) and as soon as the output would pass `maxOutput` bytes.
 */
export function inflateZlib(input: Uint8Array, start: number, stop: number, out: InflateOutput, maxOutput: number): number {
  if (stop - start < 6) throw new Error('invalid zlib data: too short');
  const cmf = input[start]!;
  const flg = input[start + 1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || (cmf * 256 + flg) % 31 !== 0) throw new Error('invalid zlib data: bad header');
  if ((flg & 0x20) !== 0) throw new Error('invalid zlib data: preset dictionary');
  const n = inflateRaw(input, start + 2, stop, out, maxOutput);
  // The Adler-32 of the output follows, byte-aligned, big-endian.
  const at = deflateEnd;
  if (at + 4 > stop) throw new Error('invalid zlib data: no checksum');
  const expected = ((input[at]! << 24) | (input[at + 1]! << 16) | (input[at + 2]! << 8) | input[at + 3]!) >>> 0;
  if (adler32(out.bytes, n) !== expected) throw new Error('invalid zlib data: checksum mismatch');
  return n;
}

/** Adler-32 of `bytes[0, n)`. */
function adler32(bytes: Uint8Array, n: number): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < n; ) {
    // 5552 bytes is the most that can be summed before b overflows 2^32 (zlib's NMAX).
    const stop = Math.min(n, i + 5552);
    for (; i < stop; i++) {
      a += bytes[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}
