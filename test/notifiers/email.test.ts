import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isConfigError, isNotificationError, type NotificationError } from '../../src/core/errors.js';
import { emailNotifier, type EmailMessage, type EmailNotifierOptions } from '../../src/notifiers/email.js';
import { makeNotification, notifierHarness, resolvedNotification } from '../helpers/notifier-fixtures.js';
import { refusedUrl } from '../helpers/notifier-http-receiver.js';
import { header, part, startSmtpServer, type SmtpFixture } from '../helpers/notifier-smtp.js';

const signal = new AbortController().signal;
const PASSWORD = 'smtp-pa55word';

/** A transport that keeps what it is given. */
function memoryTransport(): { sendMail(mail: EmailMessage): Promise<unknown>; mails: EmailMessage[] } {
  const mails: EmailMessage[] = [];
  return { mails, sendMail: async (mail) => mails.push(mail) };
}

describe('emailNotifier options', () => {
  it('requires exactly one of transport and smtp, naming the option', () => {
    expect(() => emailNotifier({ from: 'a@example.com', to: 'b@example.com' })).toThrow('invalid emailNotifier options: smtp: pass exactly one of transport and smtp');
    expect(() => emailNotifier({ from: 'a@example.com', to: 'b@example.com', transport: memoryTransport(), smtp: { host: 'localhost' } })).toThrow(
      'invalid emailNotifier options: transport: pass exactly one of transport and smtp',
    );
  });

  it('requires from and at least one addressee, and a transport with sendMail', () => {
    expect(() => emailNotifier({ to: 'b@example.com', transport: memoryTransport() } as unknown as EmailNotifierOptions)).toThrow(/^invalid emailNotifier options: from: /);
    expect(() => emailNotifier({ from: 'a@example.com', to: [], transport: memoryTransport() })).toThrow(/^invalid emailNotifier options: to: /);
    expect(() => emailNotifier({ from: 'a@example.com', to: 'b@example.com', transport: {} as never })).toThrow('invalid emailNotifier options: transport: must have a sendMail(mail) method');
  });

  it('never writes to the options it was given', () => {
    const options = { from: 'a@example.com', to: ['b@example.com'], smtp: { host: '127.0.0.1', auth: { user: 'u', pass: PASSWORD } } };
    const copy = structuredClone(options);
    emailNotifier(options);
    expect(options).toEqual(copy);
  });
});

describe('emailNotifier messages', () => {
  it('mails `to` plus the alert recipients (once each), with a subject, text and HTML', async () => {
    const transport = memoryTransport();
    const notifier = emailNotifier({ transport, from: 'Alerts <alerts@example.com>', to: ['oncall@example.com'], subjectPrefix: '[prod]' });
    await notifier.send(makeNotification({ generatorURL: 'https://app.example.com/alerts/rule-1', alert: { recipients: ['OnCall@example.com', 'lead@example.com'], message: 'p95 = 1.25 <over> 1' } }), { signal });
    const [mail] = transport.mails;
    expect(mail!.from).toBe('Alerts <alerts@example.com>');
    expect(mail!.to).toEqual(['oncall@example.com', 'lead@example.com']);
    expect(mail!.subject).toBe('[prod] [FIRING] HighLatency (critical): p95 = 1.25 <over> 1');
    expect(mail!.text).toContain('Severity:   critical');
    expect(mail!.text).toContain('Threshold:  1');
    expect(mail!.text).toContain('  route="/checkout"');
    expect(mail!.html).toContain('p95 = 1.25 &lt;over&gt; 1');
    expect(mail!.html).toContain('<a href="https://app.example.com/alerts/rule-1">');
    expect(mail!.headers).toMatchObject({ 'X-Pulsewatch-Notification-Id': 'alert-1:1', References: '<alert-1@pulsewatch>' });
  });

  it('writes a distinct resolved mail with the end and duration', async () => {
    const transport = memoryTransport();
    await emailNotifier({ transport, from: 'a@example.com', to: 'b@example.com' }).send(resolvedNotification(3_600_000), { signal });
    const [mail] = transport.mails;
    expect(mail!.subject).toBe('[pulsewatch] [RESOLVED] HighLatency (critical)');
    expect(mail!.text).toContain('Resolved:   2026-01-01T01:00:00.000Z');
    expect(mail!.text).toContain('Duration:   1h');
  });

  it('does not close a transport it was given', async () => {
    const transport = Object.assign(memoryTransport(), { close: vi.fn() });
    await emailNotifier({ transport, from: 'a@example.com', to: 'b@example.com' }).close!();
    expect(transport.close).not.toHaveBeenCalled();
  });
});

