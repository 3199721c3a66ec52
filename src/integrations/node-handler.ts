import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Monitor } from '../monitor.js';
import { createMonitoringRoutes, type MonitoringRoutes } from './http/handler.js';
import type { MonitoringHandlerOptions } from './http/options.js';
import { errorResponse, notFound } from './http/responses.js';
import { HttpError } from './http/errors.js';
import { tooLarge } from './http/body.js';

/**
 * A node:http listener serving the monitoring API. With `next` (Express, Connect), a request no
 * monitoring route matches is handed on; without it, it gets a 404.
 */
export type NodeMonitoringHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;

/** A request as body-parsing middleware leaves it: the body already read into `req.body`. */
interface ParsedRequest extends IncomingMessage {
  body?: unknown;
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
    const onError = (): void => {
      cleanup();
      // The client went away mid-upload (ECONNRESET): its problem, not a failure to report.
      reject(new HttpError(400, 'VALIDATION_FAILED', 'the request body could not be read'));
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

/** Methods a Web Request can carry that the API may answer; anything else (TRACE, CONNECT) gets 405 here. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);

/** The request line and headers as a Web Request, without a body. */
function headersOnly(req: IncomingMessage): Request {
  const method = req.method ?? 'GET';
  if (!METHODS.has(method)) throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method.slice(0, 20)} is not allowed here`);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (":path") are not header names a Headers object accepts.
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  // Routing needs the path only; a Host header is client input and may not even parse as one.
  return new Request(urlOf(req), { method, headers });
}

/** `request` with its body: what a body parser left in `req.body`, else the stream read up to `limit`. */
async function withBody(request: Request, req: ParsedRequest, limit: number): Promise<Request> {
  const headers = new Headers(request.headers);
  let body: string | Buffer;
  if (req.body !== undefined && (req.readableEnded || (req.complete && !req.readable))) {
    // A body parser (express.json()) consumed the stream already: use what it parsed. Only a
    // JSON body is passed on as JSON; a form that express.urlencoded() parsed stays a form (415).
    const parsed = typeof req.body !== 'string' && !Buffer.isBuffer(req.body);
    body = parsed ? JSON.stringify(req.body) : (req.body as string | Buffer);
    headers.delete('content-length');
    if (parsed && !headers.has('content-type')) headers.set('content-type', 'application/octet-stream');
  } else if (req.readableEnded) {
    body = Buffer.alloc(0); // consumed by someone else, with nothing left for us
  } else {
    body = await readBody(req, limit);
  }
  return new Request(request.url, { method: request.method, headers, body: new Uint8Array(typeof body === 'string' ? Buffer.from(body) : body) });
}

async function send(res: ServerResponse, response: Response): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  res.end(body);
}

/**
 * Answers one request for a path `routes` owns. The route and the caller's credentials are
 * checked before the body is read, so an unauthenticated client cannot make the server buffer
 * an upload only to be refused.
 */
async function answer(routes: MonitoringRoutes, req: IncomingMessage): Promise<Response | undefined> {
  const request = headersOnly(req);
  const admission = await routes.admit(request);
  if (admission === undefined || admission instanceof Response) return admission;
  const full = request.method === 'GET' || request.method === 'HEAD' ? request : await withBody(request, req as ParsedRequest, routes.options.maxBodyBytes);
  return routes.handle(full, admission);
}

/** @internal Serves `routes` on node:http; shared by {@link createNodeMonitoringHandler} and Express's router. */
export function nodeHandlerOf(routes: MonitoringRoutes, report: (error: unknown) => void): NodeMonitoringHandler {
  return (req, res, next) => {
    void (async () => {
      let response: Response | undefined;
      const pathname = new URL(urlOf(req)).pathname;
      // Only a request for one of our routes is looked at: anything else passes on intact.
      if (routes.owns(pathname)) {
        try {
          response = await answer(routes, req);
        } catch (error) {
          response = errorResponse(error, report);
        }
      }
      if (response === undefined) {
        if (next) {
          next();
          return;
        }
        response = notFound(pathname);
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
  return nodeHandlerOf(createMonitoringRoutes(monitor, options, 'createNodeMonitoringHandler options'), (error) => monitor.reportError(error));
}
