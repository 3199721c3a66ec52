/**
 * inflate.ts reads Huffman codes through tables of their short codes (inflate-huffman.ts) and
 * reads up to 4 bytes ahead: zlib (Node's) is the reference on what it must give and refuse,
 * over streams of every block type and code shape, several blocks with stored ones between them
 * (where the bytes read ahead are given back), and the same streams truncated or damaged.
 */
import { constants, deflateRawSync, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { build, huffman } from '../../src/metrics/inflate-huffman.js';
import { inflateZlib } from '../../src/metrics/inflate.js';

/** Seeded: a failure names its seed and replays. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const x of bytes) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Data of a random shape: few or many symbols, skewed or flat, with or without repeats. */
function data(rnd: () => number): Uint8Array {
  const n = Math.floor(rnd() * (rnd() < 0.1 ? 40_000 : 1_500));
  const alphabet = 1 + Math.floor(rnd() * (rnd() < 0.5 ? 20 : 255));
  const skew = 1 + rnd() * 4;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    if (i > 8 && rnd() < 0.2) out[i] = out[i - 1 - Math.floor(rnd() * 8)]!;
    else out[i] = Math.floor(rnd() ** skew * alphabet);
  }
  return out;
}

const STRATEGIES = [constants.Z_DEFAULT_STRATEGY, constants.Z_FILTERED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE, constants.Z_FIXED];

/**
 * A zlib stream of `input` in up to four parts, each deflated with its own level and strategy:
 * the parts but the last end with a sync flush (an empty stored block, so a stored block follows
 * fixed and dynamic ones) or a full flush, and some parts are stored (level 0).
 */
function stream(input: Uint8Array, rnd: () => number): Buffer {
  const parts = 1 + Math.floor(rnd() * 4);
  const chunks: Buffer[] = [Buffer.from([0x78, 0x9c])];
  for (let k = 0, from = 0; k < parts; k++) {
    const to = k === parts - 1 ? input.length : from + Math.floor(rnd() * (input.length - from));
    const last = k === parts - 1;
    const options = {
      level: rnd() < 0.15 ? 0 : 1 + Math.floor(rnd() * 9),
      strategy: STRATEGIES[Math.floor(rnd() * STRATEGIES.length)]!,
      finishFlush: last ? constants.Z_FINISH : rnd() < 0.5 ? constants.Z_SYNC_FLUSH : constants.Z_FULL_FLUSH,
    };
    let raw = deflateRawSync(input.subarray(from, to), options);
    // A part that is not the last must not end the stream: its final bit is 0 already (a flush).
    if (!last) raw = Buffer.from(raw);
    chunks.push(raw);
    from = to;
  }
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler32(input));
  chunks.push(trailer);
  return Buffer.concat(chunks);
}

/** What zlib makes of `z`: its bytes, or `throws`. */
function zlib(z: Uint8Array): Buffer | 'throws' {
  try {
    return inflateSync(z);
  } catch {
    return 'throws';
  }
}

function ours(z: Uint8Array): Buffer | 'throws' {
  const out = { bytes: new Uint8Array(16) };
  try {
    const n = inflateZlib(z, 0, z.length, out, Infinity);
    // Read after the call: it grows `out.bytes`.
    return Buffer.from(out.bytes.subarray(0, n));
  } catch {
    return 'throws';
  }
}

