import { z } from 'zod';
import type { Notifier } from './contract.js';
import { postJson, type HttpTarget } from './http.js';
import { functionSchema, headersSchema, httpUrlSchema, notifierNameSchema, notifierTimeoutSchema, parseNotifierOptions } from './notifier-options.js';
import { urlSecrets } from './redact.js';
import { webhookPayload } from './alertmanager-payload.js';
import { SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER, importSigningKey, signWebhookBody } from './signature.js';

/** Options of {@link webhookNotifier}. */
export const webhookNotifierOptionsSchema = z.object({
  /** Where to POST. Treated as a secret (its path and query often are the token). */
  url: httpUrlSchema,
  /** Channel name rules refer to. */
  name: notifierNameSchema.default('webhook'),
  /** Extra headers (e.g. `authorization`); their values are treated as secrets. */
  headers: headersSchema,
  /** Signs each request with HMAC-SHA256 (see `verifyWebhookSignature`). */
  secret: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Time budget of one attempt; default: the monitor's `notifications.timeout`. */
  timeout: notifierTimeoutSchema,
  /** `externalURL` of the payload: a link back to your monitoring UI. */
  externalURL: z.string().default(''),
  /** Source of the signature timestamp (ms); default `Date.now`. */
  now: functionSchema<() => number>('returning ms since the epoch').optional(),
});

/** Options accepted by {@link webhookNotifier}. */
export type WebhookNotifierOptions = z.input<typeof webhookNotifierOptionsSchema>;

/**
 * A channel that POSTs each notification as JSON in Alertmanager's webhook format (version 4),
 * plus a `pulsewatch` field with the alert record; with `secret`, signed with HMAC-SHA256 over
 * `${timestamp}.${body}` in the `x-pulsewatch-signature` and `x-pulsewatch-timestamp` headers.
 * 2xx is success; 408, 429, 5xx and network errors are retried; other 4xx are not. A 3xx is a
 * failed delivery, not retried: redirects are never followed, so the body, headers and signature
 * never reach an origin other than `url`'s.
 */
export function webhookNotifier(options: WebhookNotifierOptions): Notifier {
  const o = parseNotifierOptions('webhookNotifier', webhookNotifierOptionsSchema, options);
  const target: HttpTarget = {
    channel: o.name,
    url: o.url,
    headers: o.headers,
    secrets: [...urlSecrets(o.url), ...Object.values(o.headers), ...(o.secret === undefined ? [] : [o.secret])],
  };
  let key: Promise<CryptoKey> | undefined;
  const now = o.now ?? Date.now;
  return {
    name: o.name,
    delivery: 'events',
    timeout: o.timeout,
    async send(notification, { signal }) {
      const body = JSON.stringify(webhookPayload(notification, o.name, o.externalURL));
      if (o.secret === undefined) return postJson(target, body, signal);
      key ??= importSigningKey(o.secret);
      const timestamp = Math.floor(now() / 1000);
      const signature = await signWebhookBody(await key, timestamp, body);
      return postJson(target, body, signal, { [SIGNATURE_TIMESTAMP_HEADER]: String(timestamp), [SIGNATURE_HEADER]: signature });
    },
  };
}
