/**
 * The secrets policy of the notifiers: webhook URLs, tokens, header values and SMTP passwords
 * never reach an error message, an event, a dead letter or a log line. Notifiers know their
 * secrets and pass them in; anything that still looks like a URL or a token is scrubbed
 * generically, which also covers errors thrown by custom notifiers. The patterns are
 * core/redact.ts's, shared with the storage adapters.
 */
import { applyEdits, describeUrl, type Edit, keywordPasswordEdits, looksLikeUrl, MIN_SECRET_LENGTH, REDACTED, secretEdits, throughJsonEscapes, tokenEdits, urlEdits } from '../core/redact.js';

export { decoded, describeUrl, REDACTED, urlSecrets } from '../core/redact.js';

/**
 * Removes credentials from `text`: every known secret (exact match, longest first, none under 4
 * characters), in any URL the user info and everything after the host, bearer-style tokens and
 * password settings (`password=x`, `"password":"x"`: an SMTP server or a custom notifier's error
 * may echo one), all found in `text` as given and masked at once. Scheme and host stay, so the
 * message still says where it failed.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  return applyEdits(text, redactEdits(text, secrets));
}

/** The edits {@link redact} makes to `text` (ranges of `text` as given, in no particular order). */
export function redactEdits(text: string, secrets: readonly string[] = []): Edit[] {
  // A whole URL keeps its scheme and host, so the message still says where it went.
  const known = secretEdits(text, secrets, knownMask, MIN_SECRET_LENGTH);
  // Each looks at the text as given: a known secret masked first (`https`, `password`) left no
  // URL or setting for the patterns to find.
  // URLs and settings also as a JSON string quoted in the text reads them (`redis:\/\/u:pw@h`).
  // A view with escapes undone is a JSON string's content: its closing quote ends a YAML block.
  const patterns = (given: string, level: number, step?: Int32Array): Edit[] => urlEdits(given, REDACTED).concat(keywordPasswordEdits(given, REDACTED, step ?? level > 0));
  const edits = [...known, ...throughJsonEscapes(text, patterns), ...tokenEdits(text, REDACTED)];
  // And at the text with the known secrets hidden, as masking them first read it: a secret with
  // white space or a quote in a URL (`smtp://bob:correct horse@mail/x?token=t`) ended the URL
  // there and left its path in clear; one glued to a word (`passwordBearer x`) hid a token. The
  // placeholder keeps every offset, so these edits are on the text as given too. URLs and
  // settings there also with JSON escapes undone (`smtp:\/\/bob:correct horse@mail\/x?token=t`).
  if (known.length > 0) {
    const hidden = hideRanges(text, known);
    // Not push(...): a dense message makes more edits than a call takes arguments.
    return edits.concat(throughJsonEscapes(hidden, patterns), tokenEdits(hidden, REDACTED));
  }
  return edits;
}

/**
 * What replaces a known secret: a URL's scheme and host (`https://hooks.slack.com/[redacted]`),
 * unless they are most of the secret: what the mask hides (user info, path, query) must be at
 * least {@link MIN_SECRET_LENGTH} characters, and the description must not hold the secret in
 * any case (`b://` was described as `b:///...`, `HTTP://SECRETHOST` as `http://secrethost`; review R6).
 */
function knownMask(secret: string): string {
  if (!looksLikeUrl(secret)) return REDACTED;
  const described = describeUrl(secret);
  const shown = described.endsWith(`/${REDACTED}`) ? described.length - REDACTED.length - 1 : described.length;
  return secret.length - shown >= MIN_SECRET_LENGTH && !described.toLowerCase().includes(secret.toLowerCase()) ? described : REDACTED;
}

/** `text` with each range of `edits` (in order, apart) filled with `*`: no white space, quote or URL character, and not a word. */
function hideRanges(text: string, edits: readonly Edit[]): string {
  let out = '';
  let done = 0;
  for (const [start, end] of edits) {
    out += text.slice(done, start) + '*'.repeat(end - start);
    done = end;
  }
  return out + text.slice(done);
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
