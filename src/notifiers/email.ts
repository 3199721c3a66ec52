import { z } from 'zod';
import { ConfigError, NotificationError } from '../core/errors.js';
import type { Notifier } from './contract.js';
import { emailMessage, recipientsOf, type EmailMessage } from './email-format.js';
import { notifierNameSchema, notifierTimeoutSchema, parseNotifierOptions } from './notifier-options.js';
import { decoded, redact, safeError, urlSecrets } from './redact.js';

export type { EmailMessage } from './email-format.js';

/** Anything that sends a mail: a nodemailer transporter, or your own (SES, an HTTP mail API, a test double). */
export interface EmailTransport {
  sendMail(mail: EmailMessage): Promise<unknown>;
}

/**
 * nodemailer's SMTP transport options (`host`, `port`, `secure`, `auth: { user, pass }`, `pool`, ...)
 * or a connection URL such as `smtps://user:pass@smtp.example.com`. Passed to
 * `nodemailer.createTransport` as given (a copy).
 */
export type SmtpOptions = string | { host?: string; port?: number; secure?: boolean; auth?: Record<string, unknown>; [option: string]: unknown };

/** Options of {@link emailNotifier}. Exactly one of `transport` and `smtp` is required. */
export const emailNotifierOptionsSchema = z
  .object({
    /** Sends the mail yourself; pulsewatch does not close it. */
    transport: z.custom<EmailTransport>((v) => typeof v === 'object' && v !== null && typeof (v as EmailTransport).sendMail === 'function', 'must have a sendMail(mail) method').optional(),
    /** SMTP through nodemailer (an optional peer dependency, loaded only then). Passwords are treated as secrets. */
    smtp: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
    /** Sender, e.g. `'Alerts <alerts@example.com>'`. */
    from: z.string().min(1),
    /** Addressees of every alert; each alert's `recipients` are added. */
    to: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .transform((to) => (typeof to === 'string' ? [to] : [...to])),
    /** Channel name rules refer to. */
    name: notifierNameSchema.default('email'),
    /** Start of every subject line. */
    subjectPrefix: z.string().default('[pulsewatch]'),
    /** Time budget of one attempt; default: the monitor's `notifications.timeout`. */
    timeout: notifierTimeoutSchema,
  })
  .superRefine((o, ctx) => {
    if ((o.transport === undefined) === (o.smtp === undefined)) {
      ctx.addIssue({ code: 'custom', path: [o.transport === undefined ? 'smtp' : 'transport'], message: 'pass exactly one of transport and smtp' });
    }
  });

/** Options accepted by {@link emailNotifier}. */
export type EmailNotifierOptions = Omit<z.input<typeof emailNotifierOptionsSchema>, 'smtp'> & { smtp?: SmtpOptions };

/** An email channel; `ready()` loads nodemailer up front so a missing install fails at startup. */
export interface EmailNotifier extends Notifier {
  /**
   * With `smtp`: loads nodemailer and creates the transport now, rejecting with a
   * {@link ConfigError} if nodemailer is not installed. Resolves at once with `transport`.
   */
  ready(): Promise<void>;
}

/**
 * A channel that mails each notification (text and HTML bodies) to `to` plus the alert's
 * `recipients`, through your `transport` or over SMTP with nodemailer, which is imported
 * only when `smtp` is given. Node only: exported from `pulsewatch/node`. SMTP 5xx answers,
 * bad credentials and malformed envelopes are not retried; connection errors and 4xx answers are.
 */
export function emailNotifier(options: EmailNotifierOptions): EmailNotifier {
  const o = parseNotifierOptions('emailNotifier', emailNotifierOptionsSchema, options);
  const secrets = o.smtp === undefined ? [] : smtpSecrets(o.smtp);
  let transport: Promise<EmailTransport & { close?: () => void }> | undefined = o.transport === undefined ? undefined : Promise.resolve(o.transport);
  const load = (): Promise<EmailTransport & { close?: () => void }> => (transport ??= createSmtpTransport(o.smtp!));
  return {
    name: o.name,
    delivery: 'events',
    timeout: o.timeout,
    async ready() {
      await load();
    },
    async send(notification, { signal }) {
      let mailer: EmailTransport;
      try {
        mailer = await load();
      } catch (error) {
        // Retrying cannot install a package.
        throw new NotificationError(o.name, (error as Error).message, { retryable: false, cause: error });
      }
      signal.throwIfAborted();
      const mail = emailMessage(notification, { from: o.from, to: recipientsOf(o.to, notification), subjectPrefix: o.subjectPrefix });
      try {
        await mailer.sendMail(mail);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw smtpError(o.name, error, secrets);
      }
    },
    async close() {
      // Only a transport we created is ours to close (nodemailer's close() is synchronous).
      if (o.smtp === undefined || transport === undefined) return;
      const created = await transport.catch(() => undefined);
      created?.close?.();
    },
  };
}

