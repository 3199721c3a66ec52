/**
 * Secrets out of text, in one place: the notifiers (webhook URLs, tokens, SMTP passwords) and
 * the storage adapters (a Redis or PostgreSQL password) mask with these. Each caller picks its
 * policy (what to mask, with which marker); the patterns live here only. Each pattern also gives
 * the edits it would make to a message as given (redact-edits.ts), and a policy masks their union
 * at once, so that no pass breaks what another looks for.
 * Edge-safe: `URL` and `decodeURIComponent` are globals of every runtime. URLs in messages are
 * read by the scanner of redact-url.ts, password settings (`password=x`, `"password": "x"`) by
 * redact-keyword.ts.
 */
import { applyEdits, type Edit, joinRuns, throughJsonEscapes, unescapeJson } from './redact-edits.js';
import { keywordPasswordEdits, maskKeywordPasswords } from './redact-keyword.js';
import { maskUrlPasswords, maskUrls, scanUserinfo, schemePattern, urlEdits, urlPasswordEdits } from './redact-url.js';

export { applyEdits, keywordPasswordEdits, maskKeywordPasswords, maskUrlPasswords, maskUrls, throughJsonEscapes, unescapeJson, urlEdits, urlPasswordEdits };
export type { Edit };

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
// libpq's `sslpassword` (the client key's passphrase) is as secret. Each setting is read (libpq
// takes the last of repeated ones, a message may echo any), the two names apart: an empty value
// read as running over the next setting (`sslpassword= password=x`) does not hide that one.
const KEYWORD_PASSWORD_SETTINGS = ['password', 'sslpassword'].map((name) => new RegExp(String.raw`\b${name}\s*=\s*(${QUOTED_VALUE}|(?:\\[\s\S]?|[^\s\\])+)`, 'gi'));
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
// Authorization schemes, then well-known token shapes (Slack, GitHub).
// The token is read in a lookahead, so that a scheme word taken for a token (`Bearer Bearer x`)
// does not hide the token after it.
const SCHEME_TOKEN = /\b(Bearer|Basic|Token|Bot)(?=(\s+[A-Za-z0-9._~+/=-]{4,}))/g;
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
  return applyEdits(text, secretEdits(text, secrets, mask, minLength));
}

/** The edits {@link maskSecrets} makes to `text`: one per run of overlapping occurrences, in order. */
export function secretEdits(text: string, secrets: readonly string[], mask: string | ((secret: string) => string), minLength = 1): Edit[] {
  const given = [...new Set(secrets)].filter((s) => typeof s === 'string' && s.length >= Math.max(1, minLength));
  // Each secret is also looked for as a message may have quoted it (see quotedForms); a form is
  // masked as its secret is. The forms are computed once per call: the masks built from a secret
  // are masked by the other secrets with the same table (recomputing it for each hit made
  // 200,000 hits with 51 secrets take 9 s).
  const forms: [string, string][] = given.map((s) => [s, s]);
  // The deeper JSON forms only where the text holds such escapes: each form is one more scan of it.
  const escapes = { deep: text.includes('\\\\'), slash: text.includes('\\/') };
  // Most forms of most secrets are the secret itself (nothing to escape or encode): listed once.
  for (const s of given) for (const form of new Set(quotedForms(s, escapes))) if (form !== s) forms.push([form, s]);
  // Longest first; among equal forms the first listed (a secret as itself before another's form).
  forms.sort((a, b) => b[0].length - a[0].length);
  const edits = formEdits(text, forms, mask, new Set());
  // A `\u` escape the forms do not write (Go's `\u0026` for `&`, PHP's `p\u00e4ss\/` with a
  // slash escaped too, `\\u00e4` escaped twice): the secrets are also looked for in the text
  // read with its JSON escapes undone, up to three times, and mapped back onto the text.
  if (given.length === 0 || !/\\u[0-9a-f]{4}/i.test(text)) return edits;
  return joinRuns(throughJsonEscapes(text, (view, level) => (level === 0 ? edits : formEdits(view, forms, mask, new Set()))));
}

/**
 * The forms a message may quote `secret` in: JSON-escaped (`w"rd\` shows as `w\"rd\\` in a
 * JSON body or log line; `ä` as `\u00e4` or `\u00E4` from a serializer that writes ASCII only,
 * as Python's does), with lowercase percent-encoding (`%5c` for `%5C`), and percent-encoded as a
 * URL or a form body carries it (`p@ss/w0rd` as `p%40ss%2Fw0rd`, `p%40ss%2fw0rd`, with a space
 * as `+` or `%20`, and `*` as `%2A`, as encoders stricter than encodeURIComponent write it): a
 * receiver or a driver echoing a request shows it so.
 */
