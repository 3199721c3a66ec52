/**
 * Passwords written as a setting in a message, for the policies that mask unknown passwords:
 * libpq's `password=x` (and `sslpassword=`, `PGPASSWORD=`, `DB_PASSWORD=`) and a JSON or YAML
 * key (`"password":"x"`, `password: x`). Split from redact.ts, which re-exports what is public.
 */

// In a message, a quoted value without its closing quote (cut off, or a parser's complaint
// about a value: `password=' expected a value; host=db`) is masked to the end of its line or
// to the white space before the next `key=`, whichever comes first: far enough for a value cut
// off by the end of a message, not so far that the rest of the message goes.
const quotedInMessage = (q: string): string => String.raw`${q}(?:[^${q}\\]|\\[\s\S])*${q}|${q}(?:(?!\s\w+\s*=)[^${q}\\\n]|\\[^\n]?)*`;
// The name: a word's end after `_` (`DB_PASSWORD`), `PGPASSWORD`, and libpq's `sslpassword` (the
// client key's passphrase), not any word ending in `password`. A URL's user named `password`
// (`redis://password:pw@h`) is a user, not a key.
const NAME = String.raw`(?<!:\/\/)(?:\b|_|(?<=(?:\b|_)(?:pg|ssl|pgssl)))password`;
// `=` (libpq), or `:` after the key, itself maybe closing a quote (`"password": "x"`, YAML
// `password: x`, JSON in a JSON string `\"password\":\"x\"`); not `::` (an SQL cast) or `://` (a scheme).
const SEPARATOR = String.raw`(?:\s*=|\\?["']?\s*:(?![:/]))\s*`;
// A bare value runs to white space, as libpq reads it (`password=hun;ter2` is `hun;ter2`: stopping
// at `;` showed `ter2`), or to a quote that closes a string around the setting (JSON:
// `"host=db password=x","user":...`); a backslash escapes the next character. Punctuation that
// ends it (`(password=x)`, `password=x, host=db`) is given back below.
const BARE = String.raw`(?:\\[\s\S]?|[^\s'"\\]|['"](?![,:;}\])>\s]|$))+`;
const KEYWORD_PASSWORD = new RegExp(`(${NAME}${SEPARATOR})(${quotedInMessage("'")}|${quotedInMessage('"')}|${BARE})`, 'gi');

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
 * runs to white space, less the `)`, `,` or `;` that end it (and after a key's `:`, the `}` or `]`
 * of the object around it); a closed quoted value after a `:` keeps its quotes
 * (`"password":"***"`, so JSON stays JSON), one after `=` loses them as before.
 */
export function maskKeywordPasswords(text: string, mask: string): string {
  return text.replace(KEYWORD_PASSWORD, (_match, key: string, value: string) => {
    const q = value[0];
    const keyed = key.trimEnd().endsWith(':');
    if (q === "'" || q === '"') {
      const closed = value.length > 1 && value.endsWith(q) && keyed;
      return `${key}${closed ? `${q}${mask}${q}` : mask}`;
    }
    // After `=` only what the pattern before this stopped at: it masked a `}` or `]`.
    const end = withoutTrailingPunctuation(value, keyed ? ',;)}]' : ',;)');
    // All punctuation (`password=;`): nothing to hide, nothing to give back.
    return end === 0 ? `${key}${value}` : `${key}${mask}${value.slice(end)}`;
  });
}
