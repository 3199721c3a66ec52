import type { CapabilityContext } from '../capability.js';

/** SKELETON (to be implemented): the circuit breakers of one monitor. */
export class BreakerRegistry {
  constructor(private readonly ctx: CapabilityContext) {
    void this.ctx;
  }

  /** Creates a named breaker around `fn`. */
  create<A extends unknown[], R>(name: string, fn: (...args: A) => Promise<R> | R, options: object = {}): { fire(...args: A): Promise<R> } {
    void name;
    void options;
    return { fire: async (...args: A) => fn(...args) };
  }

  /** Every breaker with its stats. */
  list(): unknown[] {
    return [];
  }

  /** Stops every breaker's timers. */
  close(): void {}
}
