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
// is optional so that a message cut off inside the value still loses it.
const QUOTED_VALUE = String.raw`'(?:[^'\\]|\\[\s\S])*'?`;
// In a message, a quoted value without its closing quote (cut off, or a parser's complaint
// about a value: `password=' expected a value; host=db`) is masked to the end of its line or
// to the white space before the next `key=`, whichever comes first: far enough for a value cut
// off by the end of a message, not so far that the rest of the message goes.
const quotedInMessage = (q: string): string => String.raw`${q}(?:[^${q}\\]|\\[\s\S])*${q}|${q}(?:(?!\s\w+\s*=)[^${q}\\\n]|\\[^\n]?)*`;
// In a message the bare value stops at punctuation (`(password=x)`); in a connection string it
// runs to white space. The name may be a word's end after `_` (`DB_PASSWORD=`) or `PGPASSWORD`,
// and a message may double-quote the value (`password="x"`), which libpq itself does not.
const KEYWORD_PASSWORD = new RegExp(String.raw`((?:\b|_|(?<=\bpg))password\s*=\s*)(${quotedInMessage("'")}|${quotedInMessage('"')}|(?:\\[\s\S]?|[^\s)'",;\\])+)`, 'gi');
const KEYWORD_PASSWORD_SETTING = new RegExp(String.raw`\bpassword\s*=\s*(${QUOTED_VALUE}|(?:\\[\s\S]?|[^\s\\])+)`, 'i');
// scheme://[userinfo@]host[/path?query#fragment], found from its `://`; the scheme (a letter,
// then up to 31 of `a-z0-9+.-`) is checked behind it once `://` is found, and left in place.
// Matching from the scheme's first letter at a word start missed a URL glued to the word before
// it (`error_redis://u:pw@h`, or a run longer than a scheme) and left it in clear; matching from
// any letter made every letter of plain text a start. From `://`, text without one costs a plain
// scan, and the unbounded scheme (`a.a.a...`: 10 s for 100 KB) cannot come back. The rest of the
// URL is read by the scanner below (scanUserinfo), not by a pattern.
const URL_START = /:\/\/(?<=[a-z][a-z0-9+.-]{0,31}:\/\/)/gi;
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// Authorization schemes, then well-known token shapes (Slack, GitHub).
const SCHEME_TOKEN = /\b(Bearer|Basic|Token|Bot)\s+[A-Za-z0-9._~+/=-]{4,}/g;
// No word boundary before them: a token glued to a word (`errorxoxb-1-2-x`) was left in clear,
// and these prefixes are not found inside ordinary words.
const TOKENS: readonly RegExp[] = [/xox[abposr]-[A-Za-z0-9-]+/g, /gh[pousr]_[A-Za-z0-9]{16,}/g];

/**
 * `text` with every occurrence of each of `secrets` replaced by `mask` (or by what it returns
 * for that secret). Occurrences are found in `text` as given, overlapping ones included, and a
 * run of overlapping ones is replaced as one: replacing one secret after another cut a secret
 * that overlaps an earlier one in two and left its other part in clear (`alice_secret9` with
 * `alice_sec` and `secret9`). A run gets the mask of its longest secret; strings shorter than
 * `minLength` (and non-strings a caller's options let through) are skipped.
 */
export function maskSecrets(text: string, secrets: readonly string[], mask: string | ((secret: string) => string), minLength = 1): string {
  const given = [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= Math.max(1, minLength));
  // Each secret is also looked for as a message may have quoted it: JSON-escaped (`w"rd\` shows
  // as `w\"rd\\` in a JSON body or log line) and with lowercase percent-encoding (`%5c` for
  // `%5C`); a form is masked as its secret is. The forms are computed once per call: the masks
  // built from a secret are masked by the other secrets with the same table (recomputing it for
  // each hit made 200,000 hits with 51 secrets take 9 s).
  const forms: [string, string][] = given.map((s) => [s, s]);
  for (const s of given) for (const form of [JSON.stringify(s).slice(1, -1), s.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase())]) forms.push([form, s]);
  // Longest first; among equal forms the first listed (a secret as itself before another's form).
  forms.sort((a, b) => b[0].length - a[0].length);
  return maskForms(text, forms, mask, new Set());
}

