/**
 * The DEFLATE bit stream inflate.ts reads: where it is (module state), fixed-width fields, and
 * Huffman symbols (through a code's table, else bit by bit as zlib's `puff` does).
 *
 * The stream is module state rather than an object, so the bit loops read and write locals the
 * compiler keeps in registers (a reader object's field accesses and method calls per bit cost
 * more than the data here). It is exported as live bindings: inflate.ts's symbol loop copies it
 * into its own locals on entry and hands it back with {@link setStream}, so the loop itself
 * touches no state. Set by {@link startStream}, valid during one `inflateZlib` call.
 */

import type { Huffman } from './inflate-huffman.js';

const EMPTY: Uint8Array = new Uint8Array(0);

export let src: Uint8Array = EMPTY;
/** The next byte to read into the bit buffer. */
export let pos = 0;
/** The end of the input. */
export let end = 0;
/** Bits read ahead, the next one lowest. */
export let bitBuffer = 0;
export let bitCount = 0;

/** Starts reading `input[start, stop)`, from its first bit. */
export function startStream(input: Uint8Array, start: number, stop: number): void {
  src = input;
  pos = start;
  end = stop;
  bitBuffer = 0;
  bitCount = 0;
}

/** Where a reader that kept the stream in locals left it. */
export function setStream(at: number, buffer: number, count: number): void {
  pos = at;
  bitBuffer = buffer;
  bitCount = count;
}

/** Ends the stream at the next whole byte and drops the input: the position of that byte. */
export function endStream(): number {
  const at = alignToByte();
  src = EMPTY;
  return at;
}

/**
 * What a table entry longer than the bits left means: the input ends inside a code (the bits
 * were refilled up to the table's width unless the input ran out, and no shorter code starts
 * with them, codes being prefix-free), as the bit-by-bit decoder would find.
 */
export const TRUNCATED = 'invalid deflate data: unexpected end';

/** The next `need` bits (0..16), least significant first. */
export function bits(need: number): number {
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
 * ahead (the symbol loop reads up to 4 bytes ahead): the position of the next byte.
 */
export function alignToByte(): number {
  pos -= bitCount >>> 3;
  bitBuffer = 0;
  bitCount = 0;
  return pos;
}

/** Decodes one symbol of `h`: through its table when the code is short, else bit by bit. */
export function decode(h: Huffman): number {
  let buffer = bitBuffer;
  let count = bitCount;
  while (count < h.bits && pos < end) {
    buffer |= src[pos++]! << count;
    count += 8;
  }
  const entry = h.fast[buffer & h.mask]!;
  const len = entry & 15;
  if (entry === 0) return decodeSlow(h, pos, buffer, count);
  if (len > count) throw new Error(TRUNCATED);
  bitBuffer = buffer >>> len;
  bitCount = count - len;
  return entry >>> 4;
}

/**
 * Decodes one symbol of `h` bit by bit (puff's `decode`), the stream being at byte `at` with
 * `left` bits of `buffer` read ahead; leaves the stream after the code in the module state.
 */
export function decodeSlow(h: Huffman, at: number, buffer: number, left: number): number {
  const counts = h.counts;
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len < 16; len++) {
    if (left === 0) {
      if (at >= end) throw new Error('invalid deflate data: unexpected end');
      buffer = src[at++]!;
      left = 8;
    }
    code |= buffer & 1;
    buffer >>>= 1;
    left--;
    const count = counts[len]!;
    if (code - first < count) {
      pos = at;
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
