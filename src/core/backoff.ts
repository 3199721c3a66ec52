import { z } from 'zod';
import { positiveDurationSchema } from './duration.js';

/**
 * Exponential backoff with jitter, shared by the recorder (`flush.retry`) and the notification
 * channels (`notifications.backoff`): the same option names and the same formula in both.
 */
export const backoffSchema = z.object({
  /** Delay before the first retry. */
  initialDelay: positiveDurationSchema.default(1_000),
  /** Longest delay between two retries. */
  maxDelay: positiveDurationSchema.default(60_000),
  /** Each retry waits this many times longer than the one before. */
  factor: z.number().min(1).default(2),
  /** Fraction of each delay taken off at random (0 to 1), so instances don't retry in lockstep. */
  jitter: z.number().min(0).max(1).default(0.2),
});

/** Backoff settings with defaults applied. */
export type Backoff = z.output<typeof backoffSchema>;

/** Delay before retry number `retry` (1 for the first): `initialDelay * factor^(retry-1)`, capped at `maxDelay`, minus up to `jitter` of it. */
export function backoffDelay(retry: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxDelay, backoff.initialDelay * backoff.factor ** Math.max(0, retry - 1));
  return base * (1 - backoff.jitter * random());
}
