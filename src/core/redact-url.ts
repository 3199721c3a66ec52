/**
 * The URLs of a message, read by a scanner rather than by patterns: the `user:password@` parts
 * of a URL (for {@link maskUrlPasswords}, the storage adapters' policy, and for
 * `connectionPasswords`) and the user info and rest of any URL (for {@link maskUrls}, the
 * notifiers'). Split from redact.ts, which re-exports what is public.
 */
import { applyEdits, type Edit } from './redact-edits.js';

// scheme://[userinfo@]host[/path?query#fragment], found from its `://`; the scheme (a letter,
// then up to 31 of `a-z0-9+.-`) is checked behind it once `://` is found, and left in place.
// Matching from the scheme's first letter at a word start missed a URL glued to the word before
// it (`error_redis://u:pw@h`, or a run longer than a scheme) and left it in clear; matching from
// any letter made every letter of plain text a start. From `://`, text without one costs a plain
// scan, and the unbounded scheme (`a.a.a...`: 10 s for 100 KB) cannot come back. The rest of the
// URL is read by the scanner below (scanUserinfo), not by a pattern.
const URL_START = /:\/\/(?<=[a-z][a-z0-9+.-]{0,31}:\/\/)/gi;

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
    // An IPv6 host (`[::1]`) right after `://` or a user's `@`: its colons are not a password's.
    if (ch === '[' && (k === from || text.charCodeAt(k - 1) === 64)) return -1;
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
export function scanUserinfo(text: string, from: number, portEnds: string): Userinfo | undefined {
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

export function schemePattern(schemes: readonly string[], flags: string): RegExp {
  return new RegExp(`(?:${schemes.map((s) => s.replace(/[.+]/g, '\\$&')).join('|')}):\\/\\/`, flags);
}

/**
 * `text` with the password of every `scheme://user:password@` URL of the given schemes
 * replaced by `mask`; the user stays, so the message still says who connected.
 */
export function maskUrlPasswords(text: string, schemes: readonly string[], mask: string): string {
  return applyEdits(text, urlPasswordEdits(text, schemes, mask));
}

/** The edits {@link maskUrlPasswords} makes to `text`, in order. */
export function urlPasswordEdits(text: string, schemes: readonly string[], mask: string): Edit[] {
  const starts = schemePattern(schemes, 'gi');
  const edits: Edit[] = [];
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    // A password may be digits then `?` or `#` (`5?w&x@h`): the patterns before the scanner
    // masked it, so only digits then `/` are a port here (they never masked past a `/`).
    const info = scanUserinfo(text, starts.lastIndex, '/');
    if (info === undefined) continue;
    for (const [, start, end] of info.parts) edits.push([start, end, mask]);
    starts.lastIndex = info.at + 1;
  }
  return edits;
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
  return applyEdits(text, urlEdits(text, mask));
}

/** The edits {@link maskUrls} makes to `text`, in order: the user info up to its `@`, and the rest after the host. */
export function urlEdits(text: string, mask: string): Edit[] {
  const starts = new RegExp(URL_START.source, 'gi');
  const edits: Edit[] = [];
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    let k = starts.lastIndex;
    const opener = openerBefore(text, k - 3);
    // The user info masked for this URL: [start, end of the mask (an `@`, kept)].
    let user: [number, number] | undefined;
    // The user info here never held `/ ? #` before the scanner: digits then any of them are a port.
    const info = scanUserinfo(text, k, '/?#');
    if (info !== undefined) {
      const parts = info.parts;
      for (let p = 0; p < parts.length - 1; p++) edits.push([parts[p]![0], parts[p]![2], mask]);
      user = [parts[parts.length - 1]![0], info.at];
      k = info.at + 1;
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
        user = [starts.lastIndex, at];
        k = at + 1;
      }
    }
    let host = k;
    let hostAt = -1;
    for (; host < text.length && !'/?#'.includes(text[host]!) && !isSpaceAt(text, host) && !endsUrlAt(text, host, opener); host++) if (text[host] === '@') hostAt = host;
    // A host holds no `@`: one there ends user info that a stop cut short (`p?x@{y@h`, where
    // `{` ended the password run), so the mask runs to it.
    if (hostAt >= 0) k = hostAt + 1;
    if (user !== undefined || hostAt >= 0) edits.push([user?.[0] ?? starts.lastIndex, k - 1, mask]);
    let end = host;
    while (end < text.length && !isSpaceAt(text, end) && !endsUrlAt(text, end, opener)) end++;
    const rest = text.slice(host, end);
    if (rest !== '' && rest !== '/') edits.push([host, end, `/${mask}`]);
    starts.lastIndex = Math.max(end, starts.lastIndex);
  }
  return edits;
}