/** {@link maskSecrets} with its forms ([form, its secret], longest first), skipping the secrets in `skip`. */
function maskForms(text: string, forms: readonly [string, string][], mask: string | ((secret: string) => string), skip: ReadonlySet<string>): string {
  // For each start, the end of the longest form found there and its index in `forms`; typed
  // arrays filled by plain scans, then one sweep: linear in the text and the hits, with no object
  // or sort per hit (1 MB of `a` with `aaaa` known made a million of them: 0.5 s).
  let ends: Int32Array | undefined;
  let which: Int32Array | undefined;
  const scanned = new Set<string>();
  for (let i = 0; i < forms.length; i++) {
    const [form, secret] = forms[i]!;
    if (skip.has(secret) || scanned.has(form)) continue;
    scanned.add(form);
    for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1)) {
      ends ??= new Int32Array(text.length);
      which ??= new Int32Array(text.length);
      // Longest first: a start already taken holds a form at least as long.
      if (ends[at] === 0) {
        ends[at] = at + form.length;
        which[at] = i;
      }
    }
  }
  if (ends === undefined || which === undefined) return text;
  // A mask built from a secret, masked by the other secrets: once per secret, not per hit.
  const replacements = new Map<string, string>();
  let out = '';
  let done = 0;
  for (let start = 0; start < text.length; start++) {
    if (ends[start] === 0) continue;
    let end = ends[start]!;
    let longest = which[start]!;
    // Overlapping hits join the run; hits that only touch stay apart (`abcabc` is two masks, as before).
    for (let k = start + 1; k < end; k++) {
      if (ends[k] === 0) continue;
      if (ends[k]! > end) end = ends[k]!;
      if (which[k]! < longest) longest = which[k]!;
    }
    const secret = forms[longest]![1];
    let replacement = typeof mask === 'string' ? mask : replacements.get(secret);
    if (replacement === undefined && typeof mask !== 'string') {
      // A mask built from the secret (a URL's scheme and host) is masked by the other secrets in turn.
      replacement = maskForms(mask(secret), forms, mask, new Set([...skip, secret]));
      replacements.set(secret, replacement);
    }
    out += text.slice(done, start) + replacement!;
    done = end;
    start = end - 1;
  }
  return out + text.slice(done);
}

/*
 * The user info of a URL in a message, read by a scanner (linear: each URL's scan ends where the
 * next `://` begins). The user runs to the first `:` (it may hold `@`: Azure's `user@server`);
 * the password runs to the last `@` of its run, as pg and ioredis (WHATWG URL) read `p@ss@db`,
 * and past a `/`, `?` or `#` too (`p@ss/word@host`: no driver parses that URL, an "invalid URL"
 * message may quote it, and stopping at the first `@` or `/` showed part of the password).
 * What bounds the run, so that a URL's neighbours in a message are not taken for its password:
 * - white space and the next `://` always;
 * - before the password holds any `/ ? # @`: only a quote that closes a string (followed by
 *   `, : ; } ] ) >`, white space or the end: `"h:6379","owner":"ops@x"`); any other character may
 *   be in a password, as the parent pattern allowed (`ab"c{d}@h` is masked whole);
 * - once it holds one of `/ ? # @` (the extended run): any of `" ' \` < > { }` and a backslash
 *   before a quote (JSON `\"`): an unencoded password holding both `@`-or-`/` and one of these is
 *   not seen in practice, while JSON and quoted text around a URL is;
 * - after an `@`, a `?` then `=` or `&`: that is the URL's own query (`h/db?application_name=a@b`),
 *   whose `@` is not the password's;
 * - after an `@`, a `,` followed by another `user:password@` (`u:pw@h1,u2:pw2@h2`, a multi-host
 *   URL): each password is masked, the hosts between stay. Any other `,` is read as part of the
 *   password (`p@ss,word@host` is masked whole: more hidden, never less).
 * - a run that ends before any `@` (a stop before it: `ab?cd'ef@h`, `ab":cd@h`) falls back to
 *   the first `@` before white space, as the patterns before the scanner read it, so that a stop
 *   never leaves a password in clear that they masked;
 * - digits then `/` after `host:` are a port, not a password (`h:5432/db?a=svc@x`); the notifiers
 *   also take digits then `?` or `#` for one (their user info never held those).
 * Where these guess wrong, the guess hides more (`https://h:8443x/x@y` loses `h:8443x/x`).
 */

/** True when the character at `k` is white space. */
function isSpaceAt(text: string, k: number): boolean {
  const c = text.charCodeAt(k);
  return c === 32 || (c >= 9 && c <= 13) || (c > 127 && /\s/.test(text[k]!));
}

