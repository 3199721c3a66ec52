import { describe, expectTypeOf, it } from 'vitest';
import type { AlertmanagerNotifierOptions } from '../../src/notifiers/alertmanager.js';
import type { EmailNotifierOptions } from '../../src/notifiers/email.js';
import type { NotificationFailedEvent } from '../../src/notifiers/events.js';
import type { DispatcherOptions } from '../../src/notifiers/options.js';
import type { SlackNotifierOptions } from '../../src/notifiers/slack.js';
import type { WebhookNotifierOptions } from '../../src/notifiers/webhook.js';
import type { NotificationError } from '../../src/core/errors.js';
import type { MonitorEvents } from '../../src/monitor-events.js';

describe('notifier option types', () => {
  it('require only what has no default', () => {
    expectTypeOf<{ url: string }>().toExtend<WebhookNotifierOptions>();
    expectTypeOf<{ name: string }>().not.toExtend<WebhookNotifierOptions>();
    expectTypeOf<{ webhookUrl: string }>().toExtend<SlackNotifierOptions>();
    expectTypeOf<{ url: string }>().toExtend<AlertmanagerNotifierOptions>();
    expectTypeOf<{ from: string; to: string; smtp: { host: string; port: number } }>().toExtend<EmailNotifierOptions>();
    expectTypeOf<{}>().toExtend<DispatcherOptions>();
  });

  it('accept durations as numbers or strings', () => {
    expectTypeOf<{ url: string; timeout: '5s' }>().toExtend<WebhookNotifierOptions>();
    expectTypeOf<{ timeout: 2000; backoff: { initialDelay: '1s' } }>().toExtend<DispatcherOptions>();
  });

  it('type the failure event with a NotificationError', () => {
    expectTypeOf<NotificationFailedEvent['error']>().toEqualTypeOf<NotificationError>();
    expectTypeOf<Parameters<MonitorEvents['notificationFailed']>[0]>().toEqualTypeOf<NotificationFailedEvent>();
  });
});