describe('inflateZlib against zlib', () => {
  it('inflates multi-block streams of every strategy (stored blocks after fixed and dynamic ones) to zlib\'s bytes, on 400 random inputs', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = random(seed);
      const input = data(rnd);
      const z = stream(input, rnd);
      expect(zlib(z), `seed ${seed}`).toEqual(Buffer.from(input));
      expect(ours(z), `seed ${seed}`).toEqual(Buffer.from(input));
    }
  });

  it('gives what zlib gives (the same bytes, or an error) on the same streams truncated or with bytes flipped', () => {
    let refused = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = random(10_000 + seed);
      const z = stream(data(rnd), rnd);
      for (let k = 0; k < 6; k++) {
        const bad = Buffer.from(z);
        if (k === 0) {
          // Cut inside the data or its trailer.
          const cut = bad.subarray(0, Math.floor(rnd() * bad.length));
          expect(ours(cut), `seed ${seed} cut at ${cut.length}`).toEqual(zlib(cut));
          continue;
        }
        // A byte of the deflate data (not the header: both refuse a bad one).
        const at = 2 + Math.floor(rnd() * Math.max(1, bad.length - 2));
        bad[at] = bad[at]! ^ (1 + Math.floor(rnd() * 255));
        const expected = zlib(bad);
        if (expected === 'throws') refused++;
        expect(ours(bad), `seed ${seed} byte ${at}`).toEqual(expected);
      }
    }
    // Most damage is refused (a code, a distance, the checksum): the comparison saw errors.
    expect(refused).toBeGreaterThan(1_000);
  });

  it('reads an HdrHistogram-sized stream whose last code ends on the last byte before the checksum', () => {
    // Many short streams: one of them ends its last code exactly at a byte boundary, where the
    // bytes read ahead (the checksum's) must be given back before the checksum is read.
    for (let n = 0; n < 300; n++) {
      const input = Uint8Array.from({ length: n }, (_, i) => (i * 31 + n) % 7);
      const z = deflateSync(input, { level: 9 });
      expect(ours(z), `n ${n}`).toEqual(Buffer.from(input));
    }
  });
});

describe('Huffman tables', () => {
  /** Symbol and length of the code that starts `bits` (first bit lowest), bit by bit from the lengths: the definition. */
  function canonical(lengths: number[], bits: number): { symbol: number; len: number } | undefined {
    const codes: { symbol: number; len: number; code: number }[] = [];
    let code = 0;
    for (let len = 1; len < 16; len++) {
      for (let s = 0; s < lengths.length; s++) if (lengths[s] === len) codes.push({ symbol: s, len, code: code++ });
      code <<= 1;
    }
    for (const c of codes) {
      let reversed = 0;
      for (let b = 0; b < c.len; b++) reversed |= ((c.code >> (c.len - 1 - b)) & 1) << b;
      if ((bits & ((1 << c.len) - 1)) === reversed) return c;
    }
    return undefined;
  }

  it('hold, for every bit pattern of their width, the code it starts with (or 0 when longer or unused), on random complete and incomplete codes', () => {
    const h = huffman(288, 9);
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = random(seed);
      // Random frequencies made into Huffman code lengths, sometimes with a symbol left out.
      const n = 2 + Math.floor(rnd() * 286);
      let nodes: { f: number; symbols: number[] }[] = Array.from({ length: n }, (_, s) => ({ f: 1 + Math.floor(rnd() ** 3 * 1000), symbols: [s] }));
      const lengths = new Array<number>(n).fill(0);
      while (nodes.length > 1) {
        nodes.sort((a, b) => a.f - b.f);
        const [a, b] = nodes.splice(0, 2);
        for (const s of [...a!.symbols, ...b!.symbols]) lengths[s]!++;
        nodes.push({ f: a!.f + b!.f, symbols: [...a!.symbols, ...b!.symbols] });
      }
      if (lengths.some((l) => l > 15)) continue;
      if (rnd() < 0.3) lengths[Math.floor(rnd() * n)] = 0;
      const left = build(h, Uint8Array.from(lengths), 0, n);
      expect(left === 0, `seed ${seed}`).toBe(lengths.every((l) => l > 0));
      for (let bits = 0; bits <= h.mask; bits++) {
        const c = canonical(lengths, bits);
        const entry = h.fast[bits]!;
        const expected = c === undefined || c.len > h.bits ? 0 : (c.symbol << 4) | c.len;
        if (entry !== expected) expect({ seed, bits, entry }).toEqual({ seed, bits, entry: expected });
      }
    }
  });
});