function quotedForms(secret: string, escapes: { deep: boolean; slash: boolean }): string[] {
  // Nothing to escape or encode (most tokens): every form is the secret itself.
  if (/^[\w.-]*$/.test(secret)) return [];
  const lower = (text: string): string => text.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase());
  const json = JSON.stringify(secret).slice(1, -1);
  const out = [json, lower(secret)];
  // JSON quoted in JSON, twice and three times (`p"w` as `p\\\"w`), and with a slash as `\/` (PHP's
  // encoder writes it so): when the text holds a doubled backslash, or `\/`. Each level may
  // escape the slash or not, whatever the one inside did: PHP twice writes `\\\/`, which
  // JSON.stringify of `\/` (`\\/`) is not.
  const slashed = escapes.slash && secret.includes('/');
  if (slashed || (escapes.deep && /["\\\x00-\x1f]/.test(secret))) {
    const quote = (text: string): string[] => {
      const once = JSON.stringify(text).slice(1, -1);
      return slashed ? [once, once.replace(/\//g, '\\/')] : [once];
    };
    let level = quote(secret);
    out.push(...level);
    if (escapes.deep) for (let depth = 2; depth <= 3; depth++) out.push(...(level = [...new Set(level.flatMap(quote))]));
  }
  // Each extra form only for a secret that has it (these are computed on every call).
  if (/[^\x00-\x7f]/.test(secret)) {
    const ascii = json.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    out.push(ascii, ascii.replace(/\\u[0-9a-f]{4}/g, (hex) => `\\u${hex.slice(2).toUpperCase()}`));
  }
  let component: string;
  try {
    component = encodeURIComponent(secret);
  } catch {
    // A lone surrogate has no UTF-8 encoding, so no message can hold one percent-encoded.
    return out;
  }
  // application/x-www-form-urlencoded (URLSearchParams) also encodes `!'()~` and writes a space as `+`.
  const form = component.replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  out.push(component, lower(component), form, lower(form));
  if (secret.includes('*')) for (const text of [component, form]) out.push(text.replace(/\*/g, '%2A'), lower(text.replace(/\*/g, '%2A')));
  return out;
}

/**
 * Where the forms of a secret with several may start in `text`, in order (undefined: scan for
 * each form). A secret's forms share its part before the first character a form escapes or
 * encodes; that part, when 4 characters or more, is found once and each form checked there: with
 * `"` and `/` a secret has a dozen forms, and a scan of the text for each was most of the cost of
 * 1 MB with 50 secrets.
 */
function formStarts(text: string, forms: readonly [string, string][]): (secret: string) => readonly number[] | undefined {
  const shared = new Map<string, [prefix: string, count: number]>();
  for (const [form, secret] of forms) {
    const seen = shared.get(secret);
    if (seen === undefined) {
      shared.set(secret, [form, 1]);
      continue;
    }
    let n = 0;
    while (n < seen[0].length && n < form.length && seen[0][n] === form[n]) n++;
    shared.set(secret, [seen[0].slice(0, n), seen[1] + 1]);
  }
  const found = new Map<string, number[] | undefined>();
  // A part found more often than this (1 MB of `a` with `aaaa"` known) is checked at more places
  // than scans for each form cost: each form is scanned for then.
  const most = 256 + (text.length >> 7);
  return (secret) => {
    const [prefix, count] = shared.get(secret) ?? ['', 0];
    if (count < 2 || prefix.length < 4) return undefined;
    if (!found.has(prefix)) {
      let at: number[] | undefined = [];
      for (let k = text.indexOf(prefix); k !== -1 && at !== undefined; k = text.indexOf(prefix, k + 1)) if (at.push(k) > most) at = undefined;
      found.set(prefix, at);
    }
    return found.get(prefix);
  };
}

/** {@link secretEdits} with its forms ([form, its secret], longest first), skipping the secrets in `skip`. */
function formEdits(text: string, forms: readonly [string, string][], mask: string | ((secret: string) => string), skip: ReadonlySet<string>): Edit[] {
  // For each start, the end of the longest form found there and its index in `forms`; typed
  // arrays filled by plain scans, then one sweep: linear in the text and the hits, with no object
  // or sort per hit (1 MB of `a` with `aaaa` known made a million of them: 0.5 s).
  let ends: Int32Array | undefined;
  let which: Int32Array | undefined;
  const scanned = new Set<string>();
  const starts = formStarts(text, forms);
  for (let i = 0; i < forms.length; i++) {
    const [form, secret] = forms[i]!;
    if (skip.has(secret) || scanned.has(form)) continue;
    scanned.add(form);
    const candidates = starts(secret);
    // Each start of the form, in order: found by a scan, or checked where its secret's forms may start.
    let c = 0;
    const next = (from: number): number => {
      if (candidates === undefined) return text.indexOf(form, from);
      while (c < candidates.length) if (text.startsWith(form, candidates[c++]!)) return candidates[c - 1]!;
      return -1;
    };
    for (let at = next(0); at !== -1; at = next(at + 1)) {
      ends ??= new Int32Array(text.length);
      which ??= new Int32Array(text.length);
      // Longest first: a start already taken holds a form at least as long.
      if (ends[at] === 0) {
        ends[at] = at + form.length;
        which[at] = i;
      }
    }
  }
  if (ends === undefined || which === undefined) return [];
  // A mask built from a secret, masked by the other secrets: once per secret, not per hit.
  const replacements = new Map<string, string>();
  const edits: Edit[] = [];
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
      const built = mask(secret);
      replacement = applyEdits(built, formEdits(built, forms, mask, new Set([...skip, secret])));
      replacements.set(secret, replacement);
    }
    edits.push([start, end, replacement!]);
    start = end - 1;
  }
  return edits;
}

/**
 * The passwords a connection string holds, as written and percent-decoded: a URL's of the
 * given schemes at its start (as {@link maskUrlPasswords} masks it, and as a URL parser reads
 * its authority when that differs: `u:Pa55@db/x@y` is `Pa55` to pg) and its query's `password=`
 * and `sslpassword=`, and every `password=` and `sslpassword=` setting's (unquoted, and unescaped
 * when it holds a backslash). Empty when it holds none.
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
    // pg reads `?password=` in the query as the password too, and `?sslpassword=` as the key's passphrase.
    for (const query of connectionString.matchAll(/[?&](?:ssl)?password=([^&#\s]*)/gi)) urls.push(query[1]!);
  }
  // Quotes are stripped only from a quoted value: `s3cret\'` is bare, its `\'` an escaped quote.
  const unquoted = (setting: string): string => (setting.startsWith("'") ? setting.slice(1, /(?:^|[^\\])(?:\\\\)*'$/.test(setting.slice(1)) ? -1 : undefined) : setting);
  const keywords = KEYWORD_PASSWORD_SETTINGS.flatMap((re) => [...connectionString.matchAll(re)].map((m) => unquoted(m[1]!)));
  const out: string[] = [];
  for (const raw of [...urls, ...keywords]) if (raw !== '') out.push(raw, decoded(raw));
  // libpq connects with the unescaped value (`a\'b` is `a'b`): that is what a message would echo.
  for (const keyword of keywords) if (keyword.includes('\\')) out.push(keyword.replace(/\\([\s\S])/g, '$1'));
  return [...new Set(out)];
}

/** `text` with bearer-style credentials (`Bearer x`, `Basic x`) and Slack and GitHub token shapes replaced by `mask`. */
export function maskTokens(text: string, mask: string): string {
  return applyEdits(text, tokenEdits(text, mask));
}

/** The edits {@link maskTokens} makes to `text`, in no particular order. */
export function tokenEdits(text: string, mask: string): Edit[] {
  const edits: Edit[] = [];
  for (const m of text.matchAll(SCHEME_TOKEN)) edits.push([m.index + m[1]!.length, m.index + m[1]!.length + m[2]!.length, ` ${mask}`]);
  for (const re of TOKENS) for (const m of text.matchAll(re)) edits.push([m.index, m.index + m[0].length, mask]);
  return edits;
}

// A CLI's usage error quotes a mistyped flag whole (commander: `unknown option '--tokne=<token>'`).
// The value runs to the last quote: it may hold quotes and lines itself (`--tokne=ab'cd` showed
// `cd` when it stopped at the first).
const UNKNOWN_OPTION_VALUE = /(unknown option '[^'=]*)=[\s\S]*'/g;

/**
 * `text` with the value of every mistyped `--flag=value` a usage error quotes (`unknown option
 * '--tokne=<token>'`) replaced by `mask`: the flag is named, its value (a token no one registered
 * as a secret, being mistyped) is not.
 */
export function maskUnknownOptionValues(text: string, mask: string): string {
  return text.replace(UNKNOWN_OPTION_VALUE, `$1=${mask}'`);
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
