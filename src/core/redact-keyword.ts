/**
 * Passwords written as a setting in a message, for the policies that mask unknown passwords:
 * libpq's `password=x` (and `sslpassword=`, `PGPASSWORD=`, `DB_PASSWORD=`) and a JSON or YAML
 * key (`"password":"x"`, `password: x`). Split from redact.ts, which re-exports what is public.
 */
import { applyEdits, type Edit } from './redact-edits.js';
import { BLOCK_SCALAR, blockScalarEnd } from './redact-yaml-block.js';

// The name: a word's end after `_` (`DB_PASSWORD`), `PGPASSWORD`, and libpq's `sslpassword` (the
// client key's passphrase), not any word ending in `password`.
const NAME = String.raw`(?:\b|_|(?<=(?:\b|_)(?:pg|ssl|pgssl)))password`;
// Where another password key starts (`=`, or `:` not after `://`): a value never runs over one
// (`password=a;password= hunter2` masks both), so the scan goes on at that key. Not a `:` key
// whose value is structure or nothing on its line (`password=password:{x`): it masks nothing,
// and the value around it is masked whole, as before.
const KEY_AHEAD = String.raw`${NAME}\s*=|(?<!:\/\/)${NAME}\\*["']?\s*:(?![:/]|[ \t]*(?:[{\[\r\n]|$))`;

// In a message, a quoted value without its closing quote (cut off, or a parser's complaint
// about a value: `password=' expected a value; host=db`) is masked to the end of its line or
// to the white space before the next `key=`, whichever comes first: far enough for a value cut
// off by the end of a message, not so far that the rest of the message goes.
const quotedInMessage = (q: string, stop: string): string => String.raw`${q}(?:[^${q}\\]|\\[\s\S])*${q}|${q}(?:(?!\s\w+\s*=|${stop})[^${q}\\\n]|\\[^\n]?)*`;
// `=` (libpq), any white space around it.
const EQUALS = String.raw`(?:${NAME}\s*=\s*)`;
// `:` after the key, itself maybe closing a quote (`"password": "x"`, YAML `password: x`, JSON in
// a JSON string `\"password\":\"x\"`); not `::` (an SQL cast) or `://` (a scheme), and not a URL's
// user named `password` (`redis://password:pw@h` is a user). Only spaces after it, or a line
// break and indentation (YAML continues a value there): a key with nothing on its line and an
// unindented next line (YAML `password:` then `host: db`) has no value to mask.
const COLON = String.raw`(?:(?<!:\/\/)${NAME}\\*["']?\s*:(?![:/])[ \t]*(?:\r?\n[ \t]+)?)`;
// A bare value after `=` runs to white space, as libpq reads it (`password=hun;ter2` is
// `hun;ter2`: stopping at `;` showed `ter2`), or to a quote that closes a string around the
// setting (JSON: `"host=db password=x","user":...`); a backslash escapes the next character.
// Punctuation that ends it (`(password=x)`, `password=x, host=db`) is given back below.
const bare = (stop: string): string => String.raw`(?:(?!${stop})(?:\\[\s\S]?|[^\s'"\\]|['"](?![,:;}\])>\s]|$)))+`;
// After a key's `:`: a string of JSON inside a JSON string (`\"a \\\"b\\\" c\"`, to its `\"`: the
// bare value stopped at its first space; read by escapedStringEnd, at any depth), a YAML
// single-quoted string (`'it''s'`: `''` is a quote), a JSON literal (null, true, false, a number: masked alone, or left, so the next key
// stays), and a bare value to the end of its line (YAML `password: correct horse battery`) or to
// a `,` before the next key (`{password: x, user: y}`). A value opening an object or an array
// (`"password": {"type": "string"}`, a schema) is structure, not a password: left.
const ESCAPED_OPEN = String.raw`\\+"`;
const YAML_QUOTED = String.raw`'(?:[^'\\]|\\[\s\S]|'')*'`;
const LITERAL = String.raw`(?:null|true|false|-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(?=[ \t]*(?:[,}\]\r\n]|\\*"|$))`;
const keyedBare = (stop: string): string => String.raw`(?![{\[\s])(?:(?!${stop})(?:\\[^\r\n]?|[^\r\n\\'",]|,(?![ \t]*\\*["']?[\w-]+\\*["']?[ \t]*:)|['"](?![,:;}\])>]|$)))+`;
/** The settings' pattern whose values end before `stop` (a pattern that never matches: nowhere). */
function keywordPattern(stop: string): RegExp {
  const value = String.raw`${quotedInMessage("'", stop)}|${quotedInMessage('"', stop)}`;
  return new RegExp(`(${EQUALS})(${value}|${bare(stop)})|(${COLON})(${ESCAPED_OPEN}|${YAML_QUOTED}|${value}|${LITERAL}|${keyedBare(stop)})`, 'gi');
}
// Two readings, their masks joined: values that end before another password key (so that key's
// own value is masked: `password=a;password= hunter2`), and values that run over such key text
// (a password holding it, `password='password:""hunter2` or `password=x-password=`, or a quote
// left open to the end of its line): ending at the key alone showed those passwords, in whole or
// in part, where the pattern before this masked them (review R6).
const KEYWORD_PASSWORD = keywordPattern(KEY_AHEAD);
const KEYWORD_PASSWORD_WHOLE = keywordPattern('(?!)');
// And two readings of a closed single-quoted value holding a doubled quote, which stands for one
// in SQL and in YAML (`password='it''s-secret'`): the readings above ended it at the `''` and
// showed the rest. With libpq's backslash escapes, and without (YAML's `'a''\''b c'`: there a
// backslash is itself). Sticky, tried where a setting starts (see nextSetting).
const DOUBLED_QUOTE = [String.raw`'(?:[^'\\]|\\[\s\S])*''(?:[^'\\]|\\[\s\S]|'')*'`, String.raw`'[^']*''(?:[^']|'')*'`].map(
  (value) => new RegExp(`(${EQUALS})(${value})|(${COLON})(${value})`, 'iy')
);

