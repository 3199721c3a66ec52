import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError, NotificationError } from '../../src/core/errors.js';
import { SIGNATURE_HEADER, SIGNATURE_TIMESTAMP_HEADER, signWebhookBody, verifyWebhookSignature } from '../../src/notifiers/signature.js';
import { webhookNotifier, type WebhookNotifierOptions } from '../../src/notifiers/webhook.js';
import { capturingNotifier } from '../../src/testing/capturing-notifier.js';
import { makeNotification, notifierHarness, resolvedNotification, T0, until } from '../helpers/notifier-fixtures.js';
import { refusedUrl, startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

const signal = new AbortController().signal;
const SECRET = 'whsec_0123456789abcdef';
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver();
});
afterEach(async () => {
  await receiver.close();
});

/** The error `send` rejects with. */
async function sendError(options: WebhookNotifierOptions): Promise<NotificationError> {
  return (await webhookNotifier(options).send(makeNotification(), { signal }).then(
    () => expect.fail('send resolved'),
    (e: unknown) => e,
  )) as NotificationError;
}

describe('webhookNotifier options', () => {
  it('rejects a missing or non-http url with a ConfigError naming the option, not the value', () => {
    expect(() => webhookNotifier({} as WebhookNotifierOptions)).toThrow(/^invalid webhookNotifier options: url: /);
    let error: unknown;
    try {
      webhookNotifier({ url: 'ftp://files.example.com/token-abcdef' });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error)).toBe(true);
    expect((error as Error).message).toBe('invalid webhookNotifier options: url: must be an absolute http:// or https:// URL');
  });

  it('rejects a short signing secret and a bad timeout', () => {
    expect(() => webhookNotifier({ url: receiver.url, secret: 'short' })).toThrow('invalid webhookNotifier options: secret: must be at least 16 characters');
    expect(() => webhookNotifier({ url: receiver.url, timeout: 0 })).toThrow('invalid webhookNotifier options: timeout: must be greater than 0');
  });

  it('never writes to the options it was given', () => {
    const options = { url: receiver.url, headers: { authorization: 'Bearer abcdef' }, timeout: '5s' as const };
    const copy = structuredClone(options);
    const notifier = webhookNotifier(options);
    expect(options).toEqual(copy);
    expect(notifier).toMatchObject({ name: 'webhook', delivery: 'events', timeout: 5_000 });
  });
});

describe('webhookNotifier payload', () => {
  it("POSTs Alertmanager's webhook payload (version 4) plus the pulsewatch record", async () => {
    const notifier = webhookNotifier({ url: `${receiver.url}/hook`, name: 'ops.webhook', externalURL: 'https://status.example.com' });
    const n = makeNotification({ validUntil: T0 + 240_000, generatorURL: 'https://app.example.com/alerts/rule-1' });
    await notifier.send(n, { signal });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hook', headers: { 'content-type': 'application/json', 'user-agent': 'pulsewatch' } });
    const labels = { alertname: 'HighLatency', route: '/checkout', service: 'api', severity: 'critical' };
    expect(JSON.parse(request!.body)).toEqual({
      version: '4',
      groupKey: '{}:{alertname="HighLatency", route="/checkout", service="api", severity="critical"}',
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'ops\\.webhook',
      groupLabels: labels,
      commonLabels: labels,
      commonAnnotations: n.alert.annotations,
      externalURL: 'https://status.example.com',
      notification_reason: 'first notification',
      alerts: [
        {
          status: 'firing',
          labels,
          annotations: n.alert.annotations,
          startsAt: '2026-01-01T00:00:00.000Z',
          endsAt: '2026-01-01T00:04:00.000Z',
          generatorURL: 'https://app.example.com/alerts/rule-1',
          fingerprint: n.alert.fingerprint,
        },
      ],
      pulsewatch: { notificationId: 'alert-1:1', reason: 'first notification', service: 'api', createdAt: '2026-01-01T00:00:00.000Z', alert: n.alert },
    });
  });

  it('sends a resolved alert with its endsAt and "all alerts resolved", and Go\'s zero time for an unknown end', async () => {
    const notifier = webhookNotifier({ url: receiver.url });
    await notifier.send(resolvedNotification(600_000), { signal });
    await notifier.send(makeNotification({ reason: 'state refresh' }), { signal });
    const [resolved, refresh] = receiver.requests.map((r) => JSON.parse(r.body));
    expect(resolved).toMatchObject({ status: 'resolved', notification_reason: 'all alerts resolved', alerts: [{ status: 'resolved', endsAt: '2026-01-01T00:10:00.000Z' }] });
    expect(resolved.pulsewatch.reason).toBe('alert resolved');
    expect(refresh).toMatchObject({ notification_reason: 'repeat interval elapsed', alerts: [{ endsAt: '0001-01-01T00:00:00Z', generatorURL: '' }] });
  });

  it('adds the configured headers', async () => {
    await webhookNotifier({ url: receiver.url, headers: { authorization: 'Bearer t0ken-value', 'x-team': 'payments' } }).send(makeNotification(), { signal });
    expect(receiver.requests[0]!.headers).toMatchObject({ authorization: 'Bearer t0ken-value', 'x-team': 'payments' });
  });
});

