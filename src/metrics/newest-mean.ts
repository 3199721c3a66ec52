/**
 * A histogram window's `last`: the mean of every observation at the newest slot start, whichever
 * series, slots and parts hold them (the first one met would depend on the order they are held
 * in, which differs between the rule engine's kept windows and a fresh read). Shared by the
 * window query's stats and the snapshot's tally so the two agree.
 */
export class NewestMean {
  start = -Infinity;
  count = 0;
  sum = 0;

  /** Adds a part of `count` observations summing to `sum`, of the slot starting at `start`. */
  add(start: number, count: number, sum: number): void {
    if (start < this.start) return;
    if (start > this.start) {
      this.start = start;
      this.count = 0;
      this.sum = 0;
    }
    this.count += count;
    this.sum += sum;
  }

  /** The mean at the newest start; `fallback` when nothing was added. */
  mean(fallback: number): number {
    return this.count > 0 ? this.sum / this.count : fallback;
  }

  /** A copy to add to without changing this one. */
  copy(): NewestMean {
    const c = new NewestMean();
    c.start = this.start;
    c.count = this.count;
    c.sum = this.sum;
    return c;
  }
}