/** True at the `:` of a `://`. */
function isUrlStartAt(text: string, k: number): boolean {
  return text.charCodeAt(k) === 58 && text.charCodeAt(k + 1) === 47 && text.charCodeAt(k + 2) === 47;
}

/** True at a quote (or `\` before one) that ends a quoted string: followed by `, : ; } ] ) >`, white space or the end. */
function closesQuoteAt(text: string, k: number): boolean {
  if (text.charCodeAt(k) === 92) k++;
  const c = text.charCodeAt(k);
  if (c !== 34 && c !== 39) return false;
  return k + 1 >= text.length || ',:;}])>'.includes(text[k + 1]!) || isSpaceAt(text, k + 1);
}

/**
 * The character a URL starting at `schemeEnd` (its `://`) was opened with: the one before its
 * scheme (`"` in JSON, `'`, `<`, a backtick), or '' when it was not opened with one of these.
 */
function openerBefore(text: string, schemeEnd: number): string {
  let k = schemeEnd;
  while (k > 0 && schemeEnd - k < 32 && /[a-z0-9+.-]/i.test(text[k - 1]!)) k--;
  const c = text[k - 1] ?? '';
  if (!`"'<\``.includes(c)) return '';
  // `\"` in JSON inside JSON: its closer is `\"` too.
  return text[k - 2] === '\\' && c !== '<' ? `\\${c}` : c;
}

/**
 * True where a URL opened with `opener` ends: at its closing quote (`"`, `'`, a backtick, `>`
 * for `<`) followed by what may follow one. A URL opened with none of them, and any other
 * quote, runs to white space, as before the scanner: `p@';x?y@h` in a message shows nothing.
 */
function endsUrlAt(text: string, k: number, opener: string): boolean {
  if (opener === '') return false;
  const closer = opener === '<' ? '>' : opener;
  // An escaped quote (`\"` in JSON) closes only a URL opened with one.
  if (!text.startsWith(closer, k) || (closer.length === 1 && text[k - 1] === '\\')) return false;
  const after = k + closer.length;
  return after >= text.length || ',:;}])>'.includes(text[after]!) || isSpaceAt(text, after);
}

/** True at a character that ends an extended password run (see above). */
function isHardStopAt(text: string, k: number): boolean {
  switch (text.charCodeAt(k)) {
    case 34: // "
    case 39: // '
    case 96: // `
    case 60: // <
    case 62: // >
    case 123: // {
    case 125: // }
      return true;
    case 92: {
      // a backslash before a quote (JSON `\"`)
      const next = text.charCodeAt(k + 1);
      return next === 34 || next === 39;
    }
    default:
      return false;
  }
}

/** The index of the `:` ending a user that starts at `from`, or -1 (no `:` before a `/`, white space or a closing quote). */
function userEnd(text: string, from: number, segment: boolean): number {
  for (let k = from; k < text.length; k++) {
    const ch = text[k];
    if (ch === ':') return isUrlStartAt(text, k) ? -1 : k;
    if (ch === '/' || isSpaceAt(text, k) || closesQuoteAt(text, k)) return -1;
    // The user of a later host of a multi-host URL: no `,` or `@`, no stop.
    if (segment && (ch === ',' || ch === '@' || isHardStopAt(text, k))) return -1;
  }
  return -1;
}

/** The index of the first `@` from `k` before white space or the next `://`, or -1. */
function firstAt(text: string, k: number): number {
  for (; k < text.length && !isSpaceAt(text, k) && !isUrlStartAt(text, k); k++) if (text.charCodeAt(k) === 64) return k;
  return -1;
}

/**
 * True when a port starts at `k` (after `scheme://host:`): 1 to 5 digits, then one of `after`,
 * as a URL parser reads it (`h:5432/db?a=b@c` has no user info, its `@` is the query's).
 */
function isPortAt(text: string, k: number, after: string): boolean {
  let j = k;
  while (j < text.length && j - k < 6 && text.charCodeAt(j) >= 48 && text.charCodeAt(j) <= 57) j++;
  return j > k && j - k <= 5 && j < text.length && after.includes(text[j]!);
}

/** A URL's `user:password@` parts: [user start, password start, password end (its `@`)] each, the last `@`, and where the last run stopped. */
interface Userinfo {
  readonly parts: [number, number, number][];
  readonly at: number;
  readonly stop: number;
}

