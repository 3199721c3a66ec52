import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail the server accepted. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message (headers and MIME body). */
  raw: string;
  /** The authenticated user, if any. */
  user: string | undefined;
}

/** A real SMTP server (the `smtp-server` package) on a free loopback port, plain text, auth optional. */
export interface SmtpFixture {
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Makes the next RCPT TO answer with `code` (e.g. 550 permanent, 450 temporary). */
  rejectRecipients(code: number | undefined): void;
  close(): Promise<void>;
}

/** Starts an {@link SmtpFixture}; `credentials` are the only ones it accepts. */
export async function startSmtpServer(credentials = { user: 'alerts', pass: 'smtp-pa55word' }): Promise<SmtpFixture> {
  const mails: ReceivedMail[] = [];
  let rejectCode: number | undefined;
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === credentials.user && auth.password === credentials.pass) callback(null, { user: auth.username });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (rejectCode === undefined) return callback();
      callback(Object.assign(new Error(rejectCode >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: rejectCode }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const envelope = session.envelope;
        mails.push({
          from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
          to: envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
          user: typeof session.user === 'string' ? session.user : undefined,
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    port,
    mails,
    rejectRecipients(code) {
      rejectCode = code;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A header's value in a raw message (unfolded). */
export function header(raw: string, name: string): string | undefined {
  const head = raw.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}

/** The decoded body of the MIME part with `contentType` (handles quoted-printable and base64). */
export function part(raw: string, contentType: string): string | undefined {
  const sections = raw.split(/\r?\n--[^\r\n]+/);
  for (const section of sections) {
    const [head, ...rest] = section.split(/\r?\n\r?\n/);
    if (head === undefined || !new RegExp(`content-type:\\s*${contentType.replace('/', '\\/')}`, 'i').test(head)) continue;
    const body = rest.join('\n\n');
    if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) {
      return Buffer.from(
        body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
        'latin1',
      ).toString('utf8');
    }
    if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    return body;
  }
  return undefined;
}
