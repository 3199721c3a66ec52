import type { BucketLayout, SparseCounts } from './log-buckets.js';

// A closed slot is read (windows, snapshots, rules) but never written again, and a series keeps
// ten of them (the default ring): as recorded (a 1 KiB Float64Array of up to 128 values, or
// 512-byte bucket chunks) they were 16 KiB a series with a full ring. Closed, a slot is one
// string of bytes (char codes 0-255, so V8 stores it one byte a char with a 16-byte header; a
// typed array costs ~180 bytes of header alone): its sum, min and max, then its values in one
// of three forms, chosen when it closes:
// - UNITS: every value is a whole number of the resolution (integer milliseconds from
//   Date.now(), byte sizes, counts): sorted, in units divided by their largest common power of
//   ten, as varint deltas. Exact, about one to three bytes a value.
// - VALUES: at most EXACT_VALUES values that are not whole units: float64 each. Exact.
// - BUCKETS: otherwise, the HDR bucket counts as (index delta, count) varint pairs, one byte a
//   bucket for most: within the layout's precision, as a slot past RAW_CAPACITY values already is.
const VALUES = 0;
const UNITS = 1;
const BUCKETS = 2;

/** Bytes before the payload: sum, min and max (float64 each), then the form. */
const HEADER = 25;
const FORM_AT = 24;

/** Values that are not whole units a closed slot keeps exactly (as float64); past it, bucket counts. */
export const EXACT_VALUES = 8;

/**
 * A slot that no longer records: one immutable string of bytes (see above) plus its start and
 * count. It is a `HistogramSlot` (histogram-slot.ts, which imports this module: the interface
 * is met by shape, not named, so the two never import each other).
 */
export class ClosedSlot {
  private constructor(
    readonly start: number,
    readonly count: number,
    private readonly data: string,
  ) {}

  /** A slot from its exact values (the first `n` of `raw`): UNITS, VALUES or BUCKETS, see above. */
  static fromValues(start: number, sum: number, min: number, max: number, raw: ArrayLike<number>, n: number, layout: BucketLayout, scale: number): ClosedSlot {
    const w = writer(sum, min, max);
    const units = wholeUnits(raw, n, scale);
    if (units !== undefined) {
      units.sort();
      let exponent = 0;
      while (exponent < 15 && allDivisible(units, 10 ** (exponent + 1))) exponent++;
      const divisor = 10 ** exponent;
      w.byte(UNITS);
      w.byte(exponent);
      let last = 0;
      for (let i = 0; i < n; i++) {
        const q = units[i]! / divisor;
        w.varint(q - last);
        last = q;
      }
    } else if (n <= EXACT_VALUES) {
      w.byte(VALUES);
      for (let i = 0; i < n; i++) w.f64(raw[i]!);
    } else {
      const indexes = scratchIndexes(n);
      for (let i = 0; i < n; i++) indexes[i] = layout.index(Math.floor(raw[i]! * scale));
      indexes.sort();
      w.byte(BUCKETS);
      let last = -1;
      for (let i = 0; i < n; ) {
        const index = indexes[i]!;
        let j = i + 1;
        while (j < n && indexes[j] === index) j++;
        w.bucket(index - last, j - i);
        last = index;
        i = j;
      }
    }
    return new ClosedSlot(start, n, w.text());
  }

  /** A slot from bucket counts (a slot that had more than RAW_CAPACITY values). */
  static fromCounts(start: number, count: number, sum: number, min: number, max: number, counts: SparseCounts): ClosedSlot {
    const w = writer(sum, min, max);
    w.byte(BUCKETS);
    let last = -1;
    counts.forEach((index, c) => {
      w.bucket(index - last, c);
      last = index;
    });
    return new ClosedSlot(start, count, w.text());
  }

  get sum(): number {
    return f64At(this.data, 0);
  }

  get min(): number {
    return f64At(this.data, 8);
  }

  get max(): number {
    return f64At(this.data, 16);
  }

  get exact(): boolean {
    return this.data.charCodeAt(FORM_AT) !== BUCKETS;
  }

  forEachValue(scale: number, fn: (value: number) => void): void {
    const data = this.data;
    const form = data.charCodeAt(FORM_AT);
    if (form === VALUES) {
      for (let at = HEADER; at < data.length; at += 8) fn(f64At(data, at));
    } else if (form === UNITS) {
      const r = new Reader(data, HEADER + 1);
      const divisor = 10 ** data.charCodeAt(HEADER);
      let q = 0;
      while (r.more()) {
        q += r.varint();
        fn((q * divisor) / scale);
      }
    }
  }

