/**
 * Secrets out of text, in one place: the notifiers (webhook URLs, tokens, SMTP passwords) and
 * the storage adapters (a Redis or PostgreSQL password) mask with these. Each caller picks its
 * policy (what to mask, with which marker, in which order); the patterns live here only.
 * Edge-safe: `URL` and `decodeURIComponent` are globals of every runtime.
 */

/** What the notifiers show in place of a secret. */
export const REDACTED = '[redacted]';

/** What the storage adapters show in place of a secret (`redis://user:***@host`). */
export const MASKED = '***';

/** Shorter strings are not treated as secrets by the notifiers: replacing "1" everywhere would garble messages and protect nothing. */
export const MIN_SECRET_LENGTH = 4;

// A password in a keyword connection string, as libpq reads it: a backslash escapes the next
// character in a quoted value and in a bare one (`password=a\ b` is `a b`). The closing quote
// is optional so that a message cut off inside the value still loses all of it.
const QUOTED_VALUE = String.raw`'(?:[^'\\]|\\[\s\S])*'?`;
// In a message the bare value stops at punctuation (`(password=x)`); in a connection string it runs to white space.
const KEYWORD_PASSWORD = new RegExp(String.raw`(\bpassword\s*=\s*)(${QUOTED_VALUE}|(?:\\[\s\S]?|[^\s)'",;\\])+)`, 'gi');
const KEYWORD_PASSWORD_SETTING = new RegExp(String.raw`\bpassword\s*=\s*(${QUOTED_VALUE}|(?:\\[\s\S]?|[^\s\\])+)`, 'i');
// scheme://[userinfo@]host[/path?query#fragment], matched from its `://`; the scheme (a letter,
// then up to 31 of `a-z0-9+.-`) is checked behind it once `://` is found, and left in place.
// Matching from the scheme's first letter at a word start missed a URL glued to the word before
// it (`error_redis://u:pw@h`, or a run longer than a scheme) and left it in clear; matching from
// any letter made every letter of plain text a start. From `://`, text without one costs a plain
// scan, and the unbounded scheme (`a.a.a...`: 10 s for 100 KB) cannot come back.
// The user info runs to the last `@` of the authority (as URL parsers read `u:p@ss@host`), or,
// when a password holds a `/`, `?` or `#` (no parser reads that URL, but a message may quote
// it), to the last `@` of the run: a later `@` in a path after a port (`h:8443/x@y`) then masks
// more than the password, never less. The user part excludes `:` so that only one split is
// tried; the match takes the rest of the run, so each run is scanned a bounded number of times.
const ANY_URL = /:\/\/(?<=[a-z][a-z0-9+.-]{0,31}:\/\/)((?:[^\s/?#@:]*:[^\s/?#@]*[/?#]\S*|[^\s/?#]*)@)?([^\s/?#]*)(\S*)/gi;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// Authorization schemes, then well-known token shapes (Slack, GitHub).
const SCHEME_TOKEN = /\b(Bearer|Basic|Token|Bot)\s+[A-Za-z0-9._~+/=-]{4,}/g;
const TOKENS: readonly RegExp[] = [/\bxox[abposr]-[A-Za-z0-9-]+/g, /\bgh[pousr]_[A-Za-z0-9]{16,}/g];

/**
 * `text` with every occurrence of each of `secrets` replaced by `mask` (or by what it returns
 * for that secret). Occurrences are found in `text` as given, overlapping ones included, and a
 * run of overlapping ones is replaced as one: replacing one secret after another cut a secret
 * that overlaps an earlier one in two and left its other part in clear (`alice_secret9` with
 * `alice_sec` and `secret9`). A run gets the mask of its longest secret; strings shorter than
 * `minLength` (and non-strings a caller's options let through) are skipped.
 */
export function maskSecrets(text: string, secrets: readonly string[], mask: string | ((secret: string) => string), minLength = 1): string {
  const known = [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= minLength).sort((a, b) => b.length - a.length);
  const hits: { start: number; end: number; secret: string }[] = [];
  for (const secret of known) for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) hits.push({ start: at, end: at + secret.length, secret });
  if (hits.length === 0) return text;
  // By start, the longest first at one start (known is longest first and the sort is stable).
  hits.sort((a, b) => a.start - b.start);
  let out = '';
  let done = 0;
  for (let i = 0; i < hits.length; ) {
    const run = hits[i]!;
    let { end, secret } = run;
    // Overlapping hits join the run; hits that only touch stay apart (`abcabc` is two masks, as before).
    for (i++; i < hits.length && hits[i]!.start < end; i++) {
      if (hits[i]!.secret.length > secret.length) secret = hits[i]!.secret;
      end = Math.max(end, hits[i]!.end);
    }
    // A mask built from the secret (a URL's scheme and host) is masked by the other secrets in turn.
    const replacement = typeof mask === 'string' ? mask : maskSecrets(mask(secret), known.filter((s) => s !== secret), mask, minLength);
    out += text.slice(done, run.start) + replacement;
    done = end;
  }
  return out + text.slice(done);
}

/**
 * Matches `scheme://user:password@` for the given schemes (scheme, user and password captured).
 * The user runs to the first `:` and may hold `@` (Azure's `user@server`); the password runs to
 * the last `@` of the authority, as pg and ioredis (WHATWG URL) read it: `app:p@ss@db` is
 * `p@ss`, where stopping at the first `@` left `ss` in clear. A password holding `/`, `?` or `#`
 * (a URL no driver parses, which an "invalid URL" message may still quote) runs to the last `@`
 * before white space or the next `://`: `h:6379/0?x=a@b` then loses more than a password, never
 * less. Stopping at `://` also keeps the time linear: each URL's scan ends where the next begins.
 */
function urlPasswordPattern(schemes: readonly string[], flags: string): RegExp {
  const names = schemes.map((s) => s.replace(/[.+]/g, '\\$&')).join('|');
  const password = String.raw`[^/?#\s]*|[^/?#\s@]*[/?#](?:[^\s:]|:(?!\/\/))*`;
  return new RegExp(String.raw`((?:${names}):\/\/)([^:/\s]*):(${password})@`, flags);
}

/**
 * `text` with the password of every `scheme://user:password@` URL of the given schemes
 * replaced by `mask`; the user stays, so the message still says who connected.
 */
export function maskUrlPasswords(text: string, schemes: readonly string[], mask: string): string {
  return text.replace(urlPasswordPattern(schemes, 'gi'), (_all, scheme: string, user: string) => `${scheme}${user}:${mask}@`);
}

/** `text` with the value of every `password=` setting (bare or quoted) replaced by `mask`. */
export function maskKeywordPasswords(text: string, mask: string): string {
  return text.replace(KEYWORD_PASSWORD, `$1${mask}`);
}

/**
 * The passwords a connection string holds, as written and percent-decoded: a URL's of the
 * given schemes at its start, and a `password=` setting's (unquoted, and unescaped when it
 * holds a backslash). Empty when it holds none.
 */
export function connectionPasswords(connectionString: string, schemes: readonly string[]): string[] {
  const url = new RegExp(`^${urlPasswordPattern(schemes, '').source}`, 'i').exec(connectionString)?.[3];
  const keyword = KEYWORD_PASSWORD_SETTING.exec(connectionString)?.[1]?.replace(/^'|'$/g, '');
  const out: string[] = [];
  for (const raw of [url, keyword]) if (raw !== undefined && raw !== '') out.push(raw, decoded(raw));
  // libpq connects with the unescaped value (`a\'b` is `a'b`): that is what a message would echo.
  if (keyword !== undefined && keyword.includes('\\')) out.push(keyword.replace(/\\([\s\S])/g, '$1'));
  return [...new Set(out)];
}

/**
 * `text` with, in any URL, the user info and everything after the host replaced by `mask` (a
 * webhook URL's path *is* its token). Scheme and host stay, so the message still says where.
 */
export function maskUrls(text: string, mask: string): string {
  return text.replace(ANY_URL, (_match, userinfo: string | undefined, host: string, rest: string) => {
    const tail = rest === '' || rest === '/' ? rest : `/${mask}`;
    return `://${userinfo ? `${mask}@` : ''}${host}${tail}`;
  });
}

/** `text` with bearer-style credentials (`Bearer x`, `Basic x`) and Slack and GitHub token shapes replaced by `mask`. */
export function maskTokens(text: string, mask: string): string {
  let out = text.replace(SCHEME_TOKEN, `$1 ${mask}`);
  for (const re of TOKENS) out = out.replace(re, mask);
  return out;
}

/** True when `text` starts like a URL (`scheme://`). */
export function looksLikeUrl(text: string): boolean {
  return HAS_SCHEME.test(text);
}

/**
 * The secret parts of a URL, for {@link maskSecrets}: the whole URL, its path and query, the
 * user and password, and every query value (`?token=...`); none under {@link MIN_SECRET_LENGTH}.
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

/** Where a request went, safe to show: `https://hooks.slack.com/[redacted]` (`mask` alone when `url` is not one). */
export function describeUrl(url: string, mask: string = REDACTED): string {
  try {
    const parsed = new URL(url);
    const bare = parsed.pathname === '/' && parsed.search === '' && parsed.hash === '';
    return `${parsed.protocol}//${parsed.host}${bare ? '' : `/${mask}`}`;
  } catch {
    return mask;
  }
}