async function createSmtpTransport(smtp: SmtpOptions): Promise<EmailTransport & { close?: () => void }> {
  let nodemailer: { createTransport(options: unknown): EmailTransport & { close?: () => void } };
  try {
    const mod = (await import('nodemailer')) as unknown as { default?: typeof nodemailer } & typeof nodemailer;
    nodemailer = mod.default ?? mod;
  } catch (cause) {
    throw new ConfigError('emailNotifier: the smtp option needs the optional peer dependency "nodemailer"; install it (npm install nodemailer) or pass a transport', {
      cause: safeError(cause),
    });
  }
  // A copy: nodemailer keeps and may normalise the object it is given.
  const options = typeof smtp === 'string' ? smtp : { ...smtp, ...(smtp.auth !== undefined ? { auth: { ...smtp.auth } } : {}) };
  return nodemailer.createTransport(options);
}

/** An SMTP failure as a NotificationError: permanent (5xx, EAUTH, EENVELOPE) ones are not retried. */
function smtpError(channel: string, error: unknown, secrets: readonly string[]): NotificationError {
  const e = error as { code?: unknown; responseCode?: unknown; message?: unknown };
  const code = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const kind = typeof e.code === 'string' ? e.code : undefined;
  // The SMTP reply decides when there is one (5xx permanent, 4xx temporary); otherwise the kind
  // does: bad credentials or a malformed envelope or message will not get better by retrying.
  const permanent = code !== undefined ? code >= 500 : kind === 'EAUTH' || kind === 'EENVELOPE' || kind === 'EMESSAGE';
  const detail = redact(typeof e.message === 'string' ? e.message : String(error), secrets);
  return new NotificationError(channel, `sending mail failed${kind ? ` (${kind})` : ''}: ${detail}`, { retryable: !permanent, cause: safeError(error, secrets) });
}

/**
 * Every form in which the SMTP credentials could come back in an error: every string under
 * `auth` and every value of a key naming a secret, anywhere in the options; for a URL, its
 * parts both as written and percent-decoded (nodemailer decodes `p%40ss` to `p@ss` before it
 * logs in, and a server may quote what it got). Each password also in base64 alone and as
 * AUTH PLAIN's `\0user\0pass`, which is what went over the wire.
 */
function smtpSecrets(smtp: SmtpOptions): string[] {
  const out: string[] = [];
  let user: string | undefined;
  const passwords: string[] = [];
  if (typeof smtp === 'string') {
    out.push(...urlSecrets(smtp));
    const parsed = parseUrl(smtp);
    if (parsed !== undefined) {
      user = decoded(parsed.username);
      if (parsed.password !== '') passwords.push(decoded(parsed.password));
      for (const [key, value] of parsed.searchParams) if (/pass|secret|token|private|credential/i.test(key)) passwords.push(value);
      out.push(user, ...passwords);
    }
  } else {
    const walk = (value: unknown, secret: boolean, key: string): void => {
      if (typeof value === 'string') {
        if (secret) out.push(value);
        if (secret && /pass|secret|token|private|credential/i.test(key)) passwords.push(value);
      } else if (typeof value === 'object' && value !== null) {
        for (const [k, v] of Object.entries(value)) walk(v, secret || k === 'auth' || /pass|secret|token|private|credential/i.test(k), k);
      }
    };
    walk(smtp, false, '');
    const auth = smtp.auth as { user?: unknown } | undefined;
    if (typeof auth?.user === 'string') user = auth.user;
  }
  for (const pass of passwords) out.push(base64(pass), base64(`\u0000${user ?? ''}\u0000${pass}`), base64(`${user ?? ''}\u0000${user ?? ''}\u0000${pass}`));
  return out;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/** UTF-8 base64, as SMTP AUTH encodes credentials (edge-safe: no Buffer). */
function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}