describe('webhook signatures', () => {
  const now = T0 + 42_000;

  it('signs `${timestamp}.${body}` with HMAC-SHA256 over the exact body bytes', async () => {
    await webhookNotifier({ url: receiver.url, secret: SECRET, now: () => now }).send(makeNotification(), { signal });
    const { headers, body } = receiver.requests[0]!;
    const timestamp = headers[SIGNATURE_TIMESTAMP_HEADER] as string;
    expect(timestamp).toBe(String(Math.floor(now / 1000)));
    // Computed independently with node:crypto, as a receiver in another language would.
    const expected = createHmac('sha256', SECRET).update(`${timestamp}.${body}`).digest('hex');
    expect(headers[SIGNATURE_HEADER]).toBe(`v1=${expected}`);
    await expect(verifyWebhookSignature({ secret: SECRET, body, timestamp, signature: headers[SIGNATURE_HEADER] as string, now })).resolves.toBe(true);
  });

  it('verification rejects a changed body, a wrong secret, a replay past the tolerance and missing headers', async () => {
    const body = JSON.stringify({ status: 'firing' });
    const timestamp = String(Math.floor(now / 1000));
    const signature = await signWebhookBody(SECRET, Number(timestamp), body);
    const base = { secret: SECRET, body, timestamp, signature, now };
    await expect(verifyWebhookSignature(base)).resolves.toBe(true);
    await expect(verifyWebhookSignature({ ...base, body: body.replace('firing', 'resolved') })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...base, secret: 'another-secret-0123456' })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...base, now: now + 301_000 })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...base, now: now + 299_000 })).resolves.toBe(true);
    await expect(verifyWebhookSignature({ ...base, timestamp: String(Number(timestamp) + 1) })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...base, signature: undefined })).resolves.toBe(false);
    await expect(verifyWebhookSignature({ ...base, signature: 'v1=zz' })).resolves.toBe(false);
    // Several v1 values (secret rotation): any match passes.
    await expect(verifyWebhookSignature({ ...base, signature: `v1=${'0'.repeat(64)}, ${signature}` })).resolves.toBe(true);
    await expect(verifyWebhookSignature({ ...base, body: new TextEncoder().encode(body) })).resolves.toBe(true);
  });

  it('signs each attempt anew, so a retry carries a fresh timestamp', async () => {
    let clock = now;
    const notifier = webhookNotifier({ url: receiver.url, secret: SECRET, now: () => clock });
    await notifier.send(makeNotification(), { signal });
    clock += 60_000;
    await notifier.send(makeNotification(), { signal });
    const [a, b] = receiver.requests.map((r) => Number(r.headers[SIGNATURE_TIMESTAMP_HEADER]));
    expect(b! - a!).toBe(60);
  });
});

