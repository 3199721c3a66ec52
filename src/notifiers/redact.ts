/**
 * The secrets policy in code: webhook URLs, tokens, header values and SMTP passwords never reach
 * an error message, an event, a dead letter or a log line. Notifiers know their secrets and pass
 * them in; anything that still looks like a URL or a token is scrubbed generically, which also
 * covers errors thrown by custom notifiers.
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]';

/** Shorter strings are not treated as secrets: replacing "1" everywhere would garble messages and protect nothing. */
const MIN_SECRET_LENGTH = 4;

// scheme://[userinfo@]host[/path?query#fragment]
const URL_RE = /\b([a-z][a-z0-9+.-]*):\/\/([^\s/?#@]*@)?([^\s/?#]*)([^\s]*)/gi;
// Authorization schemes, then well-known token shapes (Slack, GitHub).
const SCHEME_TOKEN_RE = /\b(Bearer|Basic|Token|Bot)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const TOKEN_RES: readonly RegExp[] = [/\bxox[abposr]-[A-Za-z0-9-]+/g, /\bgh[pousr]_[A-Za-z0-9]{16,}/g];

/**
 * Removes credentials from `text`: first every known secret (exact match, longest first), then,
 * in any URL, the user info and everything after the host (a webhook URL's path *is* its token),
 * then bearer-style tokens. Scheme and host stay, so the message still says where it failed.
 */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  const known = [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  // A whole URL keeps its scheme and host, so the message still says where it went.
  for (const secret of known) out = out.split(secret).join(/^[a-z][a-z0-9+.-]*:\/\//i.test(secret) ? describeUrl(secret) : REDACTED);
  out = out.replace(URL_RE, (_match, scheme: string, userinfo: string | undefined, host: string, rest: string) => {
    const tail = rest === '' || rest === '/' ? rest : `/${REDACTED}`;
    return `${scheme}://${userinfo ? `${REDACTED}@` : ''}${host}${tail}`;
  });
  out = out.replace(SCHEME_TOKEN_RE, `$1 ${REDACTED}`);
  for (const re of TOKEN_RES) out = out.replace(re, REDACTED);
  return out;
}

/**
 * The secret parts of a URL, for {@link redact}: the whole URL, its path and query, the user
 * and password, and every query value (`?token=...`).
 */
export function urlSecrets(url: string): string[] {
  const out = [url];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return out;
  }
  // User and password both as written and decoded (`p%40ss` is used as `p@ss`).
  out.push(parsed.href, `${parsed.pathname}${parsed.search}`, parsed.search, parsed.username, parsed.password, decoded(parsed.username), decoded(parsed.password));
  if (parsed.pathname !== '/') out.push(parsed.pathname);
  for (const value of parsed.searchParams.values()) out.push(value);
  for (const part of parsed.pathname.split('/')) out.push(decoded(part));
  return out.filter((s) => s.length >= MIN_SECRET_LENGTH);
}

/** Percent-decoded `text`; as it is when it is not valid percent-encoding (a URL may hold `%E0%A4%A`). */
export function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Where a request went, safe to show: `https://hooks.slack.com/[redacted]`. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const bare = parsed.pathname === '/' && parsed.search === '' && parsed.hash === '';
    return `${parsed.protocol}//${parsed.host}${bare ? '' : `/${REDACTED}`}`;
  } catch {
    return REDACTED;
  }
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
