import { NotificationError } from '../core/errors.js';
import { describeUrl, redact, REDACTED, safeError } from './redact.js';

/** Where a notifier posts, with everything that must never be shown. */
export interface HttpTarget {
  channel: string;
  url: string;
  headers: Readonly<Record<string, string>>;
  /** Strings removed from every message (the URL's parts, header values, signing secrets). */
  secrets: readonly string[];
}

/** How much of an error response's body goes into the error message. */
const SNIPPET_LENGTH = 200;

/** How far back a truncated body's end is cut at most to drop the word the truncation split. */
const WORD_CUT = 256;

/**
 * How much of an error response's body is read at most: the receiver may be hostile or broken
 * and send a body without end, which `response.text()` would buffer whole.
 */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * True for statuses worth retrying: 408, 429 and 5xx. Other 4xx mean the receiver refuses the
 * request itself (as Alertmanager's notifiers decide).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

/**
 * POSTs `body` as JSON with the global `fetch` (edge-safe). Resolves on 2xx; otherwise rejects
 * with a {@link NotificationError} carrying the status, whether to retry and the start of the
 * receiver's answer, all redacted. When `signal` aborts it rejects with `signal.reason`.
 *
 * Redirects are never followed: fetch would replay the body, the configured headers (an API
 * key) and the signature to wherever `Location` points, another origin included. A 3xx is a
 * failed delivery that is not retried (the receiver's configuration, not a fault, answers it).
 */
export async function postJson(target: HttpTarget, body: string, signal: AbortSignal, extraHeaders: Readonly<Record<string, string>> = {}): Promise<void> {
  const where = `POST ${describeUrl(target.url)}`;
  let response: Response;
  try {
    response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'pulsewatch', ...target.headers, ...extraHeaders },
      body,
      signal,
      redirect: 'manual',
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new NotificationError(target.channel, `${where} failed: ${networkReason(error, target.secrets)}`, { cause: safeError(error, target.secrets) });
  }
  if (response.ok) {
    // Free the connection without reading what we do not need.
    await response.body?.cancel().catch(() => {});
    return;
  }
  if (isRedirect(response)) {
    // Neither Location nor the body (which often repeats it) goes into the error: the new
    // address may carry a token, and the receiver chose it, not the operator.
    await response.body?.cancel().catch(() => {});
    const status = response.status === 0 ? 'a' : `${response.status}`;
    throw new NotificationError(target.channel, `${where} answered ${status} redirect; redirects are not followed (configure the final URL)`, {
      ...(response.status === 0 ? {} : { status: response.status }),
      retryable: false,
    });
  }
  const retryAfterMs = retryAfter(response);
  const snippet = await readSnippet(response, target.secrets);
  throw new NotificationError(target.channel, `${where} answered HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
    status: response.status,
    retryable: isRetryableStatus(response.status),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/**
 * The wait a 429 or 503 asks for in `Retry-After` (RFC 9110 section 10.2.3), in ms: delay-seconds,
 * or an HTTP date. A date is measured against the response's own `Date` header when it has one
 * (both come from the receiver's clock, so a skewed clock on either side does not matter), else
 * against this machine's wall clock. Absent, unreadable or in the past: `undefined` (plain backoff).
 * The dispatcher caps the result; nothing here trusts its size.
 */
export function retryAfter(response: Pick<Response, 'status' | 'headers'>): number | undefined {
  if (response.status !== 429 && response.status !== 503) return undefined;
  const value = response.headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d+$/.test(value)) {
    const ms = Number(value) * 1_000;
    return ms > 0 ? ms : undefined;
  }
  // The three HTTP date forms all start with a day name; Date.parse alone would read "-5" as a year.
  const at = /^[A-Za-z]{3,9},? /.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(at)) return undefined;
  const sent = Date.parse(response.headers.get('date') ?? '');
  const ms = at - (Number.isNaN(sent) ? Date.now() : sent);
  return ms > 0 ? ms : undefined;
}

/**
 * A 3xx, or the status-0 `opaqueredirect` a browser-like fetch gives for `redirect: 'manual'`.
 * 304 is a redirect class status too but never answers a POST; it is refused all the same.
 */
function isRedirect(response: Response): boolean {
  return response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400);
}

/** `connection refused (ECONNREFUSED)` from fetch's `TypeError: fetch failed` and its cause. */
function networkReason(error: unknown, secrets: readonly string[]): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host not found',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_SOCKET: 'socket closed',
  };
  if (code !== undefined) return `${known[code] ?? 'network error'} (${code})`;
  const message = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
  return redact(message, secrets);
}

/** The start of an error response's body, safe to show (see {@link errorSnippet}); '' when it cannot be read. */
async function readSnippet(response: Response, secrets: readonly string[]): Promise<string> {
  try {
    const { text, truncated } = await readBounded(response, MAX_ERROR_BODY_BYTES);
    return errorSnippet(text, secrets, truncated);
  } catch {
    return '';
  }
}

/**
 * At most `limit` bytes of `response`'s body, decoded as UTF-8; the rest is not read and the
 * stream is cancelled, which frees (or closes) the connection.
 */
async function readBounded(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (response.body === null) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false };
      if (bytes + value.byteLength > limit) {
        // No flush: a character cut by the limit is dropped, not shown as U+FFFD.
        return { text: text + decoder.decode(value.subarray(0, limit - bytes), { stream: true }), truncated: true };
      }
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    // Only what is left: after `done` this is a no-op; on a limit or an error it stops the body.
    reader.cancel().catch(() => {});
  }
}

/**
 * What an error message shows of a receiver's answer `body`: redacted first (known secrets,
 * URLs, tokens, password settings), then cut to {@link SNIPPET_LENGTH} characters. Cutting first
 * showed the first part of a secret that straddled the cut, which redaction then no longer
 * recognised. The cut never splits a mask. When the body was `truncated` (read only in part),
 * its end may be the start of a secret whose rest was not read: that end is dropped before
 * redacting, the length of the longest secret's longest form and the word it cuts.
 */
export function errorSnippet(body: string, secrets: readonly string[], truncated = false): string {
  let text = body;
  if (truncated) {
    // A secret is also found in its quoted forms: at most 9 characters for one of its own (a
    // 3-byte UTF-8 character percent-encoded; a JSON `\u0001` is 6).
    const longest = secrets.reduce((n, s) => (typeof s === 'string' ? Math.max(n, s.length) : n), 0);
    let end = Math.max(0, text.length - 9 * longest);
    // And the word cut there: a URL's password or a token read in part is not recognised. At
    // most WORD_CUT more: a body without white space (64 KiB of JSON) walked back to nothing.
    const floor = Math.max(0, end - WORD_CUT);
    while (end > floor && !/\s/.test(text[end - 1]!)) end--;
    text = text.slice(0, end);
  }
  const line = redact(text, secrets).replace(/\s+/g, ' ').trim();
  if (line.length <= SNIPPET_LENGTH) return line;
  let cut = SNIPPET_LENGTH;
  // Not inside a mask (`[reda...`), nor between the halves of a surrogate pair.
  const mask = line.lastIndexOf(REDACTED, cut - 1);
  if (mask >= 0 && mask + REDACTED.length > cut) cut = mask;
  if (cut > 0 && /[\uD800-\uDBFF]/.test(line[cut - 1]!)) cut--;
  return `${line.slice(0, cut).trimEnd()}...`;
}
