import { isConfigError, isNotFoundError, isPulsewatchError, isValidationError } from '../../core/errors.js';
import { HttpError } from './errors.js';

// Monitoring answers are live state: never cached by a proxy, never sniffed into another type.
const COMMON_HEADERS = { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' };

/** A JSON response with the API's common headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers } });
}

/** A text response (Prometheus exposition) with the API's common headers. */
export function text(status: number, body: string, contentType: string): Response {
  return new Response(body, { status, headers: { ...COMMON_HEADERS, 'content-type': contentType } });
}

/** The 404 for a path no monitoring route has. */
export function notFound(pathname: string): Response {
  return json(404, { error: { code: 'NOT_FOUND', message: `no monitoring route at ${pathname.slice(0, 200)}` } });
}

/**
 * Turns anything a route threw into an error answer. pulsewatch's own errors carry messages
 * written for users; anything else is reported and answered as a bare 500, so a stack trace, a
 * connection string or a token inside a foreign error never reaches the client.
 */
export function errorResponse(error: unknown, report: (error: unknown) => void): Response {
  const e = toHttpError(error);
  if (e.status >= 500 && !(error instanceof HttpError)) report(error);
  const body: { code: string; message: string; issues?: readonly { path: string; message: string }[] } = { code: e.code, message: e.message };
  if (e.issues !== undefined) body.issues = e.issues;
  return json(e.status, { error: body }, { ...e.headers });
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isValidationError(error)) return new HttpError(400, 'VALIDATION_FAILED', error.message, { issues: error.issues });
  if (isConfigError(error)) return new HttpError(400, 'VALIDATION_FAILED', error.message);
  if (isNotFoundError(error)) return new HttpError(404, 'NOT_FOUND', error.message);
  if (isPulsewatchError(error) && (error.code === 'ERR_PULSEWATCH_STORAGE' || error.code === 'ERR_PULSEWATCH_CLOSED')) {
    return new HttpError(503, 'STORAGE_UNAVAILABLE', error.code === 'ERR_PULSEWATCH_CLOSED' ? 'the monitor is closed' : 'storage is unavailable; try again later');
  }
  return new HttpError(500, 'INTERNAL', 'internal error');
}
