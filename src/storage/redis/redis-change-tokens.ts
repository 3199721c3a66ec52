/** The JSON string and number tokens of a change log line, read from the reply's bytes (see redis-change-lines.ts). */

/** A position in a reply's bytes, moved on by what reads there; -1 once a read failed (see redis-change-lines.ts). */
export interface Scan {
  pos: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Powers of ten a double holds exactly (10^0 to 10^22): the divisors of the fast number path. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** The index of the quote closing a string that starts at `from`; -1 when it holds an escape or a control character (JSON's to read). */
export function plainStringEnd(buf: Buffer, from: number): number {
  for (let q = from; q < buf.length; q++) {
    const c = buf[q]!;
    if (c === QUOTE) return q;
    if (c === BACKSLASH || c < 0x20) return -1;
  }
  return -1;
}

/**
 * A plain ASCII string token's text: no escape, no control character, no byte past ASCII. Anchored
 * over the whole text (one pass of a character class) it is a third faster than a search for the
 * first character outside it.
 */
const PLAIN_ASCII = /^[^\x00-\x1f\\\x80-\xff]*$/;

/**
 * A plain string token at `at.pos` (a fresh string: never a slice holding the reply alive); undefined when it is not one.
 * A histogram's hdr (~600 bytes of base64 a rollup) is found by the native search for its closing
 * quote and checked by one regular expression over its latin1 text, which for ASCII is its UTF-8
 * text: half the time of a byte loop and a UTF-8 decode (~0.4 µs a rollup, 2 ms a tick of 5,000).
 * Any other token is read byte by byte as before.
 */
export function readString(buf: Buffer, at: Scan): string | undefined {
  if (buf[at.pos] !== QUOTE) return undefined;
  const close = buf.indexOf(QUOTE, at.pos + 1);
  if (close < 0) return undefined;
  const ascii = buf.toString('latin1', at.pos + 1, close);
  if (PLAIN_ASCII.test(ascii)) {
    at.pos = close + 1;
    return ascii;
  }
  const to = plainStringEnd(buf, at.pos + 1);
  if (to < 0) return undefined;
  const text = buf.toString('utf8', at.pos + 1, to);
  at.pos = to + 1;
  return text;
}

/**
 * A member's number at `at.pos`: a JSON number, or a string for what JSON has no number for
 * (read back with Number, as decodeRollup does). Up to 15 significant digits and 22 decimals
 * without an exponent, the value is the integer of its digits divided by a power of ten: both
 * exact doubles, and IEEE division rounds correctly, so it is the double Number() reads (the
 * fast path of Clinger's algorithm). Other numbers go through Number(). `at.pos` becomes -1
 * when no number is there.
 */
export function readNumber(buf: Buffer, at: Scan): number {
  let p = at.pos;
  if (p < 0) return 0;
  if (buf[p] === QUOTE) {
    const text = readString(buf, at);
    if (text === undefined) at.pos = -1;
    return text === undefined ? 0 : Number(text);
  }
  const from = p;
  let negative = false;
  if (buf[p] === 0x2d) {
    negative = true;
    p++;
  }
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let c = buf[p];
  const intFrom = p;
  while (c !== undefined && c >= 0x30 && c <= 0x39) {
    mantissa = mantissa * 10 + (c - 0x30);
    if (mantissa !== 0) digits++;
    c = buf[++p];
  }
  // JSON: at least one digit, no leading zero before another digit.
  if (p === intFrom || (buf[intFrom] === 0x30 && p - intFrom > 1)) return fail(at);
  if (c === 0x2e) {
    const fracFrom = ++p;
    c = buf[p];
    while (c !== undefined && c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      if (mantissa !== 0) digits++;
      decimals++;
      c = buf[++p];
    }
    if (p === fracFrom) return fail(at);
  }
  let exact = digits <= 15 && decimals <= 22;
  if (c === 0x65 || c === 0x45) {
    exact = false;
    c = buf[++p];
    if (c === 0x2b || c === 0x2d) c = buf[++p];
    const expFrom = p;
    while (c !== undefined && c >= 0x30 && c <= 0x39) c = buf[++p];
    if (p === expFrom) return fail(at);
  }
  at.pos = p;
  if (!exact) return Number(buf.toString('latin1', from, p));
  const value = decimals === 0 ? mantissa : mantissa / POW10[decimals]!;
  return negative ? -value : value;
}

function fail(at: Scan): number {
  at.pos = -1;
  return 0;
}
