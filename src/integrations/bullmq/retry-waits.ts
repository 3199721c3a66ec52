/** Retries whose ready time is remembered at once; the oldest go first. */
export const MAX_RETRIES_TRACKED = 10_000;

/**
 * When the next retry of each BullMQ job became (or becomes) ready to run, so the retry's wait
 * can be recorded as `monitor.jobs` records one: from the end of its backoff to its start.
 * BullMQ keeps no such time on the job (a retried attempt has no `finishedOn`, and `delay` is
 * reset to 0 when the job is promoted), so it is learned from events: this process's worker
 * `failed` event (the time now plus the backoff BullMQ just set on the job), and, for retries a
 * worker of another process failed, a `QueueEvents` stream (`delayed` carries the time the
 * backoff ends; `waiting` after `active` is an immediate retry). The latest time learned for a
 * job wins, and the start of its next attempt takes it. Bounded: {@link MAX_RETRIES_TRACKED}.
 */
export class RetryWaits {
  private readonly ready = new Map<string, number>();

  /** The next attempt of job `key` is ready at `at` (epoch ms). */
  readyAt(key: string, at: number): void {
    if (!Number.isFinite(at)) return;
    this.ready.delete(key);
    this.ready.set(key, at);
    while (this.ready.size > MAX_RETRIES_TRACKED) this.ready.delete(this.ready.keys().next().value!);
  }

  /** Job `key` started an attempt at `at`: the wait since its ready time, if one is known (then forgotten). */
  take(key: string, at: number): number | undefined {
    const ready = this.ready.get(key);
    if (ready === undefined) return undefined;
    this.ready.delete(key);
    // Ready times from the stream are Redis's clock, starts the worker's: never a negative wait.
    return Number.isFinite(at) ? Math.max(0, at - ready) : undefined;
  }

  /** A first attempt started: a ready time learned for it (a job added with a delay) is no retry's. */
  forget(key: string): void {
    this.ready.delete(key);
  }
}
