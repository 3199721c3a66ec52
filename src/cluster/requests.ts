import type { Clock, TimerHandle } from '../core/clock.js';

/** How a request ended when it got no answer. */
export type Unanswered = 'timeout' | 'gone' | 'unsent' | 'busy';

/** The settlement of a request: its answer, or why there was none. */
export type Settled<T> = { ok: true; value: T } | { ok: false; reason: Unanswered };

interface Pending {
  settle(result: Settled<unknown>): void;
  timer: TimerHandle;
  /** Who it was sent to, so a gone peer's requests settle at once. */
  peer: string;
}

/**
 * Requests waiting for an answer over a channel, each with a timeout on the clock. Bounded: past
 * `max` waiting requests a new one settles at once as `busy`. Every request settles exactly once
 * (answer, timeout, its peer gone, or `close()`), so nothing waits on a dead or silent peer past
 * its timeout.
 */
export class PendingRequests {
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly clock: Clock,
    private readonly max: number,
  ) {}

  /** Requests waiting now. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Sends a request through `send(id)` (false when it could not be sent) and resolves with the
   * answer given to {@link answer}, or with why none came within `timeoutMs`. Never rejects.
   */
  request<T>(peer: string, timeoutMs: number, send: (id: number) => boolean): Promise<Settled<T>> {
    if (this.pending.size >= this.max) return Promise.resolve({ ok: false, reason: 'busy' });
    const id = ++this.nextId;
    return new Promise<Settled<T>>((resolve) => {
      const settle = (result: Settled<unknown>): void => {
        const entry = this.pending.get(id);
        if (entry === undefined) return;
        this.pending.delete(id);
        this.clock.clearTimeout(entry.timer);
        resolve(result as Settled<T>);
      };
      const timer = this.clock.setTimeout(() => settle({ ok: false, reason: 'timeout' }), timeoutMs);
      this.pending.set(id, { settle, timer, peer });
      if (!send(id)) settle({ ok: false, reason: 'unsent' });
    });
  }

  /** Settles request `id` with `value`; false when no such request waits (late, or never sent). */
  answer(id: unknown, value: unknown): boolean {
    const entry = typeof id === 'number' ? this.pending.get(id) : undefined;
    if (entry === undefined) return false;
    entry.settle({ ok: true, value });
    return true;
  }

  /** Settles every request sent to `peer` as `gone`. */
  gone(peer: string): void {
    for (const entry of [...this.pending.values()]) if (entry.peer === peer) entry.settle({ ok: false, reason: 'gone' });
  }

  /** Settles every waiting request as `gone`. */
  close(): void {
    for (const entry of [...this.pending.values()]) entry.settle({ ok: false, reason: 'gone' });
  }
}
