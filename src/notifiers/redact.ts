/**
 * The secrets policy of the notifiers: webhook URLs, tokens, header values and SMTP passwords
 * never reach an error message, an event, a dead letter or a log line. Notifiers know their
 * secrets and pass them in; anything that still looks like a URL or a token is scrubbed
 * generically, which also covers errors thrown by custom notifiers. The patterns are
 * core/redact.ts's, shared with the storage adapters.
 */
import { applyEdits, describeUrl, keywordPasswordEdits, looksLikeUrl, MIN_SECRET_LENGTH, REDACTED, secretEdits, tokenEdits, urlEdits } from '../core/redact.js';

export { decoded, describeUrl, REDACTED, urlSecrets } from '../core/redact.js';

/**
 * Removes credentials from `text`: every known secret (exact match, longest first, none under 4
 * characters), in any URL the user info and everything after the host, bearer-style tokens and
 * password settings (`password=x`, `"password":"x"`: an SMTP server or a custom notifier's error
 * may echo one), all found in `text` as given and masked at once. Scheme and host stay, so the
 * message still says where it failed.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  // A whole URL keeps its scheme and host, so the message still says where it went.
  const known = secretEdits(text, secrets, (secret) => (looksLikeUrl(secret) ? describeUrl(secret) : REDACTED), MIN_SECRET_LENGTH);
  // Each looks at the text as given: a known secret masked first (`https`, `password`) left no
  // URL or setting for the patterns to find.
  return applyEdits(text, [...known, ...urlEdits(text, REDACTED), ...tokenEdits(text, REDACTED), ...keywordPasswordEdits(text, REDACTED)]);
}

/**
 * A copy of `error` that is safe to keep as a `cause`: its name, `code`, status-like fields and
 * a redacted message, with its own cause treated the same way (fetch puts `ECONNREFUSED` there).
 * The original is dropped: its message, stack or properties could carry the secret.
 */
export function safeError(error: unknown, secrets: readonly string[] = [], depth = 3): Error {
  if (!(error instanceof Error) && (typeof error !== 'object' || error === null)) return new Error(redact(String(error), secrets));
  const source = error as { name?: unknown; message?: unknown; code?: unknown; cause?: unknown; responseCode?: unknown; status?: unknown };
  const cause = depth > 1 && source.cause !== undefined ? safeError(source.cause, secrets, depth - 1) : undefined;
  const copy = new Error(redact(typeof source.message === 'string' ? source.message : String(error), secrets), cause === undefined ? undefined : { cause });
  if (typeof source.name === 'string') copy.name = source.name;
  const extra = copy as unknown as Record<string, unknown>;
  if (typeof source.code === 'string' || typeof source.code === 'number') extra.code = source.code;
  if (typeof source.responseCode === 'number') extra.responseCode = source.responseCode;
  if (typeof source.status === 'number') extra.status = source.status;
  // The stack repeats the message and the original frames; keep only the redacted header line.
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
