/**
 * Hits and lookups over the last `length` ms in equal buckets, rotated lazily from the time
 * each call passes in (the monitor clock's monotonic time): no timer, and a ManualClock moves
 * it with everything else. As core/rolling-window.ts, with counts added in one call (a cache
 * `mget` answers many keys at once).
 */
export class HitWindow {
  private readonly bucketMs: number;
  private readonly hits: Float64Array;
  private readonly lookups: Float64Array;
  private bucket = -Infinity;
  private head = 0;
  private sumHits = 0;
  private sumLookups = 0;

  constructor(length: number, buckets: number) {
    this.bucketMs = Math.max(1, Math.floor(length / buckets));
    this.hits = new Float64Array(buckets);
    this.lookups = new Float64Array(buckets);
  }

  /** Adds `hits` hits and `misses` misses at `now`. */
  add(now: number, hits: number, misses: number): void {
    this.rotate(now);
    this.hits[this.head]! += hits;
    this.lookups[this.head]! += hits + misses;
    this.sumHits += hits;
    this.sumLookups += hits + misses;
  }

  /** Hits over lookups in the window at `now`; undefined when there was no lookup. */
  ratio(now: number): number | undefined {
    this.rotate(now);
    return this.sumLookups > 0 ? this.sumHits / this.sumLookups : undefined;
  }

  private rotate(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket <= this.bucket) return;
    const size = this.hits.length;
    const steps = Math.min(bucket - this.bucket, size);
    for (let i = 0; i < steps; i++) {
      this.head = (this.head + 1) % size;
      this.sumHits -= this.hits[this.head]!;
      this.sumLookups -= this.lookups[this.head]!;
      this.hits[this.head] = 0;
      this.lookups[this.head] = 0;
    }
    this.bucket = bucket;
  }
}
