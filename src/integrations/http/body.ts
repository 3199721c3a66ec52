import { HttpError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** True for `application/json` and `application/<x>+json`, parameters allowed. */
function isJsonType(contentType: string | null): boolean {
  return contentType !== null && JSON_TYPE.test(contentType);
}

/** The 413 for a body over `limit` bytes; the connection closes, since the rest goes unread. */
export function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'PAYLOAD_TOO_LARGE', `request body is larger than ${limit} bytes`, { headers: { connection: 'close' } });
}

/** The 415 for a body that does not say it is JSON. */
function unsupported(type: string | null): HttpError {
  const got = type === null ? 'no Content-Type' : JSON.stringify(type.slice(0, 100));
  return new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', `request body must be application/json, got ${got}`);
}

/**
 * Reads a JSON request body of at most `limit` bytes. A declared Content-Length past the limit is
 * refused before anything is read; a body without one is counted as it streams and reading stops
 * at the limit, so an oversized upload never sits whole in memory. An empty body is `undefined`.
 * A body must say it is JSON: one with another Content-Type, or none at all, is refused with 415
 * and never parsed (a browser sends a Blob or a form without asking first; such a body is not
 * one a JSON client meant).
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const type = request.headers.get('content-type');
  if (type !== null && !isJsonType(type)) throw unsupported(type);
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  // No type and a declared body: refused before it is read.
  if (type === null && declared > 0) throw unsupported(type);
  if (request.body === null) return undefined;
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch {
      // The client went away mid-upload: its problem, not a failure to report.
      throw new HttpError(400, 'VALIDATION_FAILED', 'the request body could not be read');
    }
    const { done, value } = chunk;
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  // No type and a body after all (streamed, without Content-Length). Only an empty body, e.g.
  // an acknowledge without a comment, needs no type.
  if (type === null && size > 0) throw unsupported(type);
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let textBody: string;
  try {
    textBody = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new HttpError(400, 'INVALID_JSON', 'request body is not valid UTF-8');
  }
  if (textBody.trim() === '') return undefined;
  try {
    return JSON.parse(textBody) as unknown;
  } catch {
    // The parser's message quotes the body; the body may hold what the client would not want echoed.
    throw new HttpError(400, 'INVALID_JSON', 'request body is not valid JSON');
  }
}
