import { z } from 'zod';
import type { Severity } from '../storage/records.js';
import type { Notification, Notifier } from './contract.js';
import { endedAt, formatDuration, formatValue, rfc3339, titleOf } from './format.js';
import { postJson, type HttpTarget } from './http.js';
import { httpUrlSchema, notifierNameSchema, notifierTimeoutSchema, parseNotifierOptions } from './notifier-options.js';
import { urlSecrets } from './redact.js';

/** Options of {@link slackNotifier}. */
export const slackNotifierOptionsSchema = z.object({
  /** The incoming-webhook URL Slack gave you. A secret: it is the token. */
  webhookUrl: httpUrlSchema,
  /** Channel name rules refer to. */
  name: notifierNameSchema.default('slack'),
  /** Overrides the webhook's channel (legacy webhooks only), e.g. `#alerts`. */
  channel: z.string().min(1).optional(),
  /** Overrides the sender's name (legacy webhooks only). */
  username: z.string().min(1).optional(),
  /** Overrides the sender's icon (legacy webhooks only), e.g. `:rotating_light:`. */
  iconEmoji: z.string().regex(/^:[^:\s]+:$/, 'must look like :emoji_name:').optional(),
  /** Time budget of one attempt; default: the monitor's `notifications.timeout`. */
  timeout: notifierTimeoutSchema,
});

/** Options accepted by {@link slackNotifier}. */
export type SlackNotifierOptions = z.input<typeof slackNotifierOptionsSchema>;

/** Attachment colour per severity; resolved messages are green. */
export const SLACK_COLORS: Readonly<Record<Severity | 'resolved', string>> = Object.freeze({
  critical: '#d00000',
  error: '#e8590c',
  warning: '#f2c744',
  info: '#439fe0',
  resolved: '#2eb886',
});

interface SlackField {
  title: string;
  value: string;
  short: boolean;
}

/**
 * A channel that posts to a Slack incoming webhook: one message per notification, with an
 * attachment coloured by severity and fields for severity, value, threshold, labels and start;
 * a resolved alert gets a distinct green message with its end and duration.
 */
export function slackNotifier(options: SlackNotifierOptions): Notifier {
  const o = parseNotifierOptions('slackNotifier', slackNotifierOptionsSchema, options);
  const target: HttpTarget = { channel: o.name, url: o.webhookUrl, headers: {}, secrets: urlSecrets(o.webhookUrl) };
  return {
    name: o.name,
    delivery: 'events',
    timeout: o.timeout,
    send(notification, { signal }) {
      const message = slackMessage(notification);
      if (o.channel !== undefined) message.channel = o.channel;
      if (o.username !== undefined) message.username = o.username;
      if (o.iconEmoji !== undefined) message.icon_emoji = o.iconEmoji;
      return postJson(target, JSON.stringify(message), signal);
    },
  };
}

/** The Slack message for `notification` (without channel, username and icon overrides). */
export function slackMessage(notification: Notification): Record<string, unknown> {
  const { alert } = notification;
  const resolved = notification.status === 'resolved';
  const title = escape(titleOf(notification));
  const fields: SlackField[] = [
    { title: 'Severity', value: alert.severity, short: true },
    { title: 'Value', value: formatValue(alert.value), short: true },
    { title: 'Threshold', value: formatValue(alert.threshold), short: true },
    { title: 'Started', value: rfc3339(alert.startsAt), short: true },
  ];
  if (resolved) {
    fields.push({ title: 'Resolved', value: rfc3339(endedAt(notification)), short: true });
    fields.push({ title: 'Duration', value: formatDuration(endedAt(notification) - alert.startsAt), short: true });
  }
  const labels = Object.keys(alert.labels)
    .sort()
    .map((k) => `${k}=${alert.labels[k]}`)
    .join(', ');
  fields.push({ title: 'Labels', value: escape(labels) || 'none', short: false });
  const text = resolved ? `:white_check_mark: ${title}: resolved` : `:rotating_light: ${title}: ${escape(alert.message)}`;
  return {
    text,
    attachments: [
      {
        color: resolved ? SLACK_COLORS.resolved : SLACK_COLORS[alert.severity],
        fallback: `${title}: ${escape(alert.message)}`,
        title,
        ...(notification.generatorURL ? { title_link: notification.generatorURL } : {}),
        text: escape(alert.annotations.description ?? alert.message),
        fields,
        footer: escape(`${notification.service} · ${notification.reason}`),
        ts: Math.floor(notification.createdAt / 1000),
      },
    ],
  };
}

/** Slack's three control characters in message text. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
