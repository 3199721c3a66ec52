/**
 * An SMTP password given in URL form (`smtp://user:p%40ss@host`) never shows, raw or decoded,
 * in errors, events or dead letters (issue 14 item 9), as the object form's already did. The
 * server here is a real SMTP server (smtp-server) that refuses the login and, like a hostile or
 * chatty receiver, quotes the credentials it got in its answer.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { emailNotifier, type SmtpOptions } from '../../src/notifiers/email.js';
import { makeNotification, notifierHarness } from '../helpers/notifier-fixtures.js';

const USER = 'alerts-sender';
/** `p@ss-w0rd!x/y`, percent-encoded as a URL needs it. */
const ENCODED = 'p%40ss-w0rd%21x%2Fy';
const DECODED = 'p@ss-w0rd!x/y';

let server: SMTPServer;
let port: number;
/** What the server quoted back, so the test knows the secret really was in the answer. */
const quoted: string[] = [];

beforeEach(async () => {
  quoted.length = 0;
  server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      const reply = `no such login: ${auth.username} / ${auth.password} / ${Buffer.from(`\u0000${auth.username}\u0000${auth.password}`).toString('base64')}`;
      quoted.push(reply);
      callback(Object.assign(new Error(reply), { responseCode: 535 }));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.server.address() as AddressInfo).port;
});
afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Sends one notification through a monitor and returns everything it said about the failure. */
async function failureText(smtp: SmtpOptions): Promise<string> {
  const h = notifierHarness([emailNotifier({ name: 'mail', smtp, from: 'a@example.com', to: 'b@example.com' })], { retries: 0 });
  const failed = h.nextFailed();
  h.monitor.notifications.dispatch(makeNotification(), []);
  const [event] = await failed;
  const letters = await h.monitor.notifications.listDeadLetters();
  await h.monitor.close();
  expect(event!.error.message).toContain('(EAUTH)');
  expect(letters).toHaveLength(1);
  const cause = event!.error.cause as Error;
  return JSON.stringify({ message: event!.error.message, cause: cause.message, stack: cause.stack, letters, errors: h.events.errors.map((e) => [e.message, String(e.cause)]) });
}

describe('SMTP credentials in URL form', () => {
  it('never shows the password, encoded or decoded or base64, when the server quotes it back', async () => {
    const text = await failureText(`smtp://${USER}:${ENCODED}@127.0.0.1:${port}`);
    // The server did see (and quote) the decoded password.
    expect(quoted.join(' ')).toContain(DECODED);
    for (const secret of [DECODED, ENCODED, Buffer.from(DECODED).toString('base64'), Buffer.from(`\u0000${USER}\u0000${DECODED}`).toString('base64')]) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('[redacted]');
  });

  it('redacts the object form the same way, its AUTH PLAIN base64 included', async () => {
    const text = await failureText({ host: '127.0.0.1', port, ignoreTLS: true, auth: { user: USER, pass: DECODED } });
    expect(quoted.join(' ')).toContain(DECODED);
    expect(text).not.toContain(DECODED);
    expect(text).not.toContain(Buffer.from(`\u0000${USER}\u0000${DECODED}`).toString('base64'));
  });
});
