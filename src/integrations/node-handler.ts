import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Monitor } from '../monitor.js';
import { createMonitoringRoutes, type MonitoringRoutes } from './http/handler.js';
import type { MonitoringHandlerOptions } from './http/options.js';
import { errorResponse, json } from './http/responses.js';
import { HttpError } from './http/errors.js';

/**
 * A node:http listener serving the monitoring API. With `next` (Express, Connect), a request no
 * monitoring route matches is handed on; without it, it gets a 404.
 */
export type NodeMonitoringHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** A request as body-parsing middleware leaves it: the body already read into `req.body`. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  originalUrl?: string;
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`, { headers: { connection: 'close' } });
}

/**
 * Reads the raw body up to `limit` bytes. Past the limit it stops listening and the caller
 * answers 413 with `Connection: close`, so an oversized upload is never buffered whole.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? NaN) > limit) {
      // Refused on the declared length alone, before a byte is read.
      req.resume();
      reject(tooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function urlOf(req: IncomingMessage): string {
  const path = req.url ?? '/';
  return `http://localhost${path.startsWith('/') ? path : `/${path}`}`;
}

async function toRequest(req: ParsedRequest, limit: number): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // Routing needs the path only; a Host header is client input and may not even parse as one.
  const url = urlOf(req);
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD') return new Request(url, { method, headers });
  let body: string | Buffer;
  if (req.body !== undefined && (req.readableEnded || (req.complete && !req.readable))) {
    // A body parser (express.json()) consumed the stream already: use what it parsed.
    body = typeof req.body === 'string' || Buffer.isBuffer(req.body) ? req.body : JSON.stringify(req.body);
    headers.delete('content-length');
    if (typeof req.body !== 'string' && !Buffer.isBuffer(req.body)) headers.set('content-type', 'application/json');
  } else {
    body = await readBody(req, limit);
  }
  return new Request(url, { method, headers, body: new Uint8Array(typeof body === 'string' ? Buffer.from(body) : body) });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(body);
}

/** @internal Serves `routes` on node:http; shared by {@link createNodeMonitoringHandler} and Express's router. */
export function nodeHandlerOf(routes: MonitoringRoutes, report: (error: unknown) => void): NodeMonitoringHandler {
  return (req, res, next) => {
    void (async () => {
      let response: Response | undefined;
      try {
        // Only a request for one of our routes has its body read: anything else passes on intact.
        const pathname = new URL(urlOf(req)).pathname;
        if (routes.owns(pathname)) response = await routes.handle(await toRequest(req as ParsedRequest, routes.options.maxBodyBytes));
      } catch (error) {
        response = errorResponse(error, report);
      }
      if (response === undefined) {
        if (next) {
          next();
          return;
        }
        response = json(404, { error: { code: 'NOT_FOUND', message: 'no monitoring route here' } });
      }
      await send(res, response);
    })().catch((error: unknown) => {
      // Only writing the answer can get here (a socket gone): nothing left to tell the client.
      report(error);
      if (!res.headersSent) res.destroy();
    });
  };
}

/**
 * Serves the monitoring API (the same routes and options as `createMonitoringHandler`) as a
 * node:http `(req, res, next?)` listener: `http.createServer(createNodeMonitoringHandler(monitor))`.
 */
export function createNodeMonitoringHandler(monitor: Monitor, options: MonitoringHandlerOptions = {}): NodeMonitoringHandler {
  return nodeHandlerOf(createMonitoringRoutes(monitor, options), (error) => monitor.reportError(error));
}