  forEachBucket(layout: BucketLayout, scale: number, fn: (index: number, count: number) => void): void {
    if (this.exact) {
      this.forEachValue(scale, (value) => fn(layout.index(Math.floor(value * scale)), 1));
      return;
    }
    const r = new Reader(this.data, HEADER);
    let index = -1;
    while (r.more()) {
      const head = r.varint();
      index += Math.floor(head / 2);
      fn(index, head % 2 === 0 ? 1 : r.varint() + 2);
    }
  }

  /** Bytes of the encoded slot (one a char). */
  get byteLength(): number {
    return this.data.length;
  }
}

// Float64 <-> bytes, in the platform's byte order: the strings never leave the process.
const F64 = new Float64Array(1);
const F64_BYTES = new Uint8Array(F64.buffer);

function f64At(data: string, at: number): number {
  for (let i = 0; i < 8; i++) F64_BYTES[i] = data.charCodeAt(at + i);
  return F64[0]!;
}

/** The values as whole units of 1 / `scale` when each is one exactly (and a safe integer), else undefined. */
function wholeUnits(raw: ArrayLike<number>, n: number, scale: number): Float64Array | undefined {
  const units = scratchUnits(n);
  for (let i = 0; i < n; i++) {
    const v = raw[i]!;
    const u = Math.round(v * scale);
    if (u / scale !== v || u > Number.MAX_SAFE_INTEGER) return undefined;
    units[i] = u;
  }
  return units;
}

function allDivisible(units: Float64Array, divisor: number): boolean {
  for (let i = 0; i < units.length; i++) if (units[i]! % divisor !== 0) return false;
  return true;
}

// Scratch space for closing slots, grown on demand and reused: closing runs once a slot per
// series, synchronously, so one buffer each serves every histogram of the process.
let units = new Float64Array(0);
let indexes = new Uint32Array(0);
let bytes = new Uint8Array(0);

function scratchUnits(n: number): Float64Array {
  if (units.length < n) units = new Float64Array(Math.max(n, 128));
  return units.subarray(0, n);
}

function scratchIndexes(n: number): Uint32Array {
  if (indexes.length < n) indexes = new Uint32Array(Math.max(n, 128));
  return indexes.subarray(0, n);
}

/** Appends bytes to the shared scratch buffer; `text()` returns them as a one-byte string. */
class Writer {
  length = 0;

  byte(b: number): void {
    if (this.length === bytes.length) grow(this.length + 1);
    bytes[this.length++] = b;
  }

  /** A non-negative integer up to 2^53, seven bits a byte, low bits first. */
  varint(v: number): void {
    if (this.length + 8 > bytes.length) grow(this.length + 8);
    while (v >= 128) {
      bytes[this.length++] = (v % 128) + 128;
      v = Math.floor(v / 128);
    }
    bytes[this.length++] = v;
  }

  f64(v: number): void {
    if (this.length + 8 > bytes.length) grow(this.length + 8);
    F64[0] = v;
    for (let i = 0; i < 8; i++) bytes[this.length++] = F64_BYTES[i]!;
  }

  /** One bucket: its index delta (>= 1) with a flag for a count other than 1, then that count. */
  bucket(delta: number, count: number): void {
    if (count === 1) this.varint(delta * 2);
    else {
      this.varint(delta * 2 + 1);
      this.varint(count - 2);
    }
  }

  text(): string {
    let text = '';
    // fromCharCode takes its codes as arguments: chunks stay far below any engine's argument limit.
    for (let at = 0; at < this.length; at += 8192) {
      text += String.fromCharCode.apply(null, bytes.subarray(at, Math.min(this.length, at + 8192)) as unknown as number[]);
    }
    return text;
  }
}

function grow(min: number): void {
  const next = new Uint8Array(Math.max(min, bytes.length * 2, 256));
  next.set(bytes);
  bytes = next;
}

function writer(sum: number, min: number, max: number): Writer {
  const w = new Writer();
  w.f64(sum);
  w.f64(min);
  w.f64(max);
  return w;
}

/** Reads varints from a byte string. */
class Reader {
  constructor(
    private readonly data: string,
    private at: number,
  ) {}

  more(): boolean {
    return this.at < this.data.length;
  }

  varint(): number {
    let b = this.data.charCodeAt(this.at++);
    let v = b & 127;
    let weight = 128;
    while (b >= 128) {
      b = this.data.charCodeAt(this.at++);
      v += (b & 127) * weight;
      weight *= 128;
    }
    return v;
  }
}