describe('emailNotifier over SMTP (nodemailer against a real SMTP server)', () => {
  let smtp: SmtpFixture;
  beforeEach(async () => {
    smtp = await startSmtpServer({ user: 'alerts', pass: PASSWORD });
  });
  afterEach(async () => {
    await smtp.close();
  });

  const smtpOptions = (pass = PASSWORD) => ({ host: '127.0.0.1', port: smtp.port, secure: false, ignoreTLS: true, auth: { user: 'alerts', pass } });

  it('delivers through the dispatcher: envelope, subject, text and HTML parts', async () => {
    const notifier = emailNotifier({ smtp: smtpOptions(), from: 'alerts@example.com', to: 'oncall@example.com', name: 'mail' });
    const h = notifierHarness([notifier]);
    const sent = h.nextSent();
    h.monitor.notifications.dispatch(makeNotification({ alert: { recipients: ['lead@example.com'] } }), []);
    expect((await sent)[0]).toMatchObject({ channel: 'mail', attempts: 1 });
    const [mail] = smtp.mails;
    expect(mail).toMatchObject({ from: 'alerts@example.com', to: ['oncall@example.com', 'lead@example.com'], user: 'alerts' });
    expect(header(mail!.raw, 'Subject')).toBe('[pulsewatch] [FIRING] HighLatency (critical): p95 of http_request_duration_seconds = 1.25 (> 1 over 5m)');
    expect(header(mail!.raw, 'X-Pulsewatch-Notification-Id')).toBe('alert-1:1');
    expect(part(mail!.raw, 'text/plain')).toContain('Value:      1.25');
    expect(part(mail!.raw, 'text/html')).toContain('<h2 style="color:#d00000">[FIRING] HighLatency</h2>');
    await h.monitor.close();
  });

  it('does not retry a wrong password, and never shows it', async () => {
    const error = (await emailNotifier({ smtp: smtpOptions('wrong-pa55word'), from: 'a@example.com', to: 'b@example.com' })
      .send(makeNotification(), { signal })
      .catch((e: unknown) => e)) as NotificationError;
    expect(isNotificationError(error)).toBe(true);
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('(EAUTH)');
    expect(JSON.stringify([error.message, (error.cause as Error).message])).not.toContain('wrong-pa55word');
  });

  it('does not retry a permanent (5xx) recipient refusal, but retries a temporary (4xx) one', async () => {
    const notifier = emailNotifier({ smtp: smtpOptions(), from: 'a@example.com', to: 'b@example.com' });
    smtp.rejectRecipients(550);
    expect(await notifier.send(makeNotification(), { signal }).catch((e: NotificationError) => e.retryable)).toBe(false);
    smtp.rejectRecipients(450);
    expect(await notifier.send(makeNotification(), { signal }).catch((e: NotificationError) => e.retryable)).toBe(true);
  });

  it('retries a refused connection', async () => {
    const port = Number(new URL(await refusedUrl()).port);
    const error = (await emailNotifier({ smtp: { host: '127.0.0.1', port, ignoreTLS: true }, from: 'a@example.com', to: 'b@example.com' })
      .send(makeNotification(), { signal })
      .catch((e: unknown) => e)) as NotificationError;
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/ECONNREFUSED|ECONNECTION|ESOCKET/);
  });

  it('keeps the password of an SMTP URL out of errors', async () => {
    const port = Number(new URL(await refusedUrl()).port);
    const error = (await emailNotifier({ smtp: `smtp://alerts:${PASSWORD}@127.0.0.1:${port}`, from: 'a@example.com', to: 'b@example.com' })
      .send(makeNotification(), { signal })
      .catch((e: unknown) => e)) as NotificationError;
    expect(JSON.stringify([error.message, (error.cause as Error).message, (error.cause as Error).stack])).not.toContain(PASSWORD);
  });
});

describe('emailNotifier without nodemailer installed', () => {
  afterEach(() => {
    vi.doUnmock('nodemailer');
    vi.resetModules();
  });

  it('fails sends (not retried) and ready() with a ConfigError that says what to install', async () => {
    vi.resetModules();
    vi.doMock('nodemailer', () => {
      throw Object.assign(new Error("Cannot find package 'nodemailer'"), { code: 'ERR_MODULE_NOT_FOUND' });
    });
    const { emailNotifier: fresh } = await import('../../src/notifiers/email.js');
    const notifier = fresh({ smtp: { host: '127.0.0.1' }, from: 'a@example.com', to: 'b@example.com' });
    const ready = await notifier.ready().catch((e: unknown) => e);
    expect(isConfigError(ready)).toBe(true);
    expect((ready as Error).message).toBe(
      'emailNotifier: the smtp option needs the optional peer dependency "nodemailer"; install it (npm install nodemailer) or pass a transport',
    );
    const error = (await notifier.send(makeNotification(), { signal }).catch((e: unknown) => e)) as NotificationError;
    expect(error).toMatchObject({ retryable: false, code: 'ERR_PULSEWATCH_NOTIFICATION' });
    expect(isConfigError(error.cause)).toBe(true);
  });

  it('never loads nodemailer when a transport is given', async () => {
    vi.resetModules();
    const loaded = vi.fn();
    vi.doMock('nodemailer', () => {
      loaded();
      return {};
    });
    const { emailNotifier: fresh } = await import('../../src/notifiers/email.js');
    const transport = memoryTransport();
    const notifier = fresh({ transport, from: 'a@example.com', to: 'b@example.com' });
    await notifier.ready();
    await notifier.send(makeNotification(), { signal });
    expect(transport.mails).toHaveLength(1);
    expect(loaded).not.toHaveBeenCalled();
  });
});
