/**
 * HdrHistogram's log-linear bucket layout (lowest discernible value 1), computed with integer
 * math so the hot path records in a few nanoseconds. An index here is the same counts index
 * hdr-histogram-js uses for the same significant digits, so encoding to its format is a copy.
 */
export class BucketLayout {
  readonly digits: number;
  readonly subBucketCount: number;
  readonly subBucketHalfCount: number;
  readonly halfCountMagnitude: number;
  private readonly countMagnitude: number;

  constructor(digits: number) {
    this.digits = digits;
    this.countMagnitude = Math.ceil(Math.log2(2 * 10 ** digits));
    this.halfCountMagnitude = this.countMagnitude - 1;
    this.subBucketCount = 2 ** this.countMagnitude;
    this.subBucketHalfCount = this.subBucketCount / 2;
  }

  /** Counts index of a non-negative integer value. */
  index(value: number): number {
    if (value < this.subBucketCount) return value;
    let pow: number;
    if (value < 0x80000000) {
      pow = 31 - Math.clz32(value);
    } else {
      pow = Math.floor(Math.log2(value));
      // log2 of large doubles can land one off at exact powers of two.
      if (2 ** pow > value) pow--;
      else if (2 ** (pow + 1) <= value) pow++;
    }
    const bucket = pow - this.halfCountMagnitude;
    // A shift where the value fits 31 bits: Math.floor(value / 2 ** bucket) costs ~60 ns on Node 20.
    const sub = value < 0x80000000 ? value >>> bucket : Math.floor(value / 2 ** bucket);
    return (bucket + 1) * this.subBucketHalfCount + sub - this.subBucketHalfCount;
  }

  /** Lowest integer value that maps to `index`. */
  lowestAt(index: number): number {
    const bucket = Math.floor(index / this.subBucketHalfCount) - 1;
    if (bucket <= 0) return index;
    const sub = (index % this.subBucketHalfCount) + this.subBucketHalfCount;
    return sub * 2 ** bucket;
  }

  /** Number of integer values that map to `index`. */
  widthAt(index: number): number {
    const bucket = Math.floor(index / this.subBucketHalfCount) - 1;
    return bucket <= 0 ? 1 : 2 ** bucket;
  }
}

/**
 * Counts per bucket index, stored in chunks of one half-bucket each and allocated only where
 * values land, so a narrow latency distribution costs a few hundred bytes, not the full array.
 */
export class SparseCounts {
  readonly layout: BucketLayout;
  chunks: (Uint32Array | undefined)[] = [];
  total = 0;

  constructor(layout: BucketLayout) {
    this.layout = layout;
  }

  /** Adds `count` at the bucket of integer `value`. */
  record(value: number, count = 1): void {
    this.add(this.layout.index(value), count);
  }

  /** Adds `count` at a counts index. */
  add(index: number, count: number): void {
    const half = this.layout.subBucketHalfCount;
    const c = Math.floor(index / half);
    let chunk = this.chunks[c];
    if (chunk === undefined) {
      chunk = new Uint32Array(half);
      this.chunks[c] = chunk;
    }
    chunk[index - c * half]! += count;
    this.total += count;
  }

  /** Calls `fn(index, count)` for every non-empty bucket in increasing order. */
  forEach(fn: (index: number, count: number) => void): void {
    const half = this.layout.subBucketHalfCount;
    const chunks = this.chunks;
    for (let c = 0; c < chunks.length; c++) {
      const chunk = chunks[c];
      if (chunk === undefined) continue;
      for (let i = 0; i < half; i++) if (chunk[i]! > 0) fn(c * half + i, chunk[i]!);
    }
  }

  /** Adds every count of `other` (same layout) into this. */
  merge(other: SparseCounts): void {
    other.forEach((index, count) => this.add(index, count));
  }

  /** Zeroes the counts but keeps the chunks, so a reused slot does not allocate again. */
  clear(): void {
    for (const chunk of this.chunks) if (chunk !== undefined) chunk.fill(0);
    this.total = 0;
  }

  /** Bytes held by the chunks. */
  get byteLength(): number {
    let bytes = 0;
    for (const chunk of this.chunks) if (chunk !== undefined) bytes += chunk.byteLength;
    return bytes;
  }
}
