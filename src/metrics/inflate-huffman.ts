/**
 * Canonical Huffman codes for inflate.ts: the code lengths' counts and symbols (what zlib's `puff`
 * reference decoder walks bit by bit) and a lookup table of the short codes, so most symbols cost
 * one table read instead of a loop step per bit. An HdrHistogram encoding of a day (a few hundred
 * bytes) inflated bit by bit cost ~16 us, most of a report's decoding.
 */

/** A canonical Huffman code: how many codes of each length, the symbols in code order, and the table of its codes up to `fastBits` long. */
export interface Huffman {
  readonly counts: Uint16Array;
  readonly symbols: Uint16Array;
  /**
   * Indexed by the next `fastBits` bits of the stream (first bit lowest): `symbol << 4 | length`
   * of the code they start with, or 0 when that code is longer than `fastBits` (or unused: an
   * incomplete code), which the bit-by-bit decoder then settles.
   */
  readonly fast: Uint16Array;
  readonly fastBits: number;
}

/** A code of up to `symbols` symbols, its table `fastBits` (<= 9) bits wide. */
export const huffman = (symbols: number, fastBits: number): Huffman => ({
  counts: new Uint16Array(16),
  symbols: new Uint16Array(symbols),
  fast: new Uint16Array(1 << fastBits),
  fastBits,
});

/** REVERSED[x]: the 9 bits of x in reverse order. Deflate sends a code's first bit lowest. */
const REVERSED = Uint16Array.from({ length: 512 }, (_, x) => {
  let r = 0;
  for (let b = 0; b < 9; b++) r |= ((x >> b) & 1) << (8 - b);
  return r;
});

const OFFSETS = new Uint16Array(16);

/**
 * Builds `h` from the code lengths `lengths[at, at + n)`. Returns how many codes are left unused (0: a
 * complete code); throws when the lengths are over-subscribed.
 */
export function build(h: Huffman, lengths: Uint8Array, at: number, n: number): number {
  const counts = h.counts;
  counts.fill(0);
  for (let s = 0; s < n; s++) counts[lengths[at + s]!]!++;
  h.fast.fill(0);
  if (counts[0] === n) return 0;
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - counts[len]!;
    if (left < 0) throw new Error('invalid deflate data: over-subscribed Huffman code');
  }
  const offsets = OFFSETS;
  offsets[1] = 0;
  for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + counts[len]!;
  for (let s = 0; s < n; s++) if (lengths[at + s] !== 0) h.symbols[offsets[lengths[at + s]!]!++] = s;
  // Canonical codes: in symbol order within a length, each length's first code one past the
  // previous length's last, doubled. A code of `len` bits fills every entry its bits start.
  const fast = h.fast;
  const size = fast.length;
  let code = 0;
  let k = 0;
  for (let len = 1; len <= h.fastBits; len++) {
    for (let j = counts[len]!; j > 0; j--, k++, code++) {
      const entry = (h.symbols[k]! << 4) | len;
      for (let i = REVERSED[code]! >>> (9 - len); i < size; i += 1 << len) fast[i] = entry;
    }
    code <<= 1;
  }
  return left;
}
