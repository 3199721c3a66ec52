import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SLACK_COLORS, slackNotifier, type SlackNotifierOptions } from '../../src/notifiers/slack.js';
import { makeNotification, resolvedNotification } from '../helpers/notifier-fixtures.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

const signal = new AbortController().signal;
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** The JSON body of the `index`-th request. */
const body = (index = 0): Record<string, any> => JSON.parse(receiver.requests[index]!.body);

describe('slackNotifier options', () => {
  it('requires webhookUrl and checks iconEmoji, naming the option', () => {
    expect(() => slackNotifier({} as SlackNotifierOptions)).toThrow(/^invalid slackNotifier options: webhookUrl: /);
    expect(() => slackNotifier({ webhookUrl: receiver.url, iconEmoji: 'fire' })).toThrow('invalid slackNotifier options: iconEmoji: must look like :emoji_name:');
  });
});

describe('slackNotifier messages', () => {
  it('posts a firing alert as an attachment coloured by severity, with its facts as fields', async () => {
    await slackNotifier({ webhookUrl: `${receiver.url}/services/T/B/x`, channel: '#alerts', username: 'pulsewatch', iconEmoji: ':rotating_light:' }).send(
      makeNotification({ generatorURL: 'https://app.example.com/alerts/rule-1' }),
      { signal },
    );
    expect(receiver.requests[0]).toMatchObject({ method: 'POST', path: '/services/T/B/x', headers: { 'content-type': 'application/json' } });
    const message = body();
    expect(message).toMatchObject({ channel: '#alerts', username: 'pulsewatch', icon_emoji: ':rotating_light:' });
    expect(message.text).toBe(':rotating_light: [FIRING] HighLatency: p95 of http_request_duration_seconds = 1.25 (&gt; 1 over 5m)');
    const [attachment] = message.attachments;
    expect(attachment).toMatchObject({ color: SLACK_COLORS.critical, title: '[FIRING] HighLatency', title_link: 'https://app.example.com/alerts/rule-1', ts: 1767225600 });
    expect(attachment.fields).toEqual([
      { title: 'Severity', value: 'critical', short: true },
      { title: 'Value', value: '1.25', short: true },
      { title: 'Threshold', value: '1', short: true },
      { title: 'Started', value: '2026-01-01T00:00:00.000Z', short: true },
      { title: 'Labels', value: 'alertname=HighLatency, route=/checkout, service=api, severity=critical', short: false },
    ]);
  });

  it('colours each severity differently', async () => {
    const notifier = slackNotifier({ webhookUrl: receiver.url });
    for (const severity of ['info', 'warning', 'error', 'critical'] as const) await notifier.send(makeNotification({ alert: { severity } }), { signal });
    const colors = receiver.requests.map((_r, i) => body(i).attachments[0].color);
    expect(colors).toEqual([SLACK_COLORS.info, SLACK_COLORS.warning, SLACK_COLORS.error, SLACK_COLORS.critical]);
    expect(new Set(colors).size).toBe(4);
  });

  it('sends a distinct green message when the alert resolves, with its end and duration', async () => {
    await slackNotifier({ webhookUrl: receiver.url }).send(resolvedNotification(725_000), { signal });
    const message = body();
    expect(message.text).toBe(':white_check_mark: [RESOLVED] HighLatency: resolved');
    expect(message.attachments[0].color).toBe(SLACK_COLORS.resolved);
    expect(message.attachments[0].fields).toEqual(
      expect.arrayContaining([
        { title: 'Resolved', value: '2026-01-01T00:12:05.000Z', short: true },
        { title: 'Duration', value: '12m 5s', short: true },
      ]),
    );
    expect(message).not.toHaveProperty('channel');
  });

  it("escapes Slack's control characters in alert text", async () => {
    await slackNotifier({ webhookUrl: receiver.url }).send(makeNotification({ alert: { message: 'errors <b>&</b> more', labels: { alertname: 'A<B>' } } }), { signal });
    const message = body();
    expect(message.text).toContain('errors &lt;b&gt;&amp;&lt;/b&gt; more');
    expect(message.attachments[0].fields.at(-1).value).toBe('alertname=A&lt;B&gt;');
  });
});
