import type { Counter } from '../metrics/counter.js';
import type { MetricRegistry } from '../metrics/registry.js';
import type { AttemptResult } from './attempt.js';
import type { Channel } from './channel.js';
import type { ChannelBreakerState } from './channel-breaker.js';

/** Final outcome of one notification on one channel. */
export type NotificationOutcome = 'sent' | 'failed';

const BREAKER_STATES: readonly ChannelBreakerState[] = ['closed', 'open', 'halfOpen'];

/** The dispatcher's self-metrics, defined in the monitor's registry. */
export interface DispatcherMetrics {
  outcome(channel: string, outcome: NotificationOutcome): void;
  attempt(channel: string, result: AttemptResult): void;
}

/**
 * Defines the self-metrics:
 * - `pulsewatch_notifications_total{channel,outcome}`: notifications sent or given up (`failed`);
 * - `pulsewatch_notification_attempts_total{channel,result}`: sends, by `success`, `failure`, `timeout`;
 * - `pulsewatch_notification_queue_size{channel}`: notifications waiting;
 * - `pulsewatch_notification_breaker_state{channel,state}`: 1 for the breaker's current state, 0 for the others.
 * Nothing is defined for a monitor without notifiers, so its exposition stays as it was.
 */
export function dispatcherMetrics(registry: MetricRegistry, channels: ReadonlyMap<string, Channel>): DispatcherMetrics {
  if (channels.size === 0) return { outcome() {}, attempt() {} };
  const notifications: Counter<'channel' | 'outcome'> = registry.counter({
    name: 'pulsewatch_notifications_total',
    help: 'Notifications by channel and final outcome (sent, or failed after retries)',
    labelNames: ['channel', 'outcome'],
  });
  const attempts: Counter<'channel' | 'result'> = registry.counter({
    name: 'pulsewatch_notification_attempts_total',
    help: 'Notification send attempts by channel and result (success, failure, timeout)',
    labelNames: ['channel', 'result'],
  });
  registry.gauge({
    name: 'pulsewatch_notification_queue_size',
    help: 'Notifications waiting per channel',
    labelNames: ['channel'],
    collect: (gauge) => {
      for (const channel of channels.values()) gauge.set(channel.queued, { channel: channel.name });
    },
  });
  registry.gauge({
    name: 'pulsewatch_notification_breaker_state',
    help: 'Circuit breaker state per notification channel: 1 for the current state',
    labelNames: ['channel', 'state'],
    collect: (gauge) => {
      for (const channel of channels.values()) {
        for (const state of BREAKER_STATES) gauge.set(channel.breaker.state === state ? 1 : 0, { channel: channel.name, state });
      }
    },
  });
  // Zero series up front, so rate() and absent() see every channel from the first scrape.
  for (const name of channels.keys()) for (const outcome of ['sent', 'failed'] as const) notifications.labels({ channel: name, outcome });
  return {
    outcome: (channel, outcome) => notifications.inc({ channel, outcome }),
    attempt: (channel, result) => attempts.inc({ channel, result }),
  };
}