/**
 * The length of `value` without the punctuation of the message around it: a run at its end of
 * `ending` characters (`(password=x)`, `password=x, host=db`) and of sentence punctuation after
 * them (`(password=x):`). Sentence punctuation alone (`password=x.`) stays in the value, as the
 * pattern before read it; an escaped character (`a\)`) is the value's own.
 */
function withoutTrailingPunctuation(value: string, ending: string): number {
  let end = value.length;
  for (let k = value.length - 1; k >= 0 && (ending.includes(value[k]!) || '.:!?'.includes(value[k]!)); k--) {
    let slashes = 0;
    while (k - 1 - slashes >= 0 && value[k - 1 - slashes] === '\\') slashes++;
    if (slashes % 2 === 1) break;
    if (ending.includes(value[k]!)) end = k;
  }
  return end;
}

/**
 * `text` with the value of every password setting replaced by `mask`: `password=` (bare or
 * quoted, libpq's escapes read), `sslpassword=`, and a JSON or YAML `password` key. A bare value
 * after `=` runs to white space, after a key's `:` to the end of its line or the next key (one
 * word for a key in prose: see structuredKey), never over another password key, less
 * the `)`, `,` or `;` that end it (and after a key's `:`, the `}` or `]` of the object around it);
 * a closed quoted value after a `:` keeps its quotes (`"password":"***"`, so JSON stays JSON),
 * one after `=` loses them as before. `null`, `true`, `false`, an object or array and `""` stay.
 */
export function maskKeywordPasswords(text: string, mask: string): string {
  return applyEdits(text, keywordPasswordEdits(text, mask));
}

/**
 * Where a string of JSON nested in JSON strings ends, its opening quote escaped by `depth`
 * backslashes and its content starting at `from`: [the end of its closing quote, true], or, for
 * one cut off, [the end of its line or of a string around it (a quote escaped less), false].
 */
function escapedStringEnd(text: string, from: number, depth: number): [number, boolean] {
  let k = from;
  while (k < text.length && text[k] !== '\n' && text[k] !== '\r') {
    if (text[k] !== '\\') {
      if (text[k] === '"') return [k, false];
      k++;
      continue;
    }
    let run = 1;
    while (text[k + run] === '\\') run++;
    if (text[k + run] === '"' && run <= depth) return run === depth ? [k + run + 1, true] : [k, false];
    k += run + 1;
  }
  return [k, false];
}

const KEY_AT = new RegExp(KEY_AHEAD, 'iy');

/** True when a password key starts at `at` of `text`. */
function keyAt(text: string, at: number): boolean {
  KEY_AT.lastIndex = at;
  return KEY_AT.test(text);
}

