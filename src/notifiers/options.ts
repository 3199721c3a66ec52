import { z } from 'zod';
import { positiveDurationSchema } from '../core/duration.js';

/**
 * How notifications are delivered, for every channel: each channel has its own queue, retries
 * with exponential backoff and jitter, and a breaker; what still fails becomes a dead letter.
 */
export const dispatcherOptionsSchema = z.object({
  /** Time budget of one `send` attempt; the notifier's signal aborts when it passes. */
  timeout: positiveDurationSchema.default(10_000),
  /** Retries after the first attempt before the notification is dead-lettered. */
  retries: z.number().int().min(0).default(3),
  backoff: z
    .object({
      initial: positiveDurationSchema.default(1_000),
      max: positiveDurationSchema.default(60_000),
      factor: z.number().min(1).default(2),
      /** Fraction of each delay randomised (0 to 1). */
      jitter: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  breaker: z
    .object({
      /** Consecutive failed notifications that open a channel's breaker. */
      failureThreshold: z.number().int().positive().default(5),
      /** How long an open channel waits before one trial delivery. */
      resetTimeout: positiveDurationSchema.default(60_000),
    })
    .prefault({}),
  /** Most notifications waiting per channel; past it the oldest are dead-lettered. */
  maxQueued: z.number().int().positive().default(1_000),
});

/** Delivery options as callers pass them. */
export type DispatcherOptions = z.input<typeof dispatcherOptionsSchema>;
/** Delivery options with defaults applied. */
export type ResolvedDispatcherOptions = z.output<typeof dispatcherOptionsSchema>;
