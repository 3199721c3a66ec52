import { z } from 'zod';
import type { Notifier } from './contract.js';
import { postJson, type HttpTarget } from './http.js';
import { headersSchema, httpUrlSchema, notifierNameSchema, notifierTimeoutSchema, parseNotifierOptions } from './notifier-options.js';
import { urlSecrets } from './redact.js';
import { postableAlert } from './alertmanager-payload.js';

/** Options of {@link alertmanagerNotifier}. */
export const alertmanagerNotifierOptionsSchema = z.object({
  /** Alertmanager's base URL, e.g. `http://alertmanager:9093` (a path prefix is kept). */
  url: httpUrlSchema,
  /** Channel name rules refer to. */
  name: notifierNameSchema.default('alertmanager'),
  /** Extra headers (e.g. basic auth in front of Alertmanager); their values are treated as secrets. */
  headers: headersSchema,
  /** Time budget of one attempt; default: the monitor's `notifications.timeout`. */
  timeout: notifierTimeoutSchema,
});

/** Options accepted by {@link alertmanagerNotifier}. */
export type AlertmanagerNotifierOptions = z.input<typeof alertmanagerNotifierOptionsSchema>;

/**
 * A state channel for Prometheus Alertmanager: POSTs `[postableAlert]` to
 * `${url}/api/v2/alerts`. Firing alerts carry `endsAt = validUntil`, so Alertmanager resolves
 * them by itself if pulsewatch goes quiet; resolved ones carry their `endsAt`. The rule engine
 * re-posts state regularly (`delivery: 'state'`), as Alertmanager's clients must.
 */
export function alertmanagerNotifier(options: AlertmanagerNotifierOptions): Notifier {
  const o = parseNotifierOptions('alertmanagerNotifier', alertmanagerNotifierOptionsSchema, options);
  const endpoint = new URL(o.url);
  endpoint.pathname = `${endpoint.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  const url = endpoint.href;
  const target: HttpTarget = { channel: o.name, url, headers: o.headers, secrets: [...urlSecrets(o.url), ...Object.values(o.headers)] };
  return {
    name: o.name,
    delivery: 'state',
    timeout: o.timeout,
    send(notification, { signal }) {
      return postJson(target, JSON.stringify([postableAlert(notification)]), signal);
    },
  };
}
