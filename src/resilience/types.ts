/** A circuit breaker's state, as opossum names them (half-open written in camelCase). */
export type BreakerState = 'closed' | 'open' | 'halfOpen';

/** Payload of `breakerStateChanged`. */
export interface BreakerStateChangedEvent {
  /** The breaker's name. */
  name: string;
  from: BreakerState;
  to: BreakerState;
  /** When it changed (ms since the epoch). */
  at: number;
}