/**
 * The `user:password@` parts of the URL whose user starts at `from` (right after `://`), or
 * undefined. A port (digits, then one of `portEnds`) is no password.
 */
function scanUserinfo(text: string, from: number, portEnds: string): Userinfo | undefined {
  let colon = userEnd(text, from, false);
  if (colon < 0 || isPortAt(text, colon + 1, portEnds)) return undefined;
  const parts: [number, number, number][] = [];
  let userStart = from;
  // Where the next `@` or stop after a position is: asked at growing positions only, so linear.
  let probe = -1;
  const atBeforeStop = (x: number): boolean => {
    if (probe < x) for (probe = x; probe < text.length && text[probe] !== '@' && !isSpaceAt(text, probe) && !isHardStopAt(text, probe) && !isUrlStartAt(text, probe); probe++);
    return text[probe] === '@';
  };
  let stop = text.length;
  for (;;) {
    let lastAt = -1;
    let extended = false;
    let inQuery = false;
    let next = -1;
    for (let k = colon + 1; k < text.length; k++) {
      const ch = text[k]!;
      if (isSpaceAt(text, k) || isUrlStartAt(text, k) || (extended ? isHardStopAt(text, k) : closesQuoteAt(text, k))) {
        stop = k;
        break;
      }
      if (ch === '@') {
        lastAt = k;
        extended = true;
      } else if (ch === '/' || ch === '#' || ch === '?') {
        extended = true;
        if (ch === '?' && lastAt >= 0) inQuery = true;
      } else if (inQuery && (ch === '=' || ch === '&')) {
        break;
      } else if (ch === ',' && lastAt >= 0) {
        const c = userEnd(text, k + 1, true);
        if (c >= 0 && atBeforeStop(c + 1)) {
          next = k + 1;
          break;
        }
      }
    }
    // The run ended without an `@` (a stop before it: `ab?cd'ef@h`, `ab":cd@h`): the password
    // runs to the first `@` before white space, as the patterns before the scanner read it, so
    // that the stops never leave a password less masked than they did. Only for the first host:
    // a later one was taken only with an `@` before its stop.
    if (lastAt < 0 && parts.length === 0) lastAt = firstAt(text, colon + 1);
    if (lastAt < 0) break;
    parts.push([userStart, colon + 1, lastAt]);
    if (next < 0) break;
    userStart = next;
    colon = userEnd(text, next, true);
  }
  return parts.length === 0 ? undefined : { parts, at: parts[parts.length - 1]![2], stop };
}

function schemePattern(schemes: readonly string[], flags: string): RegExp {
  return new RegExp(`(?:${schemes.map((s) => s.replace(/[.+]/g, '\\$&')).join('|')}):\\/\\/`, flags);
}

/**
 * `text` with the password of every `scheme://user:password@` URL of the given schemes
 * replaced by `mask`; the user stays, so the message still says who connected.
 */
export function maskUrlPasswords(text: string, schemes: readonly string[], mask: string): string {
  const starts = schemePattern(schemes, 'gi');
  let out = '';
  let done = 0;
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    // A password may be digits then `?` or `#` (`5?w&x@h`): the patterns before the scanner
    // masked it, so only digits then `/` are a port here (they never masked past a `/`).
    const info = scanUserinfo(text, starts.lastIndex, '/');
    if (info === undefined) continue;
    for (const [, start, end] of info.parts) {
      out += `${text.slice(done, start)}${mask}`;
      done = end;
    }
    starts.lastIndex = info.at + 1;
  }
  return out + text.slice(done);
}

/** `text` with the value of every `password=` setting (bare or quoted) replaced by `mask`. */
export function maskKeywordPasswords(text: string, mask: string): string {
  return text.replace(KEYWORD_PASSWORD, `$1${mask}`);
}

/**
 * The passwords a connection string holds, as written and percent-decoded: a URL's of the
 * given schemes at its start (as masked above, and as a URL parser reads its authority when
 * that differs: `u:Pa55@db/x@y` is `Pa55` to pg), and a `password=` setting's (unquoted, and
 * unescaped when it holds a backslash). Empty when it holds none.
 */