// What may come before a key on its line for its value to run to the end of the line: YAML
// (`  password:`, `- password:`, `db_password:`), a quote opening the key, a `{` opening a mapping.
const LINE_KEY = /^[ \t]*(?:-[ \t]+)?(?:\\*["']|\{[ \t]*)?[\w-]*$/;
// Or, anywhere on the line, the quote opening a JSON string value that starts with the key
// (`{"config":"password: |\n  abc def"}`, `{"msg":"password: abc def"}`): the string's content
// starts a line of its own, as YAML or settings; read as prose, one word showed the rest. Only
// a quote not escaped: one escaped (`{\"msg\":\"password: x`) is read in the view that undoes it.
const STRING_KEY = /[:,[][ \t]*"[\w-]*$/;

/**
 * The length of the part of `value` (after a key opening a JSON string) in that string, on its
 * line: up to a quote not escaped, which closes the string, or an escaped line break (`\n`).
 */
function inJsonString(value: string): number {
  for (let k = 0; k < value.length; k++) {
    if (value[k] === '"') return k;
    if (value[k] !== '\\') continue;
    let run = 1;
    while (value[k + run] === '\\') run++;
    if (run % 2 === 1 && (value[k + run] === 'n' || value[k + run] === 'r')) return k;
    k += run - 1 + (run % 2);
  }
  return value.length;
}

/**
 * Whether the value of the `:` key at `at` (its name) is structured (YAML, JSON or a flow
 * mapping), to mask to the end of its line or the next key: 'string' for a key opening a JSON
 * string value (see STRING_KEY); false for a key in prose (`expected password: string, got
 * number`), whose value is one word.
 */
function structuredKey(text: string, at: number, key: string): boolean | 'string' {
  if (/["']\s*:/.test(key)) return true;
  // The line before the key, at most 256 characters of it (linear on a long line of keys).
  let k = at;
  while (k > 0 && at - k < 256 && text[k - 1] !== '\n' && text[k - 1] !== '\r') k--;
  const before = text.slice(k, at);
  if ((k === 0 || text[k - 1] === '\n' || text[k - 1] === '\r') && LINE_KEY.test(before)) return true;
  if (STRING_KEY.test(before)) return 'string';
  // A later key of a flow mapping on one line: `{user: bob, password: x}`.
  return before.lastIndexOf('{') > before.lastIndexOf('}') && /,[ \t]*$/.test(before);
}

/**
 * The edits {@link maskKeywordPasswords} makes to `text`, in order. `inString`: `text` is a view
 * of a JSON string's content (see throughJsonEscapes), whose closing quote ends a YAML block;
 * the view's step map, which throughJsonEscapes gives its pass, tells that quote from those the
 * string's text escaped (a block holding JSON, `{\"k\":\"v\"}`, ended at its first).
 */
export function keywordPasswordEdits(text: string, mask: string, inString: boolean | Int32Array = false): Edit[] {
  const edits: Edit[] = [];
  readSettings(text, mask, new RegExp(KEYWORD_PASSWORD.source, 'iy'), edits, inString);
  readSettings(text, mask, new RegExp(KEYWORD_PASSWORD_WHOLE.source, 'iy'), edits, inString);
  if (text.includes("''")) for (const re of DOUBLED_QUOTE) readDoubledQuotes(text, mask, new RegExp(re), edits);
  return edits;
}

/** Adds to `edits` the closed values holding a doubled quote that `re` (see DOUBLED_QUOTE) finds: whole after `=`, inside the quotes after a key's `:`, as readSettings masks them. */
function readDoubledQuotes(text: string, mask: string, re: RegExp, edits: Edit[]): void {
  for (let m = nextSetting(text, re, 0); m !== null; m = nextSetting(text, re, re.lastIndex)) {
    const keyed = m[3] !== undefined;
    const from = m.index + (keyed ? m[3]! : m[1]!).length;
    const length = (keyed ? m[4]! : m[2]!).length;
    edits.push(keyed ? [from + 1, from + length - 1, mask] : [from, from + length, mask]);
  }
}

/**
 * The first match of the sticky `re` at or after `from` in `text`, tried only where a setting
 * can start: at `password`, or at the `_` before it (NAME takes it: `DB_PASSWORD`; the
 * lookbehinds take nothing). Trying the pattern at every character cost 18 ms on 700 KB holding
 * no setting, three times that once each policy also read the text with its JSON escapes undone.
 */
function nextSetting(text: string, re: RegExp, from: number): RegExpExecArray | null {
  const name = /password/gi;
  name.lastIndex = from;
  for (let c = name.exec(text); c !== null; c = name.exec(text)) {
    // In the order a global search tries them: the `_` first.
    for (const at of c.index > from && text[c.index - 1] === '_' ? [c.index - 1, c.index] : [c.index]) {
      re.lastIndex = at;
      const m = re.exec(text);
      if (m !== null) return m;
    }
    name.lastIndex = c.index + 1;
  }
  return null;
}

/** Adds to `edits` the values of the settings `re` (one reading, see KEYWORD_PASSWORD; sticky) finds in `text`. */
function readSettings(text: string, mask: string, re: RegExp, edits: Edit[], inString: boolean | Int32Array): void {
  // The end of the last YAML block scalar masked.
  let block = -1;
  for (let m = nextSetting(text, re, 0); m !== null; m = nextSetting(text, re, re.lastIndex)) {
    const keyed = m[3] !== undefined;
    const key = keyed ? m[3]! : m[1]!;
    let value = keyed ? m[4]! : m[2]!;
    const from = m.index + key.length;
    if (keyed && /^(?:null|true|false)$/i.test(value)) continue;
    const structured = !keyed || structuredKey(text, m.index, key);
    // A key in prose with nothing after it on its line (`invalid password:` then a stack frame):
    // the next line is not its value.
    if (!structured && /[\r\n]/.test(key)) {
      re.lastIndex = from;
      continue;
    }
    // A string of JSON in JSON strings (its opening quote escaped): read to its closing quote.
    if (keyed && /^\\+"$/.test(value)) {
      const [end, closed] = escapedStringEnd(text, from + value.length, value.length - 1);
      // An empty string (`\"password\":\"\"`) hides nothing and shows a misconfiguration.
      if (!closed || end - value.length > from + value.length) edits.push(closed ? [from + value.length, end - value.length, mask] : [from, end, mask]);
      // On after the string, which is scanned once: linear however the strings nest.
      re.lastIndex = Math.max(re.lastIndex, end);
      continue;
    }
    // The quote a value opens with, kept around the mask when the value closes it after a key.
    const q = /^['"]/.exec(value)?.[0];
    const closed = q !== undefined && value.length > 1 && value.endsWith(q);
    if (q !== undefined && closed && keyed) {
      if (value.length > 2) edits.push([from + 1, from + value.length - 1, mask]);
      continue;
    }
    // A YAML block scalar (`password: |`, `>-`, then indented lines): the lines are the value.
    // One inside a block already masked ends with it (its lines are more indented): not scanned
    // again, so nested ones cost one scan.
    if (keyed && structured && from >= block && BLOCK_SCALAR.test(value) && /^(?:[\r\n]|$)/.test(text.slice(from + value.length, from + value.length + 1))) {
      block = blockScalarEnd(text, m.index, from + value.length, inString);
      edits.push([from, block, mask]);
      continue;
    }
    // In prose, a key's value is one word.
    if (!structured) value = value.slice(0, value.search(/\s|$/));
    // In a JSON string, its part of the line; at least the one word that prose masks.
    if (structured === 'string') value = value.slice(0, Math.max(inJsonString(value), value.search(/\s|$/)));
    let ending = keyed ? ',;)}]' : ',;)';
    // A value the pattern ended before another password key (`password=a;password= x`): the
    // punctuation and a quote before that key are not the value's.
    if (keyAt(text, from + value.length) && !(q !== undefined && closed)) {
      value = value.trimEnd();
      ending += `"'`;
      // Punctuation alone (`Password=;Password= x`, `password:(password=x`): nothing to hide.
      if (!/[^\s,;:()[\]{}"']/.test(value)) continue;
    }
    if (q !== undefined) {
      edits.push([from, from + value.length, mask]);
      continue;
    }
    // After `=` only what the pattern before this stopped at: it masked a `}` or `]`.
    const end = withoutTrailingPunctuation(value, ending);
    // All punctuation (`password=;`): nothing to hide, nothing to give back.
    if (end > 0) edits.push([from, from + end, mask]);
  }
}