describe('webhook failures', () => {
  it('a 5xx is retryable and carries the status and the start of the answer', async () => {
    receiver.reply({ status: 503, body: 'upstream unavailable' });
    const error = await sendError({ url: `${receiver.url}/hook` });
    expect(error).toMatchObject({ status: 503, retryable: true, message: `channel "webhook": POST ${receiver.url}/[redacted] answered HTTP 503: upstream unavailable` });
  });

  it.each([
    [400, false],
    [401, false],
    [404, false],
    [408, true],
    [429, true],
    [500, true],
  ])('HTTP %i is retryable: %s', async (status, retryable) => {
    receiver.reply({ status });
    expect(await sendError({ url: receiver.url })).toMatchObject({ status, retryable });
  });

  it('a refused connection is a retryable failure that names the cause', async () => {
    const error = await sendError({ url: await refusedUrl() });
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/failed: connection refused \(ECONNREFUSED\)$/);
  });

  it('a dropped connection is a retryable failure', async () => {
    receiver.reply('reset');
    expect((await sendError({ url: receiver.url })).retryable).toBe(true);
  });
});

describe('webhook through the dispatcher', () => {
  it('retries 500s with backoff, then dead-letters the notification', async () => {
    receiver.reply({ status: 500, body: 'boom' });
    const h = notifierHarness([webhookNotifier({ url: receiver.url, name: 'hook' })]);
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await until(() => h.phase('hook') === 'backoff');
    await h.clock.advanceAsync(1_000);
    await until(() => receiver.requests.length === 2 && h.phase('hook') === 'backoff');
    await h.clock.advanceAsync(2_000);
    const [event] = await failed;
    expect(receiver.requests).toHaveLength(3);
    expect(event).toMatchObject({ channel: 'hook', attempts: 3, deadLettered: true, error: { status: 500 } });
    expect((await h.monitor.notifications.listDeadLetters())[0]!.error).toBe(`channel "hook": POST ${receiver.url} answered HTTP 500: boom`);
  });

  it('does not retry a 400', async () => {
    receiver.reply({ status: 400, body: 'bad payload' });
    const h = notifierHarness([webhookNotifier({ url: receiver.url, name: 'hook' })]);
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    expect((await failed)[0]).toMatchObject({ attempts: 1, error: { status: 400, retryable: false } });
    expect(receiver.requests).toHaveLength(1);
  });

  it('aborts a request the receiver never answers when the timeout passes', async () => {
    receiver.reply('hang');
    const h = notifierHarness([webhookNotifier({ url: receiver.url, name: 'hook', timeout: '3s' })], { retries: 0 });
    const failed = h.nextFailed();
    h.monitor.notifications.dispatch(makeNotification(), []);
    await receiver.waitForRequests(1);
    h.clock.advance(3_000); // the request hangs until the timeout aborts it
    expect((await failed)[0]!.error.message).toBe('channel "hook": send timed out after 3000 ms');
  });

  it('delivers to another channel while the webhook hangs', async () => {
    receiver.reply('hang');
    const other = capturingNotifier({ name: 'other' });
    const h = notifierHarness([webhookNotifier({ url: receiver.url, name: 'hook' }), other], { timeout: 60_000 });
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await Promise.all([other.waitFor(3), receiver.waitForRequests(1)]);
    expect(other.sent.map((n) => n.id)).toEqual(['n:1', 'n:2', 'n:3']);
    expect(h.monitor.notifications.status().find((s) => s.name === 'hook')).toMatchObject({ phase: 'sending', queued: 2 });
    await h.monitor.notifications.close(0);
    expect(h.events.failed.filter((e) => e.channel === 'hook')).toHaveLength(3);
  });

  it('opens the breaker after repeated refused connections and stops calling', async () => {
    const url = await refusedUrl();
    const h = notifierHarness([webhookNotifier({ url, name: 'hook' })], { retries: 0, breaker: { failureThreshold: 2, resetTimeout: 30_000 } });
    const failed = h.nextFailed(2);
    for (let i = 1; i <= 3; i++) h.monitor.notifications.dispatch(makeNotification({ id: `n:${i}` }), []);
    await failed;
    await until(() => h.phase('hook') === 'breakerOpen');
    expect(h.events.breakers.map((e) => e.to)).toEqual(['open']);
    await h.monitor.notifications.close(0);
    expect(h.events.failed.map((e) => e.notification.id)).toEqual(['n:1', 'n:2', 'n:3']);
  });
});
