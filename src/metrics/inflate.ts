/**
 * zlib (RFC 1950) around DEFLATE (RFC 1951) decompression, for the HdrHistogram encodings rollups
 * carry (a few hundred bytes each). A report reads 144,000 of them: Node's `zlib.inflateSync`
 * costs ~10-25 us a call in setting up a stream (more than the data), pako more still, and
 * neither exists alike on every runtime. This one decodes into a buffer the caller reuses and
 * allocates nothing per call. Canonical Huffman codes are read through a table of their short
 * codes (inflate-huffman.ts), the longer ones bit by bit (as zlib's `puff` reference decoder does),
 * from the bit stream of inflate-bits.ts.
 * It checks what zlib checks (header, code completeness, distances, the Adler-32 trailer) and
 * throws an `Error` on anything else, and on output past the caller's limit: a few hundred KB of
 * stored data can inflate to gigabytes (a zip bomb).
 */

import { alignToByte, bitBuffer, bitCount, bits, decode, decodeSlow, end, endStream, pos, setStream, src, startStream, TRUNCATED } from './inflate-bits.js';
import { build, huffman, type Huffman } from './inflate-huffman.js';

const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const LENGTHS = new Uint8Array(320);
const FIXED_LENGTH = huffman(288, 9);
const FIXED_DIST = huffman(30, 5);
{
  for (let s = 0; s < 288; s++) LENGTHS[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
  build(FIXED_LENGTH, LENGTHS, 0, 288);
  LENGTHS.fill(5, 0, 30);
  build(FIXED_DIST, LENGTHS, 0, 30);
}
const DYNAMIC_LENGTH = huffman(288, 9);
const DYNAMIC_DIST = huffman(30, 8);
const CODE_LENGTHS = huffman(19, 7);

/** A growable output buffer, reused across calls. */
export interface InflateOutput {
  bytes: Uint8Array;
}

/** The most bytes this call may write. */
let limit = 0;

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
  startStream(input, start + 2, stop);
  limit = maxOutput;
  let n = 0;
  let final = 0;
  do {
    final = bits(1);
    const type = bits(2);
    if (type === 0) n = stored(out, n);
    else if (type === 1) n = codes(out, n, FIXED_LENGTH, FIXED_DIST);
    else if (type === 2) {
      dynamic();
      n = codes(out, n, DYNAMIC_LENGTH, DYNAMIC_DIST);
    } else throw new Error('invalid deflate data: block type 3');
  } while (final === 0);
  // The Adler-32 of the output follows, byte-aligned, big-endian.
  const at = endStream();
  if (at + 4 > stop) throw new Error('invalid zlib data: no checksum');
  const expected = ((input[at]! << 24) | (input[at + 1]! << 16) | (input[at + 2]! << 8) | input[at + 3]!) >>> 0;
  if (adler32(out.bytes, n) !== expected) throw new Error('invalid zlib data: checksum mismatch');
  return n;
}

/** `out.bytes`, grown to hold `size` bytes (at most `limit`); throws when `size` is past `limit`. */
function ensure(out: InflateOutput, size: number): Uint8Array {
  if (size > limit) throw new Error(`invalid zlib data: inflates to more than ${limit} bytes`);
  if (out.bytes.length >= size) return out.bytes;
  const grown = new Uint8Array(Math.min(Math.max(size, out.bytes.length * 2, 256), limit));
  grown.set(out.bytes);
  out.bytes = grown;
  return grown;
}

function stored(out: InflateOutput, n: number): number {
  // The block starts at a byte boundary: drop the rest of the current byte.
  const at = alignToByte();
  if (at + 4 > end) throw new Error('invalid deflate data: unexpected end');
  const len = src[at]! | (src[at + 1]! << 8);
  const nlen = src[at + 2]! | (src[at + 3]! << 8);
  if (len !== (~nlen & 0xffff)) throw new Error('invalid deflate data: stored block length');
  if (at + 4 + len > end) throw new Error('invalid deflate data: unexpected end');
  ensure(out, n + len).set(src.subarray(at + 4, at + 4 + len), n);
  setStream(at + 4 + len, 0, 0);
  return n + len;
}

