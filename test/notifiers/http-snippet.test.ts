/**
 * The part of a receiver's error answer that goes into a notifier's error: redacted before it
 * is cut (cutting first showed the start of a secret that straddled the cut), never a piece of
 * a mask, and read to a bound (a hostile receiver's endless body was buffered whole, and the
 * notifier never failed).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NotificationError } from '../../src/core/errors.js';
import { errorSnippet, MAX_ERROR_BODY_BYTES } from '../../src/notifiers/http.js';
import { webhookNotifier } from '../../src/notifiers/webhook.js';
import { makeNotification } from '../helpers/notifier-fixtures.js';
import { startReceiver, type Receiver } from '../helpers/notifier-http-receiver.js';

const TOKEN = 'tok3nSECRETvalue';
const signal = new AbortController().signal;

/** The error a webhook notifier posting to `url` rejects with. */
async function sendError(url: string): Promise<NotificationError> {
  const error: unknown = await webhookNotifier({ url }).send(makeNotification(), { signal }).then(
    () => expect.fail('send resolved'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(NotificationError);
  return error as NotificationError;
}

let receiver: Receiver | undefined;
let server: Server | undefined;
afterEach(async () => {
  await receiver?.close();
  if (server !== undefined) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server!.close(() => resolve()));
  }
  receiver = undefined;
  server = undefined;
});

/** A server answering 500 with `write(res)`: the test decides what the body is and how long it runs. */
async function streamingServer(write: (res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => write(res));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the snippet of an error answer', () => {
  it('masks a secret that straddles the 200-character cut (its first part was shown), and never cuts a mask', async () => {
    receiver = await startReceiver();
    const body = `${'a'.repeat(190)} key ${TOKEN} end`;
    receiver.reply({ status: 500, body });
    const error = await sendError(`${receiver.url}/services/${TOKEN}`);
    expect(error.message).not.toContain('tok3n');
    expect(error.message).toBe(`channel "webhook": POST ${receiver.url}/[redacted] answered HTTP 500: ${'a'.repeat(190)} key...`);
  });

  it('masks password settings a receiver echoes (JSON, YAML, libpq)', async () => {
    receiver = await startReceiver();
    receiver.reply({ status: 401, body: '{"error":"bad credentials","password":"hunter2"} sslpassword=k3y-pass' });
    const error = await sendError(receiver.url);
    expect(error.message).toBe(`channel "webhook": POST ${receiver.url} answered HTTP 401: {"error":"bad credentials","password":"[redacted]"} sslpassword=[redacted]`);
  });

  it('redacts, then collapses white space, then cuts', () => {
    expect(errorSnippet(`x ${TOKEN}\n\n y`, [TOKEN])).toBe('x [redacted] y');
    expect(errorSnippet(`${'b'.repeat(195)} ${TOKEN}`, [TOKEN])).toBe(`${'b'.repeat(195)}...`);
    expect(errorSnippet('c'.repeat(250), [])).toBe(`${'c'.repeat(200)}...`);
  });

  it('drops the end of a body read in part: it may be the start of a secret whose rest was not read', () => {
    const start = TOKEN.slice(0, 9);
    expect(errorSnippet(`${' '.repeat(1000)}error ${start}`, [TOKEN], true)).toBe('');
    expect(errorSnippet(`error: denied ${' '.repeat(1000)} https://u:${start}`, [], true)).toBe('error: denied');
    expect(errorSnippet(`error ${start}`, [TOKEN], false)).toBe(`error ${start}`);
  });
});

describe('an error answer without end', () => {
  it('is read to a bound, and the notifier fails promptly with the start of it', async () => {
    let written = 0;
    let closed!: () => void;
    const connectionClosed = new Promise<void>((resolve) => (closed = resolve));
    const url = await streamingServer((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.on('close', closed);
      const chunk = Buffer.from(`${'endless '.repeat(8191)}\n`);
      // As fast as the client reads, forever: before the fix `response.text()` buffered it all and never resolved.
      const pump = (): void => {
        while (!res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) break;
        }
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    });
    const error = await sendError(url);
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(error.message).toBe(`channel "webhook": POST ${url} answered HTTP 500: ${'endless '.repeat(25).trim()}...`);
    // The client stopped reading: the connection closes, and the server wrote a bounded amount
    // (socket buffers, far from the gigabytes an endless body reaches).
    await connectionClosed;
    expect(written).toBeGreaterThan(MAX_ERROR_BODY_BYTES);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  });

  it('does not let the part that fits end in a secret cut by the bound', async () => {
    // White space to just before the bound, then the token across it: collapsed, the token's start would lead the snippet.
    const body = Buffer.from(`${' '.repeat(MAX_ERROR_BODY_BYTES - 5)}${TOKEN} and more`);
    const url = await streamingServer((res) => res.writeHead(500, { 'content-type': 'text/plain' }).end(body));
    const error = await sendError(`${url}/services/${TOKEN}`);
    expect(error.message).toBe(`channel "webhook": POST ${url}/[redacted] answered HTTP 500`);
  });

  it('reads a body that fits whole (a multi-byte character at the end included)', async () => {
    const body = `${'é'.repeat(10)} ${' '.repeat(MAX_ERROR_BODY_BYTES - 40)}fin é`;
    expect(Buffer.byteLength(body)).toBeLessThanOrEqual(MAX_ERROR_BODY_BYTES);
    const url = await streamingServer((res) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(body));
    expect((await sendError(url)).message).toBe(`channel "webhook": POST ${url} answered HTTP 500: ${'é'.repeat(10)} fin é`);
  });
});
