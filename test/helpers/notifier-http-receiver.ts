import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort } from './ports.js';

/** One request the receiver got. */
export interface ReceivedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as sent. */
  body: string;
}

/** How to answer: a status (and body), `'hang'` (never answer), or `'reset'` (drop the connection). */
export type Reply = { status: number; body?: string } | 'hang' | 'reset';

/** A local HTTP server on 127.0.0.1 that records requests and answers as told. */
export interface Receiver {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly requests: ReceivedRequest[];
  /** Sets how the next requests are answered (default: 200). */
  reply(answer: Reply | ((request: ReceivedRequest, index: number) => Reply)): void;
  /** Resolves once `count` requests arrived. */
  waitForRequests(count: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/** Starts a {@link Receiver} on a free loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters = new Set<() => void>();
  const hanging = new Set<ServerResponse>();
  let answer: Reply | ((request: ReceivedRequest, index: number) => Reply) = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const request: ReceivedRequest = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      const reply = typeof answer === 'function' ? answer(request, requests.length - 1) : answer;
      if (reply === 'hang') hanging.add(res);
      else if (reply === 'reset') req.socket.destroy();
      else res.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.body ?? '');
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(next) {
      answer = next;
    },
    waitForRequests(count) {
      return new Promise((resolve) => {
        const check = (): void => {
          if (requests.length < count) return;
          waiters.delete(check);
          resolve(requests);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL nothing listens on (a port just freed), for refused connections. */
export async function refusedUrl(): Promise<string> {
  return `http://127.0.0.1:${await freePort()}`;
}
