import { z } from 'zod';
import type { Notification, Notifier } from './contract.js';
import { formatValue, labelsText } from './format.js';
import { functionSchema, notifierNameSchema, parseNotifierOptions } from './notifier-options.js';

/** Options of {@link consoleNotifier}. */
export const consoleNotifierOptionsSchema = z.object({
  /** Channel name rules refer to. */
  name: notifierNameSchema.default('console'),
  /** Where lines go; default `console.log`. A logger's method works too: `(line) => logger.warn(line)`. */
  log: functionSchema<(line: string) => void>('taking one line of text').optional(),
});

/** Options accepted by {@link consoleNotifier}. */
export type ConsoleNotifierOptions = z.input<typeof consoleNotifierOptionsSchema>;

/**
 * A channel that writes one line per notification, e.g.
 * `[pulsewatch] FIRING critical HighLatency {alertname="HighLatency", service="api"}: p95 ... (value 1.2, threshold 1)`.
 * Useful in development and as a fallback channel; it never fails unless `log` throws.
 */
export function consoleNotifier(options: ConsoleNotifierOptions = {}): Notifier {
  const o = parseNotifierOptions('consoleNotifier', consoleNotifierOptionsSchema, options);
  // Looked up at send time, so a test's spy on console.log sees the lines.
  const log = o.log ?? ((line: string) => console.log(line));
  return {
    name: o.name,
    delivery: 'events',
    async send(notification) {
      log(consoleLine(notification));
    },
  };
}

/** The line {@link consoleNotifier} writes for `notification`. */
export function consoleLine(notification: Notification): string {
  const { alert } = notification;
  const values = `value ${formatValue(alert.value)}, threshold ${formatValue(alert.threshold)}`;
  return `[pulsewatch] ${notification.status.toUpperCase()} ${alert.severity} ${alert.ruleName} {${labelsText(alert.labels)}}: ${alert.message} (${values}; ${notification.reason})`;
}
