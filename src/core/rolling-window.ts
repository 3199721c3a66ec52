/**
 * Calls and failures over the last `length` ms, in `buckets` equal buckets (opossum's rolling
 * window: `rollingCountTimeout` split into `rollingCountBuckets`). Buckets rotate lazily from the
 * time each call passes in (the monitor clock's monotonic time), so the window needs no timer:
 * a breaker nobody calls costs nothing, and a `ManualClock` moves the window with everything else.
 */
export class RollingWindow {
  /** Length of one bucket in ms (at least 1: the options refuse shorter ones). */
  readonly bucketMs: number;
  private readonly fires: Float64Array;
  private readonly failures: Float64Array;
  /** Index (time / bucketMs) of the bucket `head` holds; -Infinity before the first call. */
  private bucket = -Infinity;
  /** When the head bucket ends: the per-call check is one comparison with it. */
  private bucketEnd = -Infinity;
  private head = 0;
  // Running sums, so reading the window never walks the buckets.
  private sumFires = 0;
  private sumFailures = 0;

  constructor(length: number, buckets: number) {
    this.bucketMs = Math.max(1, Math.floor(length / buckets));
    this.fires = new Float64Array(buckets);
    this.failures = new Float64Array(buckets);
  }

  /** Counts a call made at `now`. */
  fire(now: number): void {
    if (now >= this.bucketEnd) this.rotate(now);
    this.fires[this.head]!++;
    this.sumFires++;
  }

  /** Counts a failure at `now`. */
  fail(now: number): void {
    if (now >= this.bucketEnd) this.rotate(now);
    this.failures[this.head]!++;
    this.sumFailures++;
  }

  /** Calls in the window at `now`. */
  calls(now: number): number {
    if (now >= this.bucketEnd) this.rotate(now);
    return this.sumFires;
  }

  /** Failures in the window at `now`. */
  failed(now: number): number {
    if (now >= this.bucketEnd) this.rotate(now);
    return this.sumFailures;
  }

  /** Moves the head to the bucket of `now`, emptying the buckets that fell out of the window. */
  private rotate(now: number): void {
    const bucket = Math.floor(now / this.bucketMs);
    // A clock set back (a ManualClock can be) never gets here: calls keep counting where we are.
    const size = this.fires.length;
    const steps = bucket - this.bucket;
    this.bucket = bucket;
    this.bucketEnd = (bucket + 1) * this.bucketMs;
    if (steps >= size) {
      this.fires.fill(0);
      this.failures.fill(0);
      this.sumFires = 0;
      this.sumFailures = 0;
      return;
    }
    for (let i = 0; i < steps; i++) {
      const head = (this.head + 1) % size;
      this.head = head;
      this.sumFires -= this.fires[head]!;
      this.sumFailures -= this.failures[head]!;
      this.fires[head] = 0;
      this.failures[head] = 0;
    }
  }
}
