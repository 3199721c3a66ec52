import { z } from 'zod';
import { backoffSchema } from '../core/backoff.js';
import { positiveDurationSchema } from '../core/duration.js';

/**
 * How notifications are delivered, for every channel: each channel has its own queue, retries
 * with exponential backoff and jitter, and a breaker; what still fails becomes a dead letter.
 * Every default lives here.
 */
export const dispatcherOptionsSchema = z.object({
  /**
   * Time budget of one `send` attempt; the notifier's signal aborts when it passes. A notifier's
   * own `timeout` (e.g. `webhookNotifier({ timeout })`) wins over it.
   */
  timeout: positiveDurationSchema.default(10_000),
  /** Retries after the first attempt before the notification is dead-lettered. */
  retries: z.number().int().min(0).default(3),
  /** Retry delays: exponential backoff with jitter, the same settings as `flush.retry`. */
  backoff: backoffSchema.prefault({}),
  breaker: z
    .object({
      /**
       * Consecutive failed attempts (network errors, timeouts, HTTP 408, 429 and 5xx) that open a
       * channel's breaker. Answers that retrying cannot fix (other 4xx) prove the receiver is up and
       * count as successes here.
       */
      failureThreshold: z.number().int().positive().default(5),
      /** How long an open channel waits before one trial delivery (half-open). */
      resetTimeout: positiveDurationSchema.default(60_000),
    })
    .prefault({}),
  /** Most notifications waiting per channel (the one being sent not included); past it the oldest are dead-lettered. */
  maxQueued: z.number().int().positive().default(1_000),
});

/** Delivery options as callers pass them. */
export type DispatcherOptions = z.input<typeof dispatcherOptionsSchema>;
/** Delivery options with defaults applied. */
export type ResolvedDispatcherOptions = z.output<typeof dispatcherOptionsSchema>;
