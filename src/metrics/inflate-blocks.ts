/**
 * DEFLATE (RFC 1951) decoding for inflate.ts (which reads the zlib wrapper around it), allocating
 * nothing per call. Huffman codes are read through a table of their short codes
 * (inflate-huffman.ts), the longer ones bit by bit (as zlib's `puff` does). The bit stream, the
 * symbol loop and the block readers share module state, so they stay in this one module.
 */

import { build, FIXED_DIST, FIXED_LENGTH, huffman, type Huffman } from './inflate-huffman.js';
import { ensure, type InflateOutput } from './inflate-output.js';

const LENGTH_BASE = Uint16Array.of(3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258);
const LENGTH_EXTRA = Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0);
const DIST_BASE = Uint16Array.of(1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577);
const DIST_EXTRA = Uint8Array.of(0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13);
const CODE_LENGTH_ORDER = Uint8Array.of(16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15);

const LENGTHS = new Uint8Array(320);
const DYNAMIC_LENGTH = huffman(288, 9);
const DYNAMIC_DIST = huffman(30, 8);
const CODE_LENGTHS = huffman(19, 7);

// The stream being read: module state rather than an object, so the bit loops below read and
// write locals the compiler keeps in registers (a reader object's field accesses and method
// calls per bit cost more than the data here). Set by `inflateRaw`, valid during one call.
let src: Uint8Array = new Uint8Array(0);
let pos = 0;
let end = 0;
let bitBuffer = 0;
let bitCount = 0;
/** The most bytes this call may write. */
let limit = 0;

/** Where the byte after the DEFLATE data is, once {@link inflateRaw} returns (the bytes it read ahead given back). */
export let deflateEnd = 0;

/**
 * Inflates the DEFLATE data starting at `input[start]` (and not past `stop`) into `out.bytes`
 * (grown when too small, never past `maxOutput` bytes), returns the number of bytes written and
 * leaves in {@link deflateEnd} where the data ended. Throws an `Error` on invalid data and as
 * soon as the output would pass `maxOutput` bytes.
 */
export function inflateRaw(input: Uint8Array, start: number, stop: number, out: InflateOutput, maxOutput: number): number {
  src = input;
  pos = start;
  end = stop;
  bitBuffer = 0;
  bitCount = 0;
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
  deflateEnd = alignToByte();
  src = EMPTY;
  return n;
}

const EMPTY: Uint8Array = new Uint8Array(0);

/** The next `need` bits (0..16), least significant first. */
function bits(need: number): number {
  let buffer = bitBuffer;
  let count = bitCount;
  while (count < need) {
    if (pos >= end) throw new Error('invalid deflate data: unexpected end');
    buffer |= src[pos++]! << count;
    count += 8;
  }
  bitBuffer = buffer >>> need;
  bitCount = count - need;
  return buffer & ((1 << need) - 1);
}

/**
 * Drops the bits left of the current byte and gives back the whole bytes the bit buffer read
 * ahead (the symbol loop below reads up to 4 bytes ahead): the position of the next byte.
 */
function alignToByte(): number {
  pos -= bitCount >>> 3;
  bitBuffer = 0;
  bitCount = 0;
  return pos;
}

/**
 * What a table entry longer than the bits left means: the input ends inside a code (the bits
 * were refilled up to the table's width unless the input ran out, and no shorter code starts
 * with them, codes being prefix-free), as the bit-by-bit decoder would find.
 */
const TRUNCATED = 'invalid deflate data: unexpected end';

/** Decodes one symbol of `h`: through its table when the code is short, else bit by bit. */
function decode(h: Huffman): number {
  let buffer = bitBuffer;
  let count = bitCount;
  while (count < h.bits && pos < end) {
    buffer |= src[pos++]! << count;
    count += 8;
  }
  bitBuffer = buffer;
  bitCount = count;
  const entry = h.fast[buffer & h.mask]!;
  const len = entry & 15;
  if (entry === 0) return decodeSlow(h);
  if (len > count) throw new Error(TRUNCATED);
  bitBuffer = buffer >>> len;
  bitCount = count - len;
  return entry >>> 4;
}

/** Decodes one symbol of `h`, bit by bit from the bit buffer (puff's `decode`). */
function decodeSlow(h: Huffman): number {
  const counts = h.counts;
  let buffer = bitBuffer;
  let left = bitCount;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    if (left === 0) {
      if (pos >= end) throw new Error('invalid deflate data: unexpected end');
      buffer = src[pos++]!;
      left = 8;
    }
    code |= buffer & 1;
    buffer >>>= 1;
    left--;
    const count = counts[len]!;
    if (code - first < count) {
      bitBuffer = buffer;
      bitCount = left;
      return h.symbols[index + code - first]!;
    }
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  throw new Error('invalid deflate data: bad Huffman code');
}

function stored(out: InflateOutput, n: number): number {
  // The block starts at a byte boundary: drop the rest of the current byte.
  const at = alignToByte();
  if (at + 4 > end) throw new Error('invalid deflate data: unexpected end');
  const len = src[at]! | (src[at + 1]! << 8);
  const nlen = src[at + 2]! | (src[at + 3]! << 8);
  if (len !== (~nlen & 0xffff)) throw new Error('invalid deflate data: stored block length');
  if (at + 4 + len > end) throw new Error('invalid deflate data: unexpected end');
  ensure(out, n + len, limit).set(src.subarray(at + 4, at + 4 + len), n);
  pos = at + 4 + len;
  return n + len;
}

function codes(out: InflateOutput, n: number, lengthCode: Huffman, distCode: Huffman): number {
  let bytes = out.bytes;
  // Where `ensure` is next needed: the buffer's end, or the limit when the buffer is larger.
  let room = Math.min(bytes.length, limit);
  // The bit buffer in locals, refilled a byte at a time up to 25 bits or more (a length code and
  // its extra bits need at most 20, a distance code 15 and its extra bits 13): the module state
  // is written back only around the calls that read it.
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
    // This step is written again for distances below: a shared function would pass the bit buffer
    // through the module state every symbol, which measured 7-12 % slower.
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
      bitBuffer = buffer;
      bitCount = count;
      pos = at;
      symbol = decodeSlow(lengthCode);
      buffer = bitBuffer;
      count = bitCount;
      at = pos;
    }
    if (symbol < 256) {
      if (n >= room) {
        bytes = ensure(out, n + 1, limit);
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
      bitBuffer = buffer;
      bitCount = count;
      pos = at;
      d = decodeSlow(distCode);
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
      bytes = ensure(out, n + length, limit);
      room = Math.min(bytes.length, limit);
    }
    for (let i = 0; i < length; i++, n++) bytes[n] = bytes[n - distance]!;
  }
  bitBuffer = buffer;
  bitCount = count;
  pos = at;
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
