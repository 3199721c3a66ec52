import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeUrl, redact, safeError, urlSecrets } from '../../src/notifiers/redact.js';
import { slackNotifier } from '../../src/notifiers/slack.js';
import { webhookNotifier } from '../../src/notifiers/webhook.js';
import { makeNotification, notifierHarness } from '../helpers/notifier-fixtures.js';
import { refusedUrl, startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

const TOKEN = 'tok3nSECRETvalue';
const QUERY_SECRET = 'querySECRETvalue';
const HEADER_SECRET = 'headerSECRETvalue';

/** Everything an error holds that could reach a log: messages, stacks and causes, recursively. */
function everything(value: unknown, depth = 0): string {
  if (depth > 5 || value === undefined || value === null) return '';
  if (value instanceof Error) return [value.message, value.stack, JSON.stringify(value), everything(value.cause, depth + 1)].join('\n');
  return JSON.stringify(value, (_k, v: unknown) => (v instanceof Error ? everything(v, depth + 1) : v));
}

describe('redact', () => {
  it('removes known secrets, and the user info, path and query of any URL, keeping scheme and host', () => {
    const url = `https://hooks.slack.com/services/T000/B000/${TOKEN}`;
    expect(redact(`POST ${url} failed`, urlSecrets(url))).toBe('POST https://hooks.slack.com/[redacted] failed');
    expect(redact('connect to https://user:pa55word@db.example.com:8443/x?token=abc')).toBe('connect to https://[redacted]@db.example.com:8443/[redacted]');
    expect(redact('see https://example.com/ and http://example.com')).toBe('see https://example.com/ and http://example.com');
  });

  it('removes secrets that appear outside a URL, and bearer-style and Slack tokens', () => {
    expect(redact(`the receiver said: invalid token ${TOKEN}`, [TOKEN])).toBe('the receiver said: invalid token [redacted]');
    expect(redact('Authorization: Bearer abc.def-123')).toBe('Authorization: Bearer [redacted]');
    expect(redact('token xoxb-1234-5678-abcdEFGH rejected')).toBe('token [redacted] rejected');
  });

  it('ignores strings too short to be secrets', () => {
    expect(redact('HTTP 500 in 1 ms', ['1', ''])).toBe('HTTP 500 in 1 ms');
  });

  it('lists the secret parts of a URL', () => {
    const secrets = urlSecrets(`https://u5er:pa55word@h.example.com/hook/${TOKEN}?key=${QUERY_SECRET}`);
    expect(secrets).toEqual(expect.arrayContaining([TOKEN, QUERY_SECRET, 'pa55word', 'u5er', `/hook/${TOKEN}?key=${QUERY_SECRET}`]));
  });

  it('describes a URL by scheme and host only', () => {
    expect(describeUrl(`https://hooks.slack.com/services/${TOKEN}`)).toBe('https://hooks.slack.com/[redacted]');
    expect(describeUrl('http://127.0.0.1:9093')).toBe('http://127.0.0.1:9093');
    expect(describeUrl('not a url')).toBe('[redacted]');
  });

  it('copies an error chain with redacted messages and no original stack, keeping codes', () => {
    const original = new TypeError(`fetch failed for https://h.example.com/${TOKEN}`, { cause: Object.assign(new Error(`connect ECONNREFUSED ${TOKEN}`), { code: 'ECONNREFUSED' }) });
    const copy = safeError(original, [TOKEN]);
    expect(everything(copy)).not.toContain(TOKEN);
    expect(copy.name).toBe('TypeError');
    expect((copy.cause as { code?: string }).code).toBe('ECONNREFUSED');
  });
});

describe('secrets never leave a notifier', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('keeps a webhook URL token, query secret and header value out of errors, events and dead letters', async () => {
    // The receiver echoes what it got, as some do in their error pages.
    receiver.reply((request) => ({ status: 403, body: `invalid token in ${request.path}; auth=${String(request.headers.authorization)}` }));
    const url = `${receiver.url}/services/T0AAA/${TOKEN}?key=${QUERY_SECRET}`;
    const h = notifierHarness([webhookNotifier({ url, name: 'hook', headers: { authorization: `Bearer ${HEADER_SECRET}` } })], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    const [event] = await failed;
    expect(receiver.requests[0]!.path).toContain(TOKEN); // the secret did go where it belongs
    const seen = [everything(event), everything(h.events.errors), JSON.stringify(await h.monitor.notifications.listDeadLetters())].join('\n');
    for (const secret of [TOKEN, QUERY_SECRET, HEADER_SECRET]) expect(seen).not.toContain(secret);
    expect(event!.error.message).toBe(`channel "hook": POST ${receiver.url}/[redacted] answered HTTP 403: invalid token in [redacted]; auth=[redacted]`);
  });

  it('keeps a Slack webhook token out of a network error', async () => {
    const url = `${await refusedUrl()}/services/T0AAA/B0BBB/${TOKEN}`;
    const error = await slackNotifier({ webhookUrl: url })
      .send(makeNotification(), { signal: new AbortController().signal })
      .catch((e: unknown) => e);
    expect(everything(error)).not.toContain(TOKEN);
    expect((error as Error).message).toContain('connection refused');
  });
});

describe('urlSecrets and malformed or encoded URLs', () => {
  it('takes a URL whose path is not valid percent-encoding (the factory used to throw a URIError)', () => {
    const url = 'https://hooks.example.com/%E0%A4%A/tok_abcdef123';
    expect(() => webhookNotifier({ url })).not.toThrow();
    expect(redact(`POST ${url} failed`, urlSecrets(url))).toBe('POST https://hooks.example.com/[redacted] failed');
  });

  it('lists the user and password of a URL decoded as well as encoded', () => {
    const secrets = urlSecrets('https://ops-user:p%40ss-w0rd%21@hooks.example.com/x');
    expect(secrets).toEqual(expect.arrayContaining(['p%40ss-w0rd%21', 'p@ss-w0rd!', 'ops-user']));
    expect(redact('login p@ss-w0rd! refused', secrets)).toBe('login [redacted] refused');
  });
});
