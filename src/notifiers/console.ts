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

/**
 * The line {@link consoleNotifier} writes for `notification`: always exactly one line. Alert
 * fields come from rules, labels and values anyone with write access (or a label value taken from
 * a request) could set; a raw CR or LF there would start a forged log record, and an ESC could
 * drive the terminal. So control characters (C0, DEL, C1, U+2028/U+2029) are written as escapes
 * (`\n`, `\u001b`), and a backslash as `\\`, so the escape cannot be faked either.
 */
export function consoleLine(notification: Notification): string {
  const { alert } = notification;
  const values = `value ${formatValue(alert.value)}, threshold ${formatValue(alert.threshold)}`;
  const labels = labelsText(alert.labels).replace(UNESCAPED_BY_JSON, escapeChar);
  return `[pulsewatch] ${notification.status.toUpperCase()} ${oneLine(alert.severity)} ${oneLine(alert.ruleName)} {${labels}}: ${oneLine(alert.message)} (${values}; ${oneLine(notification.reason)})`;
}

// What can end or corrupt a log record, plus the backslash that introduces an escape.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/g;
// labelsText quotes values with JSON.stringify, which escapes C0, `"` and `\` but not DEL, C1 or
// U+2028/9; a raw C0 left can only be in a label name, which is unquoted.
const UNESCAPED_BY_JSON = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const SHORT: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\' };

function escapeChar(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

function oneLine(text: string): string {
  return String(text).replace(CONTROL, escapeChar);
}
