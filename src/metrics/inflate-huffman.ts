/**
 * Canonical Huffman codes for inflate.ts: the code lengths' counts and symbols (what zlib's `puff`
 * reference decoder walks bit by bit) and a lookup table of the short codes, so most symbols cost
 * one table read instead of a loop step per bit. An HdrHistogram encoding of a day (a few hundred
 * bytes) inflated bit by bit cost ~16 us, most of a report's decoding.
 */

/** A canonical Huffman code: how many codes of each length, the symbols in code order, and the table of its short codes. */
export interface Huffman {
  readonly counts: Uint16Array;
  readonly symbols: Uint16Array;
  /**
   * Indexed by the next `bits` bits of the stream (first bit lowest, `& mask`): `symbol << 4 |
   * length` of the code they start with, or 0 when that code is longer than `bits` (or unused: an
   * incomplete code), which the bit-by-bit decoder then settles.
   */
  readonly fast: Uint16Array;
  /** The table's width: the longest code, at most `maxBits` (a narrower table costs less to fill). */
  bits: number;
  mask: number;
  readonly maxBits: number;
}

/** A code of up to `symbols` symbols, its table at most `maxBits` (<= 9) bits wide. */
export const huffman = (symbols: number, maxBits: number): Huffman => ({
  counts: new Uint16Array(16),
  symbols: new Uint16Array(symbols),
  fast: new Uint16Array(1 << maxBits),
  bits: 0,
  mask: 0,
  maxBits,
});

/** REVERSED[x]: the 9 bits of x in reverse order. Deflate sends a code's first bit lowest. */
const REVERSED = Uint16Array.from({ length: 512 }, (_, x) => {
  let r = 0;
  for (let b = 0; b < 9; b++) r |= ((x >> b) & 1) << (8 - b);
  return r;
});

const OFFSETS = new Uint16Array(16);
const NEXT_CODE = new Uint16Array(16);

/**
 * Builds `h` from the code lengths `lengths[at, at + n)`. Returns how many codes are left unused (0: a
 * complete code); throws when the lengths are over-subscribed. The symbols in code order (what
 * the bit-by-bit decoder reads) are listed only when the table does not hold every code: an
 * incomplete code, or codes longer than the table.
 */
export function build(h: Huffman, lengths: Uint8Array, at: number, n: number): number {
  const counts = h.counts;
  counts.fill(0);
  for (let s = 0; s < n; s++) counts[lengths[at + s]!]!++;
  let longest = 15;
  while (longest > 0 && counts[longest] === 0) longest--;
  const bits = Math.max(1, Math.min(longest, h.maxBits));
  const size = 1 << bits;
  h.bits = bits;
  h.mask = size - 1;
  const fast = h.fast;
  if (counts[0] === n) {
    fast.fill(0, 0, size);
    return 0;
  }
  let left = 1;
  for (let len = 1; len < 16; len++) {
    left = left * 2 - counts[len]!;
    if (left < 0) throw new Error('invalid deflate data: over-subscribed Huffman code');
  }
  if (left !== 0 || longest > bits) {
    const offsets = OFFSETS;
    offsets[1] = 0;
    for (let len = 1; len < 15; len++) offsets[len + 1] = offsets[len]! + counts[len]!;
    for (let s = 0; s < n; s++) if (lengths[at + s] !== 0) h.symbols[offsets[lengths[at + s]!]!++] = s;
    // Entries no code of the table's width starts stay 0: the bit-by-bit decoder settles them.
    fast.fill(0, 0, size);
  }
  // Canonical codes (RFC 1951 3.2.2): each length's first code is one past the previous length's
  // last, doubled, and codes of one length go in symbol order. A code of `len` bits fills every
  // entry whose first `len` bits it is.
  const next = NEXT_CODE;
  let code = 0;
  for (let len = 1; len <= bits; len++) {
    code = (code + (len === 1 ? 0 : counts[len - 1]!)) << 1;
    next[len] = code;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[at + s]!;
    if (len === 0 || len > bits) continue;
    const entry = (s << 4) | len;
    for (let i = REVERSED[next[len]!++]! >>> (9 - len); i < size; i += 1 << len) fast[i] = entry;
  }
  return left;
}

/** DEFLATE's fixed codes (RFC 1951 3.2.6): literal/length and distance. */
export const FIXED_LENGTH = huffman(288, 9);
export const FIXED_DIST = huffman(30, 5);
{
  const lengths = new Uint8Array(288);
  for (let s = 0; s < 288; s++) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
  build(FIXED_LENGTH, lengths, 0, 288);
  lengths.fill(5, 0, 30);
  build(FIXED_DIST, lengths, 0, 30);
}