function codes(out: InflateOutput, n: number, lengthCode: Huffman, distCode: Huffman): number {
  let bytes = out.bytes;
  // Where `ensure` is next needed: the buffer's end, or the limit when the buffer is larger.
  let room = Math.min(bytes.length, limit);
  // The bit buffer in locals, refilled a byte at a time up to 25 bits or more (a length code and
  // its extra bits need at most 20, a distance code 15 and its extra bits 13): the stream's state
  // (inflate-bits.ts) is read back only after the bit-by-bit decoder and set on the way out.
  const input = src;
  const stop = end;
  const lengths = lengthCode.fast;
  const lengthMask = lengthCode.mask;
  const distances = distCode.fast;
  const distMask = distCode.mask;
  let buffer = bitBuffer;
  let count = bitCount;
  let at = pos;
  for (;;) {
    while (count <= 24 && at < stop) {
      buffer |= input[at++]! << count;
      count += 8;
    }
    // This step is written again for distances below: a shared function passes the bit buffer
    // back through the stream's module state every symbol, which measured 7-12 % slower.
    let entry = lengths[buffer & lengthMask]!;
    let len = entry & 15;
    let symbol: number;
    if (entry !== 0 && len <= count) {
      symbol = entry >>> 4;
      buffer >>>= len;
      count -= len;
    } else {
      if (entry !== 0) throw new Error(TRUNCATED);
      // A code longer than the table, or none (an incomplete code): bit by bit, which throws on a bad or missing code.
      symbol = decodeSlow(lengthCode, at, buffer, count);
      buffer = bitBuffer;
      count = bitCount;
      at = pos;
    }
    if (symbol < 256) {
      if (n >= room) {
        bytes = ensure(out, n + 1);
        room = Math.min(bytes.length, limit);
      }
      bytes[n++] = symbol;
      continue;
    }
    if (symbol === 256) break;
    symbol -= 257;
    if (symbol >= 29) throw new Error('invalid deflate data: bad length symbol');
    let extra = LENGTH_EXTRA[symbol]!;
    if (extra > count) throw new Error('invalid deflate data: unexpected end');
    const length = LENGTH_BASE[symbol]! + (buffer & ((1 << extra) - 1));
    buffer >>>= extra;
    count -= extra;
    while (count <= 24 && at < stop) {
      buffer |= input[at++]! << count;
      count += 8;
    }
    entry = distances[buffer & distMask]!;
    len = entry & 15;
    let d: number;
    if (entry !== 0 && len <= count) {
      d = entry >>> 4;
      buffer >>>= len;
      count -= len;
    } else {
      if (entry !== 0) throw new Error(TRUNCATED);
      d = decodeSlow(distCode, at, buffer, count);
      buffer = bitBuffer;
      count = bitCount;
      at = pos;
    }
    if (d >= 30) throw new Error('invalid deflate data: bad distance symbol');
    extra = DIST_EXTRA[d]!;
    while (count < extra && at < stop) {
      buffer |= input[at++]! << count;
      count += 8;
    }
    if (extra > count) throw new Error('invalid deflate data: unexpected end');
    const distance = DIST_BASE[d]! + (buffer & ((1 << extra) - 1));
    buffer >>>= extra;
    count -= extra;
    if (distance > n) throw new Error('invalid deflate data: distance too far back');
    if (n + length > room) {
      bytes = ensure(out, n + length);
      room = Math.min(bytes.length, limit);
    }
    for (let i = 0; i < length; i++, n++) bytes[n] = bytes[n - distance]!;
  }
  setStream(at, buffer, count);
  return n;
}

/** Reads a dynamic block's code lengths and builds its two codes. */
function dynamic(): void {
  const nlen = bits(5) + 257;
  const ndist = bits(5) + 1;
  const ncode = bits(4) + 4;
  if (nlen > 286 || ndist > 30) throw new Error('invalid deflate data: too many codes');
  const lengths = LENGTHS;
  lengths.fill(0, 0, 19);
  for (let i = 0; i < ncode; i++) lengths[CODE_LENGTH_ORDER[i]!] = bits(3);
  if (build(CODE_LENGTHS, lengths, 0, 19) !== 0) throw new Error('invalid deflate data: incomplete code-length code');
  let i = 0;
  while (i < nlen + ndist) {
    const symbol = decode(CODE_LENGTHS);
    if (symbol < 16) {
      lengths[i++] = symbol;
      continue;
    }
    let value = 0;
    let repeat: number;
    if (symbol === 16) {
      if (i === 0) throw new Error('invalid deflate data: repeat with no first length');
      value = lengths[i - 1]!;
      repeat = 3 + bits(2);
    } else if (symbol === 17) repeat = 3 + bits(3);
    else repeat = 11 + bits(7);
    if (i + repeat > nlen + ndist) throw new Error('invalid deflate data: too many lengths');
    while (repeat-- > 0) lengths[i++] = value;
  }
  if (lengths[256] === 0) throw new Error('invalid deflate data: no end-of-block code');
  // zlib accepts an incomplete code only when it is a single code of length 1.
  let left = build(DYNAMIC_LENGTH, lengths, 0, nlen);
  if (left !== 0 && nlen - DYNAMIC_LENGTH.counts[0]! !== 1) throw new Error('invalid deflate data: incomplete literal/length code');
  left = build(DYNAMIC_DIST, lengths, nlen, ndist);
  if (left !== 0 && ndist - DYNAMIC_DIST.counts[0]! !== 1) throw new Error('invalid deflate data: incomplete distance code');
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
