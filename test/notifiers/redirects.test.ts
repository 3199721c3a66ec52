/**
 * Outbound HTTP notifiers never follow a redirect (issue 14 item 7): a receiver answering 307
 * to another origin must not get the body, the configured headers or the signature replayed
 * there, and the delivery counts as failed. Two real local servers on two ports.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isNotificationError, type NotificationError } from '../../src/core/errors.js';
import type { Notifier } from '../../src/notifiers/contract.js';
import { alertmanagerNotifier } from '../../src/notifiers/alertmanager.js';
import { slackNotifier } from '../../src/notifiers/slack.js';
import { webhookNotifier } from '../../src/notifiers/webhook.js';
import { makeNotification, notifierHarness } from '../helpers/notifier-fixtures.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

const signal = new AbortController().signal;
const API_KEY = 'key-0f1e2d3c4b5a6978';
const SECRET = 'whsec_0123456789abcdef';

/** A server answering every request with `status` and `Location: location`, counting requests. */
interface Redirector {
  readonly url: string;
  readonly hits: number;
  close(): Promise<void>;
}

async function startRedirector(location: string, status = 307): Promise<Redirector> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(status, { location, 'content-type': 'text/plain' }).end(`moved to ${location}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get hits() {
      return hits;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

let elsewhere: Receiver;
let redirector: Redirector;
/** Where the redirect points: another port (another origin), with a token-like path. */
let location: string;

beforeEach(async () => {
  elsewhere = await startReceiver();
  location = `${elsewhere.url}/collect/tok_9a8b7c6d5e4f`;
  redirector = await startRedirector(location);
});
afterEach(async () => {
  await Promise.all([elsewhere.close(), redirector.close()]);
});

async function sendError(notifier: Notifier): Promise<NotificationError> {
  const error = await notifier.send(makeNotification(), { signal }).then(
    () => expect.fail('send resolved on a redirect'),
    (e: unknown) => e,
  );
  expect(isNotificationError(error)).toBe(true);
  return error as NotificationError;
}

/** The error says what happened and names neither the redirect target nor any secret. */
function expectCleanRedirectError(error: NotificationError, status: number, secrets: string[]): void {
  expect(error.message).toContain(`answered ${status} redirect; redirects are not followed`);
  expect(error).toMatchObject({ status, retryable: false });
  const shown = `${error.message} ${String(error.cause ?? '')}`;
  for (const s of [location, elsewhere.url, 'tok_9a8b7c6d5e4f', ...secrets]) expect(shown).not.toContain(s);
}

describe('outbound notifiers and redirects', () => {
  it.each([301, 302, 303, 307, 308])('webhook: a %i is a failed delivery and the other origin gets nothing (no body, key or signature)', async (status) => {
    await redirector.close();
    redirector = await startRedirector(location, status);
    const notifier = webhookNotifier({ url: `${redirector.url}/hook/abc123def`, headers: { 'x-api-key': API_KEY }, secret: SECRET });
    const error = await sendError(notifier);
    expectCleanRedirectError(error, status, [API_KEY, SECRET, 'abc123def']);
    expect(redirector.hits).toBe(1);
    expect(elsewhere.requests).toEqual([]);
  });

  it('slack: a 307 is a failed delivery and the webhook URL is not forwarded', async () => {
    const error = await sendError(slackNotifier({ webhookUrl: `${redirector.url}/services/T000/B000/XXXXSECRET` }));
    expectCleanRedirectError(error, 307, ['XXXXSECRET']);
    expect(elsewhere.requests).toEqual([]);
  });

  it('alertmanager: a 307 is a failed delivery and its auth header goes nowhere else', async () => {
    const error = await sendError(alertmanagerNotifier({ url: redirector.url, headers: { authorization: 'Basic YWxlcnQ6cGFzc3dvcmQ=' } }));
    expectCleanRedirectError(error, 307, ['YWxlcnQ6cGFzc3dvcmQ=']);
    expect(elsewhere.requests).toEqual([]);
  });

  it('through the dispatcher: the redirect is not retried, is dead-lettered and never counted as sent', async () => {
    const h = notifierHarness([webhookNotifier({ url: redirector.url, name: 'hook', headers: { 'x-api-key': API_KEY }, secret: SECRET })]);
    // Settles on either outcome, so a followed redirect fails here rather than timing out.
    const outcome = Promise.race([h.nextFailed(), h.nextSent().then(() => expect.fail('the redirected delivery counted as sent'))]);
    h.monitor.notifications.dispatch(makeNotification(), []);
    const [event] = await outcome;
    expect(event).toMatchObject({ channel: 'hook', attempts: 1, deadLettered: true, error: { status: 307, retryable: false } });
    expect(h.events.sent).toEqual([]);
    const [letter] = await h.monitor.notifications.listDeadLetters();
    expect(letter!.error).toBe(`channel "hook": POST ${redirector.url} answered 307 redirect; redirects are not followed (configure the final URL)`);
    expect(JSON.stringify(letter)).not.toContain(API_KEY);
    expect(JSON.stringify(letter)).not.toContain(elsewhere.url);
    expect(elsewhere.requests).toEqual([]);
    await h.monitor.close();
  });
});
