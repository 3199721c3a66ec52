/**
 * A change log line's string tokens are read from the reply's bytes (redis-change-tokens.ts): a
 * plain ASCII token (a histogram's hdr) through a native search and one regular expression, any
 * other byte by byte. Both must read what the byte loop and a UTF-8 decode read, and leave the
 * position where it did, for any bytes: escapes, control characters, UTF-8 (valid or not), a
 * missing closing quote.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainStringEnd, readString, type Scan } from '../../src/storage/redis/redis-change-tokens.js';
import { fcParams } from '../helpers/fast-check.js';

/** The byte loop alone (readString as it was): the reference. */
function byteLoop(buf: Buffer, at: Scan): string | undefined {
  if (buf[at.pos] !== 0x22) return undefined;
  const to = plainStringEnd(buf, at.pos + 1);
  if (to < 0) return undefined;
  const text = buf.toString('utf8', at.pos + 1, to);
  at.pos = to + 1;
  return text;
}

/** Bytes likely to matter: quotes, backslashes, control characters, UTF-8 lead and continuation bytes, base64. */
const byte = fc.oneof(
  fc.constantFrom(0x22, 0x5c, 0x00, 0x09, 0x0a, 0x1f, 0x20, 0x7f, 0x80, 0xbf, 0xc3, 0xa9, 0xe2, 0xf0, 0xff),
  fc.constantFrom(...Buffer.from('ABCxyz019+/=')),
  fc.integer({ min: 0, max: 255 }),
);

describe('readString', () => {
  it('reads any bytes as the byte loop and a UTF-8 decode read them, and moves to the same place', () => {
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 40 }), fc.nat(40), (bytes, start) => {
        const buf = Buffer.from([0x22, ...bytes]);
        const pos = Math.min(start, buf.length);
        for (const p of [0, pos]) {
          const at: Scan = { pos: p };
          const ref: Scan = { pos: p };
          expect(readString(buf, at)).toBe(byteLoop(buf, ref));
          expect(at.pos).toBe(ref.pos);
        }
      }),
      fcParams(5_000),
    );
  });

  it('reads an hdr, a UTF-8 text and an escaped token as before', () => {
    const hdr = 'HISTFAAAACl4nJNpmSzMwMDAxQABzFCaEUzOmNZg/wEi0NbYBADF/AW8';
    const cases = [`"${hdr}",`, '"ünïcødé"}', '"a\\"b"', '"tab\there"', '"open', '""'];
    for (const text of cases) {
      const buf = Buffer.from(text, 'utf8');
      const at: Scan = { pos: 0 };
      const ref: Scan = { pos: 0 };
      expect(readString(buf, at), text).toBe(byteLoop(buf, ref));
      expect(at.pos).toBe(ref.pos);
    }
    expect(readString(Buffer.from(`"${hdr}"`), { pos: 0 })).toBe(hdr);
    expect(readString(Buffer.from('"ünïcødé"'), { pos: 0 })).toBe('ünïcødé');
    expect(readString(Buffer.from('"a\\"b"'), { pos: 0 })).toBeUndefined();
  });
});