export function connectionPasswords(connectionString: string, schemes: readonly string[]): string[] {
  const urls: string[] = [];
  const scheme = schemePattern(schemes, 'iy').exec(connectionString);
  if (scheme !== null) {
    const from = scheme[0].length;
    for (const [, start, end] of scanUserinfo(connectionString, from, '/')?.parts ?? []) urls.push(connectionString.slice(start, end));
    const authority = /^[^/?#]*/.exec(connectionString.slice(from))![0];
    const userinfo = authority.slice(0, Math.max(0, authority.lastIndexOf('@')));
    const colon = userinfo.indexOf(':');
    if (colon >= 0 && userinfo.length - colon - 1 >= MIN_SECRET_LENGTH) urls.push(userinfo.slice(colon + 1));
    // pg reads `?password=` in the query as the password too.
    const query = /[?&]password=([^&#\s]*)/i.exec(connectionString)?.[1];
    if (query !== undefined) urls.push(query);
  }
  const setting = KEYWORD_PASSWORD_SETTING.exec(connectionString)?.[1];
  // Quotes are stripped only from a quoted value: `s3cret\'` is bare, its `\'` an escaped quote.
  const keyword = setting?.startsWith("'") ? setting.slice(1, /(?:^|[^\\])(?:\\\\)*'$/.test(setting.slice(1)) ? -1 : undefined) : setting;
  const out: string[] = [];
  for (const raw of [...urls, keyword]) if (raw !== undefined && raw !== '') out.push(raw, decoded(raw));
  // libpq connects with the unescaped value (`a\'b` is `a'b`): that is what a message would echo.
  if (keyword !== undefined && keyword.includes('\\')) out.push(keyword.replace(/\\([\s\S])/g, '$1'));
  return [...new Set(out)];
}

/**
 * `text` with, in any URL, the user info and everything after the host replaced by `mask` (a
 * webhook URL's path *is* its token). Scheme and host stay, so the message still says where.
 * The user info is read as {@link maskUrlPasswords} reads it (or, without a password, runs to
 * the last `@` before the host, or the last `@` in what would be the host); the host and the rest
 * end at white space and, for a URL opened with a quote, `<` or a backtick, at its closer, so a
 * JSON neighbour is not taken for the URL's path.
 */
export function maskUrls(text: string, mask: string): string {
  const starts = new RegExp(URL_START.source, 'gi');
  let out = '';
  let done = 0;
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    let k = starts.lastIndex;
    out += text.slice(done, k);
    const opener = openerBefore(text, k - 3);
    // The user info here never held `/ ? #` before the scanner: digits then any of them are a port.
    const info = scanUserinfo(text, k, '/?#');
    if (info !== undefined) {
      for (const [user, , end] of info.parts) {
        out += `${text.slice(k, user)}${mask}@`;
        k = end + 1;
      }
      // A stop that does not end this URL (`p@t>x#d@h` bare, `p@\"x@h` in JSON) may have cut the
      // password short: the mask runs on to its last `@` before the URL's end, as the patterns
      // before the scanner hid all of it (after a `/ ? #`, as the URL's rest).
      if (isHardStopAt(text, info.stop) && !endsUrlAt(text, info.stop, opener)) {
        for (let j = info.stop; j < text.length && !isSpaceAt(text, j) && !isUrlStartAt(text, j) && !endsUrlAt(text, j, opener); j++) if (text[j] === '@' && j >= k) k = j + 1;
      }
    } else {
      let at = -1;
      for (let j = k; j < text.length && !'/?#'.includes(text[j]!) && !isSpaceAt(text, j) && !(at >= 0 ? isHardStopAt(text, j) : closesQuoteAt(text, j)); j++) if (text[j] === '@') at = j;
      if (at >= 0) {
        out += `${mask}@`;
        k = at + 1;
      }
    }
    let host = k;
    let hostAt = -1;
    for (; host < text.length && !'/?#'.includes(text[host]!) && !isSpaceAt(text, host) && !endsUrlAt(text, host, opener); host++) if (text[host] === '@') hostAt = host;
    // A host holds no `@`: one there ends user info that a stop cut short (`p?x@{y@h`, where
    // `{` ended the password run), so the mask runs to it.
    if (hostAt >= 0) {
      if (k === starts.lastIndex) out += `${mask}@`;
      k = hostAt + 1;
    }
    let end = host;
    while (end < text.length && !isSpaceAt(text, end) && !endsUrlAt(text, end, opener)) end++;
    const rest = text.slice(host, end);
    out += text.slice(k, host) + (rest === '' || rest === '/' ? rest : `/${mask}`);
    done = end;
    starts.lastIndex = Math.max(end, starts.lastIndex);
  }
  return out + text.slice(done);
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
