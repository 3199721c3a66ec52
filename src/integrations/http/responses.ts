import { isConfigError, isLimitError, isNotFoundError, isPulsewatchError, isValidationError } from '../../core/errors.js';
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

/** Issues listed in an error answer when the caller does not say (the `limits.maxIssues` default). */
export const DEFAULT_MAX_ISSUES = 20;

/** Longest message, and longest issue path or text, in an error answer: they may quote client input. */
const MAX_MESSAGE = 500;
const MAX_ISSUE_TEXT = 300;

function bounded(text: string, max = MAX_ISSUE_TEXT): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * Turns anything a route threw into an error answer. pulsewatch's own errors carry messages
 * written for users; anything else is reported and answered as a bare 500, so a stack trace, a
 * connection string or a token inside a foreign error never reaches the client. The answer is
 * bounded whatever the input was: at most `maxIssues` issues, the message cut at 500 characters and each issue's
 * path and text at 300,
 * and `truncatedIssues` counting the issues left out.
 */
export function errorResponse(error: unknown, report: (error: unknown) => void, maxIssues = DEFAULT_MAX_ISSUES): Response {
  const e = toHttpError(error);
  if (e.status >= 500 && !(error instanceof HttpError)) report(error);
  const body: { code: string; message: string; issues?: readonly { path: string; message: string }[]; truncatedIssues?: number } = { code: e.code, message: bounded(e.message, MAX_MESSAGE) };
  if (e.issues !== undefined) {
    body.issues = e.issues.slice(0, maxIssues).map((i) => ({ path: bounded(i.path), message: bounded(i.message) }));
    const truncated = e.truncatedIssues + Math.max(0, e.issues.length - maxIssues);
    if (truncated > 0) body.truncatedIssues = truncated;
  }
  return json(e.status, { error: body }, { ...e.headers });
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (isValidationError(error)) return new HttpError(400, 'VALIDATION_FAILED', error.message, { issues: error.issues });
  if (isConfigError(error)) return new HttpError(400, 'VALIDATION_FAILED', error.message);
  if (isNotFoundError(error)) return new HttpError(404, 'NOT_FOUND', error.message);
  // A configured bound (limits.maxRules, ...): the request is fine, the monitor is full.
  if (isLimitError(error)) return new HttpError(400, 'LIMIT_EXCEEDED', error.message);
  if (isPulsewatchError(error) && (error.code === 'ERR_PULSEWATCH_STORAGE' || error.code === 'ERR_PULSEWATCH_CLOSED')) {
    return new HttpError(503, 'STORAGE_UNAVAILABLE', error.code === 'ERR_PULSEWATCH_CLOSED' ? 'the monitor is closed' : 'storage is unavailable; try again later');
  }
  return new HttpError(500, 'INTERNAL', 'internal error');
}
