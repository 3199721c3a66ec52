import { NotificationError } from '../core/errors.js';
import { describeUrl, redact, safeError } from './redact.js';

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
  const snippet = redact(await readSnippet(response), target.secrets);
  throw new NotificationError(target.channel, `${where} answered HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`, {
    status: response.status,
    retryable: isRetryableStatus(response.status),
  });
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

async function readSnippet(response: Response): Promise<string> {
  try {
    const text = await response.text();
    const line = text.replace(/\s+/g, ' ').trim();
    return line.length > SNIPPET_LENGTH ? `${line.slice(0, SNIPPET_LENGTH)}...` : line;
  } catch {
    return '';
  }
}
