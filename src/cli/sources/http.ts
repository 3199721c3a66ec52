import { SourceResponseError, SourceUnreachableError } from '../errors.js';

/** How the CLI talks to a source over HTTP. */
export interface HttpOptions {
  /** Sent as `Authorization: Bearer <token>`; never printed, never part of a message. */
  token?: string | undefined;
  /** Per request, in ms. */
  timeout: number;
  /** Aborts everything in flight (Ctrl-C in `--watch`). */
  signal?: AbortSignal | undefined;
}

/** Answers larger than this are refused: an aggregate is a few hundred bytes, an exposition of one metric a few MB at most. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/**
 * A URL as it may be shown: no user or password, no query (a token in `?token=` stays out of
 * messages), no fragment.
 */
export function displayUrl(url: URL | string): string {
  try {
    const u = new URL(String(url));
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString();
  } catch {
    return '<invalid URL>';
  }
}

/**
 * GETs `url` and returns its status and body as text. A connection that fails is a
 * {@link SourceUnreachableError}; 401 and 403 are a {@link SourceResponseError} about the token
 * (other statuses are the caller's to read: both sources answer JSON errors). Messages name the
 * URL without credentials or query.
 */
export async function getText(url: URL, options: HttpOptions, accept: string): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = { accept, 'user-agent': 'pulsewatch-cli' };
  if (options.token) headers['authorization'] = `Bearer ${options.token}`;
  const timeout = AbortSignal.timeout(options.timeout);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const where = displayUrl(url);
  let response: Response;
  try {
    response = await fetch(url, { headers, signal, redirect: 'error' });
  } catch (error) {
    throw new SourceUnreachableError(`cannot reach ${where}: ${reasonOf(error, timeout.aborted, options.timeout)}`, { cause: error });
  }
  let body: string;
  try {
    body = await readBounded(response, MAX_RESPONSE_BYTES);
  } catch (error) {
    if (error instanceof SourceResponseError) throw error;
    throw new SourceUnreachableError(`reading the answer of ${where} failed: ${reasonOf(error, timeout.aborted, options.timeout)}`, { cause: error });
  }
  if (response.status === 401 || response.status === 403) {
    throw new SourceResponseError(`${where} answered ${response.status}: ${options.token ? 'the token was refused' : 'it needs a token (--token or PULSEWATCH_TOKEN)'}`, response.status);
  }
  return { status: response.status, body };
}

/** The body as text, refusing (and cancelling) one larger than `max` bytes. */
async function readBounded(response: Response, max: number): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await response.body?.cancel();
    throw new SourceResponseError(`the answer is larger than ${max} bytes`);
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new SourceResponseError(`the answer is larger than ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** Why a request failed, in words: `ECONNREFUSED`, `timed out after 10000 ms`, `aborted`. */
function reasonOf(error: unknown, timedOut: boolean, timeout: number): string {
  if (timedOut) return `timed out after ${timeout} ms`;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/** Parses a JSON body, or explains which URL answered something else. */
export function parseJson(body: string, url: URL, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new SourceResponseError(`${displayUrl(url)} did not answer JSON; expected ${what}`);
  }
}

/**
 * Text a source sent, as it may be printed: at most `max` characters, control characters (an
 * ANSI escape that would clear the screen or set the clipboard) shown as `?`.
 */
export function printable(text: string, max = 300): string {
  // eslint-disable-next-line no-control-regex
  return text.slice(0, max).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
